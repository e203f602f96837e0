//! The storage adapter: implements the engine's [`app::engine::Store`] port with sqlx on
//! SQLite (one file, WAL). Migrations live in `server/migrations`.

use app::domain::{
    EnvironmentSpec, RecordStatus, RecordedResource, RecordedState, ResourceKind, RunKind,
    RunRecord, RunState,
};
use app::engine::{AuditEntry, EnvironmentRecord, Store, StoreError, UserRecord};
use async_trait::async_trait;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Which database the store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite: one file, embedded; the default.
    Sqlite,
    /// PostgreSQL: shared by several console replicas.
    Postgres,
}

impl Backend {
    /// The backend a `DATABASE_URL` names.
    pub fn of(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Backend(format!(
                "DATABASE_URL must start with sqlite: or postgres:// (got {})",
                url.split(':').next().unwrap_or_default()
            )))
        }
    }
}

/// The sqlx store, on SQLite or PostgreSQL (the same SQL and migrations on both).
#[derive(Clone, Debug)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
}

fn backend(e: sqlx::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

fn now() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}

fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl SqlStore {
    /// Opens the database at `url` (an SQLite file is created if missing, with WAL and
    /// foreign keys on) and runs the migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend_kind = Backend::of(url)?;
        let mut url = url.to_owned();
        if backend_kind == Backend::Sqlite {
            let path = url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:");
            let file = path.split('?').next().unwrap_or(path);
            if let Some(dir) = std::path::Path::new(file).parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StoreError::Backend(format!("create {}: {e}", dir.display())))?;
            }
            if !url.contains("mode=") {
                url.push_str(if url.contains('?') {
                    "&mode=rwc"
                } else {
                    "?mode=rwc"
                });
            }
        }
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend_kind == Backend::Sqlite {
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(backend)?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(SqlStore {
            pool,
            backend: backend_kind,
        })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Marks runs left "running" by a previous process as failed: nothing executes them
    /// any more. Their journal entries stay, so the next run resumes from them.
    pub async fn fail_interrupted_runs(&self) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE runs SET state = 'failed', finished_at = $1, \
             error = 'interrupted: the console stopped during this run; apply or destroy again to continue' \
             WHERE state = 'running'",
        )
        .bind(now())
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(done.rows_affected())
    }
}

async fn bump_serial(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    environment_id: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE environments SET journal_serial = journal_serial + 1 WHERE id = $1")
        .bind(environment_id)
        .execute(&mut **tx)
        .await
        .map_err(backend)?;
    Ok(())
}

fn environment_from_row(row: &AnyRow) -> Result<EnvironmentRecord, StoreError> {
    let json: String = row.get("spec_json");
    Ok(EnvironmentRecord {
        id: row.get("id"),
        owner_id: row.get("owner_id"),
        spec: EnvironmentSpec::from_json(&json).map_err(StoreError::Backend)?,
        created_at: row.get("created_at"),
    })
}

fn run_from_row(row: &AnyRow) -> Result<RunRecord, StoreError> {
    let kind: String = row.get("kind");
    let state: String = row.get("state");
    Ok(RunRecord {
        id: row.get("id"),
        kind: match kind.as_str() {
            "apply" => RunKind::Apply,
            "destroy" => RunKind::Destroy,
            other => return Err(StoreError::Backend(format!("unknown run kind {other}"))),
        },
        state: match state.as_str() {
            "running" => RunState::Running,
            "succeeded" => RunState::Succeeded,
            "failed" => RunState::Failed,
            other => return Err(StoreError::Backend(format!("unknown run state {other}"))),
        },
        started_by: row.get("started_by"),
        started_at: row.get("started_at"),
        current_step: row.get("current_step"),
        error: row.get("error"),
    })
}

#[async_trait]
impl Store for SqlStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn create_user(&self, username: &str, password_hash: &str) -> Result<String, StoreError> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO users (id, username, password_hash, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(username)
        .bind(password_hash)
        .bind(now())
        .execute(&self.pool)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Conflict(format!("the username {username} is taken"))
            } else {
                backend(e)
            }
        })?;
        Ok(id)
    }

    async fn find_user(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        let row = sqlx::query("SELECT id, username, password_hash FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        Ok(row.map(|r| UserRecord {
            id: r.get("id"),
            username: r.get("username"),
            password_hash: r.get("password_hash"),
        }))
    }

    async fn insert_environment(
        &self,
        owner_id: &str,
        spec: &EnvironmentSpec,
    ) -> Result<String, StoreError> {
        let id = new_id();
        let json = serde_json::to_string(spec).map_err(|e| StoreError::Backend(e.to_string()))?;
        sqlx::query(
            "INSERT INTO environments (id, owner_id, name, region, spec_json, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(owner_id)
        .bind(&spec.name)
        .bind(&spec.region)
        .bind(json)
        .bind(now())
        .execute(&self.pool)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Conflict(format!(
                    "an environment named {} already exists in {}",
                    spec.name, spec.region
                ))
            } else {
                backend(e)
            }
        })?;
        Ok(id)
    }

    async fn environment_named(
        &self,
        region: &str,
        name: &str,
    ) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar("SELECT id FROM environments WHERE region = $1 AND name = $2")
            .bind(region)
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)
    }

    async fn list_environments(
        &self,
        owner_id: &str,
    ) -> Result<Vec<EnvironmentRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, owner_id, spec_json, created_at FROM environments \
             WHERE owner_id = $1 ORDER BY created_at DESC, id",
        )
        .bind(owner_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(environment_from_row).collect()
    }

    async fn get_environment(&self, id: &str) -> Result<Option<EnvironmentRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT id, owner_id, spec_json, created_at FROM environments WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.as_ref().map(environment_from_row).transpose()
    }

    async fn journal(&self, environment_id: &str) -> Result<RecordedState, StoreError> {
        let serial: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(journal_serial AS BIGINT) FROM environments WHERE id = $1",
        )
        .bind(environment_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        let rows = sqlx::query(
            "SELECT kind, name, arn, status, settings_json FROM resources WHERE environment_id = $1",
        )
        .bind(environment_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        let mut resources = rows
            .iter()
            .map(|r| {
                let kind: String = r.get("kind");
                let status: String = r.get("status");
                let settings: String = r.get("settings_json");
                Ok(RecordedResource {
                    kind: ResourceKind::from_key(&kind).ok_or_else(|| {
                        StoreError::Backend(format!("unknown resource kind {kind}"))
                    })?,
                    name: r.get("name"),
                    arn: r.get("arn"),
                    status: RecordStatus::from_key(&status)
                        .ok_or_else(|| StoreError::Backend(format!("unknown status {status}")))?,
                    settings: serde_json::from_str(&settings)
                        .map_err(|e| StoreError::Backend(format!("resource settings: {e}")))?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        resources.sort_by_key(|r| r.kind);
        Ok(RecordedState {
            serial: u64::try_from(serial.unwrap_or_default()).unwrap_or_default(),
            resources,
        })
    }

    async fn record_resource(
        &self,
        environment_id: &str,
        resource: &RecordedResource,
    ) -> Result<(), StoreError> {
        let settings = serde_json::to_string(&resource.settings)
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let mut tx = self.pool.begin().await.map_err(backend)?;
        sqlx::query(
            "INSERT INTO resources (environment_id, kind, name, arn, status, settings_json, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (environment_id, kind) DO UPDATE SET \
             name = excluded.name, arn = excluded.arn, status = excluded.status, \
             settings_json = excluded.settings_json, updated_at = excluded.updated_at",
        )
        .bind(environment_id)
        .bind(resource.kind.key())
        .bind(&resource.name)
        .bind(&resource.arn)
        .bind(resource.status.key())
        .bind(settings)
        .bind(now())
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        bump_serial(&mut tx, environment_id).await?;
        tx.commit().await.map_err(backend)
    }

    async fn forget_resource(
        &self,
        environment_id: &str,
        kind: ResourceKind,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        sqlx::query("DELETE FROM resources WHERE environment_id = $1 AND kind = $2")
            .bind(environment_id)
            .bind(kind.key())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        bump_serial(&mut tx, environment_id).await?;
        tx.commit().await.map_err(backend)
    }

    async fn start_run(
        &self,
        environment_id: &str,
        kind: RunKind,
        started_by: &str,
    ) -> Result<String, StoreError> {
        let id = new_id();
        let inserted = sqlx::query(
            "INSERT INTO runs (id, environment_id, kind, state, started_by, started_at) \
             VALUES ($1, $2, $3, 'running', $4, $5)",
        )
        .bind(&id)
        .bind(environment_id)
        .bind(kind.key())
        .bind(started_by)
        .bind(now())
        .execute(&self.pool)
        .await;
        match inserted {
            Ok(_) => Ok(id),
            Err(e) if is_unique_violation(&e) => {
                let running = sqlx::query(
                    "SELECT kind, started_by, started_at FROM runs \
                     WHERE environment_id = $1 AND state = 'running'",
                )
                .bind(environment_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
                Err(StoreError::Conflict(match running {
                    Some(r) => format!(
                        "{} in progress by {} since {}",
                        r.get::<String, _>("kind"),
                        r.get::<String, _>("started_by"),
                        r.get::<String, _>("started_at")
                    ),
                    None => "another run is in progress".into(),
                }))
            }
            Err(e) => Err(backend(e)),
        }
    }

    async fn run_step(&self, run_id: &str, step: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE runs SET current_step = $1 WHERE id = $2")
            .bind(step)
            .bind(run_id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn finish_run(&self, run_id: &str, error: Option<&str>) -> Result<(), StoreError> {
        let state = if error.is_some() {
            RunState::Failed
        } else {
            RunState::Succeeded
        };
        sqlx::query("UPDATE runs SET state = $1, error = $2, finished_at = $3 WHERE id = $4")
            .bind(state.key())
            .bind(error)
            .bind(now())
            .bind(run_id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn latest_run(&self, environment_id: &str) -> Result<Option<RunRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT id, kind, state, started_by, started_at, current_step, error FROM runs \
             WHERE environment_id = $1 ORDER BY started_at DESC, id DESC LIMIT 1",
        )
        .bind(environment_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.as_ref().map(run_from_row).transpose()
    }

    async fn audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit (id, at, actor, action, environment_id, address, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(new_id())
        .bind(now())
        .bind(&entry.actor)
        .bind(&entry.action)
        .bind(&entry.environment_id)
        .bind(&entry.address)
        .bind(&entry.detail)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn audit_log(
        &self,
        environment_id: &str,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, actor, action, environment_id, address, detail FROM audit \
             WHERE environment_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(environment_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        Ok(rows
            .iter()
            .map(|r| AuditEntry {
                at: r.get("at"),
                actor: r.get("actor"),
                action: r.get("action"),
                environment_id: r.get("environment_id"),
                address: r.get("address"),
                detail: r.get("detail"),
            })
            .collect())
    }
}
