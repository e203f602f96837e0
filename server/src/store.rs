//! The storage adapter: implements the engine's [`app::engine::Store`] port with sqlx on
//! SQLite (one file, WAL). Migrations live in `server/migrations`.

use app::domain::tokens::ApiToken;
use app::domain::{
    EnvironmentSpec, RecordStatus, RecordedResource, RecordedState, ResourceKind, RunKind,
    RunRecord, RunState,
};
use app::domain::{Revision, Role, ShareLink};
use std::collections::HashMap;

use app::engine::{
    AuditEntry, DraftRecord, EnvironmentOverview, EnvironmentRecord, IndexedEnvironment,
    NewApiToken, NewShareLink, Store, StoreError, UserRecord, now_seconds,
};
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
    /// Statements (and transactions) started, for the tests that check a page's
    /// queries do not grow with its rows.
    statements: std::sync::Arc<std::sync::atomic::AtomicU64>,
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
            statements: Default::default(),
        })
    }

    /// The pool, counting the statement (or transaction) about to start on it.
    fn db(&self) -> &AnyPool {
        self.statements
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        &self.pool
    }

    /// How many statements and transactions this store (and its clones) started.
    pub fn statements(&self) -> u64 {
        self.statements.load(std::sync::atomic::Ordering::Relaxed)
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
        .execute(self.db())
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

/// The columns [`environment_from_row`] reads, for `SELECT`s of environments `e`.
const ENVIRONMENT_COLUMNS: &str =
    "e.id, e.owner_id, e.spec_json, e.created_at, CAST(e.revision AS BIGINT) AS revision";

fn environment_from_row(row: &AnyRow) -> Result<EnvironmentRecord, StoreError> {
    let json: String = row.get("spec_json");
    Ok(EnvironmentRecord {
        id: row.get("id"),
        owner_id: row.get("owner_id"),
        spec: EnvironmentSpec::from_json(&json).map_err(StoreError::Backend)?,
        created_at: row.get("created_at"),
        revision: to_u64(row.get("revision")),
    })
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or_default()
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn role_from_key(key: &str) -> Result<Role, StoreError> {
    Role::from_key(key).ok_or_else(|| StoreError::Backend(format!("unknown role {key}")))
}

const LINK_COLUMNS: &str =
    "id, environment_id, role, created_by, created_at, expires_at, revoked_at";

fn link_from_row(row: &AnyRow) -> Result<ShareLink, StoreError> {
    Ok(ShareLink {
        id: row.get("id"),
        environment_id: row.get("environment_id"),
        role: role_from_key(&row.get::<String, _>("role"))?,
        created_by: row.get("created_by"),
        created_at: row.get("created_at"),
        expires_at: row.get("expires_at"),
        revoked_at: row.get("revoked_at"),
    })
}

const TOKEN_COLUMNS: &str =
    "t.id, t.name, t.shown, t.created_at, t.expires_at, t.last_used_at, t.revoked_at";

fn token_from_row(row: &AnyRow) -> ApiToken {
    ApiToken {
        id: row.get("id"),
        name: row.get("name"),
        shown: row.get("shown"),
        created_at: row.get("created_at"),
        expires_at: row.get("expires_at"),
        last_used_at: row.get("last_used_at"),
        revoked_at: row.get("revoked_at"),
    }
}

fn draft_from_row(row: &AnyRow) -> Result<DraftRecord, StoreError> {
    let spec = |column: &str| {
        EnvironmentSpec::from_json(&row.get::<String, _>(column))
            .map_err(|e| StoreError::Backend(format!("stored draft: {e}")))
    };
    Ok(DraftRecord {
        id: row.get("id"),
        user_id: row.get("user_id"),
        spec: spec("spec_json")?,
        template: spec("template_json")?,
        step: row.get("step"),
        updated_at: row.get("updated_at"),
    })
}

fn spec_json(spec: &EnvironmentSpec) -> Result<String, StoreError> {
    serde_json::to_string(spec).map_err(|e| StoreError::Backend(e.to_string()))
}

fn run_from_row(row: &AnyRow) -> Result<RunRecord, StoreError> {
    let kind: String = row.get("kind");
    let state: String = row.get("state");
    Ok(RunRecord {
        id: row.get("id"),
        kind: RunKind::from_key(&kind)
            .ok_or_else(|| StoreError::Backend(format!("unknown run kind {kind}")))?,
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
            .execute(self.db())
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
        .execute(self.db())
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
            .fetch_optional(self.db())
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
        author: &str,
        spec: &EnvironmentSpec,
    ) -> Result<String, StoreError> {
        let id = new_id();
        let json = spec_json(spec)?;
        let created = now();
        let mut tx = self.db().begin().await.map_err(backend)?;
        sqlx::query(
            "INSERT INTO environments (id, owner_id, name, region, spec_json, created_at, revision) \
             VALUES ($1, $2, $3, $4, $5, $6, 1)",
        )
        .bind(&id)
        .bind(owner_id)
        .bind(&spec.name)
        .bind(&spec.region)
        .bind(&json)
        .bind(&created)
        .execute(&mut *tx)
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
        sqlx::query(
            "INSERT INTO revisions (environment_id, number, author, created_at, message, spec_json) \
             VALUES ($1, 1, $2, $3, 'created', $4)",
        )
        .bind(&id)
        .bind(author)
        .bind(&created)
        .bind(&json)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
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
            .fetch_optional(self.db())
            .await
            .map_err(backend)
    }

    async fn list_environments(&self, user_id: &str) -> Result<Vec<EnvironmentRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ENVIRONMENT_COLUMNS} FROM environments e \
             WHERE e.owner_id = $1 ORDER BY e.created_at DESC, e.id"
        ))
        .bind(user_id)
        .fetch_all(self.db())
        .await
        .map_err(backend)?;
        rows.iter().map(environment_from_row).collect()
    }

    async fn get_environment(&self, id: &str) -> Result<Option<EnvironmentRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {ENVIRONMENT_COLUMNS} FROM environments e WHERE e.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.db())
        .await
        .map_err(backend)?;
        row.as_ref().map(environment_from_row).transpose()
    }

    async fn shared_environments(
        &self,
        user_id: &str,
        now: &str,
    ) -> Result<Vec<(EnvironmentRecord, Role)>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ENVIRONMENT_COLUMNS}, l.role FROM environments e \
             JOIN grants g ON g.environment_id = e.id \
             JOIN share_links l ON l.id = g.link_id \
             WHERE g.user_id = $1 AND e.owner_id <> $1 AND l.revoked_at IS NULL \
             AND (l.expires_at IS NULL OR l.expires_at > $2) \
             ORDER BY e.created_at DESC, e.id"
        ))
        .bind(user_id)
        .bind(now)
        .fetch_all(self.db())
        .await
        .map_err(backend)?;
        // One row per live link: keep each environment once, with its highest role.
        let mut out: Vec<(EnvironmentRecord, Role)> = Vec::new();
        for row in &rows {
            let role = role_from_key(&row.get::<String, _>("role"))?;
            let id: String = row.get("id");
            match out.iter_mut().find(|(e, _)| e.id == id) {
                Some((_, r)) => *r = (*r).max(role),
                None => out.push((environment_from_row(row)?, role)),
            }
        }
        Ok(out)
    }

    async fn granted_role(
        &self,
        environment_id: &str,
        user_id: &str,
        now: &str,
    ) -> Result<Option<Role>, StoreError> {
        let roles: Vec<String> = sqlx::query_scalar(
            "SELECT l.role FROM grants g JOIN share_links l ON l.id = g.link_id \
             WHERE g.environment_id = $1 AND g.user_id = $2 AND l.revoked_at IS NULL \
             AND (l.expires_at IS NULL OR l.expires_at > $3)",
        )
        .bind(environment_id)
        .bind(user_id)
        .bind(now)
        .fetch_all(self.db())
        .await
        .map_err(backend)?;
        let mut best = None;
        for key in roles {
            best = best.max(Some(role_from_key(&key)?));
        }
        Ok(best)
    }

    async fn save_revision(
        &self,
        environment_id: &str,
        base: u64,
        spec: &EnvironmentSpec,
        author: &str,
        message: &str,
    ) -> Result<u64, StoreError> {
        let json = spec_json(spec)?;
        let next = base + 1;
        let mut tx = self.db().begin().await.map_err(backend)?;
        // The compare-and-set: only the writer that still sees `base` moves the counter
        // (PostgreSQL's row lock makes a concurrent writer re-check and find 0 rows).
        let moved = sqlx::query(
            "UPDATE environments SET spec_json = $1, revision = $2 WHERE id = $3 AND revision = $4",
        )
        .bind(&json)
        .bind(to_i64(next))
        .bind(environment_id)
        .bind(to_i64(base))
        .execute(&mut *tx)
        .await
        .map_err(backend)?
        .rows_affected();
        if moved == 0 {
            drop(tx);
            let latest = sqlx::query(
                "SELECT CAST(number AS BIGINT) AS number, author, created_at FROM revisions \
                 WHERE environment_id = $1 ORDER BY number DESC LIMIT 1",
            )
            .bind(environment_id)
            .fetch_optional(self.db())
            .await
            .map_err(backend)?;
            return Err(StoreError::Conflict(match latest {
                Some(r) => format!(
                    "revision {} was saved by {} at {} after revision {base}, which you edited; \
                     reload to see it, then make your change again",
                    r.get::<i64, _>("number"),
                    r.get::<String, _>("author"),
                    r.get::<String, _>("created_at"),
                ),
                None => "the environment no longer exists".into(),
            }));
        }
        sqlx::query(
            "INSERT INTO revisions (environment_id, number, author, created_at, message, spec_json) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(environment_id)
        .bind(to_i64(next))
        .bind(author)
        .bind(now())
        .bind(message)
        .bind(&json)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(next)
    }

    async fn revisions(&self, environment_id: &str) -> Result<Vec<Revision>, StoreError> {
        let rows = sqlx::query(
            "SELECT CAST(number AS BIGINT) AS number, author, created_at, message FROM revisions \
             WHERE environment_id = $1 ORDER BY number DESC",
        )
        .bind(environment_id)
        .fetch_all(self.db())
        .await
        .map_err(backend)?;
        Ok(rows
            .iter()
            .map(|r| Revision {
                number: to_u64(r.get("number")),
                author: r.get("author"),
                created_at: r.get("created_at"),
                message: r.get("message"),
            })
            .collect())
    }

    async fn revision_spec(
        &self,
        environment_id: &str,
        number: u64,
    ) -> Result<Option<EnvironmentSpec>, StoreError> {
        let json: Option<String> = sqlx::query_scalar(
            "SELECT spec_json FROM revisions WHERE environment_id = $1 AND number = $2",
        )
        .bind(environment_id)
        .bind(to_i64(number))
        .fetch_optional(self.db())
        .await
        .map_err(backend)?;
        json.map(|j| EnvironmentSpec::from_json(&j).map_err(StoreError::Backend))
            .transpose()
    }

    async fn create_share_link(&self, link: &NewShareLink<'_>) -> Result<String, StoreError> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO share_links (id, environment_id, token_hash, role, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(link.environment_id)
        .bind(link.token_hash)
        .bind(link.role.key())
        .bind(link.created_by)
        .bind(now_seconds())
        .bind(link.expires_at)
        .execute(self.db())
        .await
        .map_err(backend)?;
        Ok(id)
    }

    async fn share_links(&self, environment_id: &str) -> Result<Vec<ShareLink>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {LINK_COLUMNS} FROM share_links WHERE environment_id = $1 \
             ORDER BY created_at DESC, id"
        ))
        .bind(environment_id)
        .fetch_all(self.db())
        .await
        .map_err(backend)?;
        rows.iter().map(link_from_row).collect()
    }

    async fn share_link_by_hash(&self, token_hash: &str) -> Result<Option<ShareLink>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {LINK_COLUMNS} FROM share_links WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(self.db())
        .await
        .map_err(backend)?;
        row.as_ref().map(link_from_row).transpose()
    }

    async fn revoke_share_link(
        &self,
        environment_id: &str,
        link_id: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE share_links SET revoked_at = $1 \
             WHERE id = $2 AND environment_id = $3 AND revoked_at IS NULL",
        )
        .bind(now_seconds())
        .bind(link_id)
        .bind(environment_id)
        .execute(self.db())
        .await
        .map_err(backend)?;
        Ok(done.rows_affected() == 1)
    }

    async fn save_draft(&self, draft: &DraftRecord) -> Result<(), StoreError> {
        let now = now_seconds();
        sqlx::query(
            "INSERT INTO drafts (id, user_id, spec_json, template_json, step, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) \
             ON CONFLICT (id) DO UPDATE SET spec_json = $3, template_json = $4, step = $5, updated_at = $6 \
             WHERE drafts.user_id = $2",
        )
        .bind(&draft.id)
        .bind(&draft.user_id)
        .bind(spec_json(&draft.spec)?)
        .bind(spec_json(&draft.template)?)
        .bind(&draft.step)
        .bind(&now)
        .execute(self.db())
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn draft(&self, user_id: &str, id: &str) -> Result<Option<DraftRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT id, user_id, spec_json, template_json, step, updated_at FROM drafts \
             WHERE id = $1 AND user_id = $2",
        )
        .bind(id)
        .bind(user_id)
        .fetch_optional(self.db())
        .await
        .map_err(backend)?;
        row.as_ref().map(draft_from_row).transpose()
    }

    async fn drafts(&self, user_id: &str) -> Result<Vec<DraftRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, user_id, spec_json, template_json, step, updated_at FROM drafts \
             WHERE user_id = $1 ORDER BY updated_at DESC, id",
        )
        .bind(user_id)
        .fetch_all(self.db())
        .await
        .map_err(backend)?;
        rows.iter().map(draft_from_row).collect()
    }

    async fn delete_draft(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM drafts WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(self.db())
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() > 0)
    }

    async fn create_api_token(&self, token: &NewApiToken<'_>) -> Result<String, StoreError> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, name, token_hash, shown, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(token.user_id)
        .bind(token.name)
        .bind(token.token_hash)
        .bind(token.shown)
        .bind(now_seconds())
        .bind(token.expires_at)
        .execute(self.db())
        .await
        .map_err(backend)?;
        Ok(id)
    }

    async fn api_tokens(&self, user_id: &str) -> Result<Vec<ApiToken>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens t WHERE t.user_id = $1 \
             ORDER BY t.created_at DESC, t.id"
        ))
        .bind(user_id)
        .fetch_all(self.db())
        .await
        .map_err(backend)?;
        Ok(rows.iter().map(token_from_row).collect())
    }

    async fn revoke_api_token(&self, user_id: &str, token_id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 \
             WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        )
        .bind(now_seconds())
        .bind(token_id)
        .bind(user_id)
        .execute(self.db())
        .await
        .map_err(backend)?;
        Ok(done.rows_affected() > 0)
    }

    async fn use_api_token(
        &self,
        token_hash: &str,
        now: &str,
    ) -> Result<Option<(ApiToken, UserRecord)>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS}, u.id AS user_id, u.username, u.password_hash \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL \
             AND (t.expires_at IS NULL OR t.expires_at > $2)"
        ))
        .bind(token_hash)
        .bind(now)
        .fetch_optional(self.db())
        .await
        .map_err(backend)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let token = token_from_row(&row);
        // The last use to the minute: at most one write a minute per token.
        let minute = format!("{}:00Z", now.get(..16).unwrap_or(now));
        if token.last_used_at.as_deref() != Some(minute.as_str()) {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(&minute)
                .bind(&token.id)
                .execute(self.db())
                .await
                .map_err(backend)?;
        }
        let user = UserRecord {
            id: row.get("user_id"),
            username: row.get("username"),
            password_hash: row.get("password_hash"),
        };
        Ok(Some((token, user)))
    }

    async fn grant(&self, link: &ShareLink, user_id: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO grants (environment_id, user_id, link_id, granted_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(&link.environment_id)
        .bind(user_id)
        .bind(&link.id)
        .bind(now())
        .execute(self.db())
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn journal(&self, environment_id: &str) -> Result<RecordedState, StoreError> {
        let serial: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(journal_serial AS BIGINT) FROM environments WHERE id = $1",
        )
        .bind(environment_id)
        .fetch_optional(self.db())
        .await
        .map_err(backend)?;
        let rows = sqlx::query(
            "SELECT kind, name, arn, status, settings_json FROM resources WHERE environment_id = $1",
        )
        .bind(environment_id)
        .fetch_all(self.db())
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
        let mut tx = self.db().begin().await.map_err(backend)?;
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
        let mut tx = self.db().begin().await.map_err(backend)?;
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
        .execute(self.db())
        .await;
        match inserted {
            Ok(_) => Ok(id),
            Err(e) if is_unique_violation(&e) => {
                let running = sqlx::query(
                    "SELECT kind, started_by, started_at FROM runs \
                     WHERE environment_id = $1 AND state = 'running'",
                )
                .bind(environment_id)
                .fetch_optional(self.db())
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
        let at = now();
        let mut tx = self.db().begin().await.map_err(backend)?;
        // The run's row first: its lock (PostgreSQL) or the write lock (SQLite) orders
        // concurrent steps of one run, so each reads the numbers the others committed.
        sqlx::query("UPDATE runs SET current_step = $1 WHERE id = $2")
            .bind(step)
            .bind(run_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        sqlx::query(
            "INSERT INTO run_steps (run_id, seq, step, started_at) \
             SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3 FROM run_steps WHERE run_id = $4",
        )
        .bind(run_id)
        .bind(step)
        .bind(&at)
        .bind(run_id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    async fn step_done(&self, run_id: &str, step: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE run_steps SET finished_at = $1 \
             WHERE run_id = $2 AND step = $3 AND finished_at IS NULL",
        )
        .bind(now())
        .bind(run_id)
        .bind(step)
        .execute(self.db())
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn record_plan(
        &self,
        environment_id: &str,
        started_by: &str,
        steps: &[String],
    ) -> Result<String, StoreError> {
        let (id, at) = (new_id(), now());
        let mut tx = self.db().begin().await.map_err(backend)?;
        sqlx::query(
            "INSERT INTO runs (id, environment_id, kind, state, started_by, started_at, finished_at) \
             VALUES ($1, $2, 'plan', 'succeeded', $3, $4, $5)",
        )
        .bind(&id)
        .bind(environment_id)
        .bind(started_by)
        .bind(&at)
        .bind(&at)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        for (seq, step) in (1_i64..).zip(steps) {
            sqlx::query(
                "INSERT INTO run_steps (run_id, seq, step, started_at, finished_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&id)
            .bind(seq)
            .bind(step)
            .bind(&at)
            .bind(&at)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(id)
    }

    async fn run_history(
        &self,
        environment_id: &str,
        limit: u32,
    ) -> Result<Vec<app::domain::RunHistory>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, kind, state, started_by, started_at, current_step, error FROM runs \
             WHERE environment_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2",
        )
        .bind(environment_id)
        .bind(i64::from(limit))
        .fetch_all(self.db())
        .await
        .map_err(backend)?;
        // The steps of those runs in one statement (not one per run).
        let step_rows = sqlx::query(
            "SELECT run_id, step, started_at, finished_at, error FROM run_steps \
             WHERE run_id IN (SELECT id FROM runs WHERE environment_id = $1 \
                              ORDER BY started_at DESC, id DESC LIMIT $2) \
             ORDER BY run_id, seq",
        )
        .bind(environment_id)
        .bind(i64::from(limit))
        .fetch_all(self.db())
        .await
        .map_err(backend)?;
        let mut steps: std::collections::HashMap<String, Vec<app::domain::RunStep>> =
            std::collections::HashMap::new();
        for r in &step_rows {
            steps
                .entry(r.get("run_id"))
                .or_default()
                .push(app::domain::RunStep {
                    step: r.get("step"),
                    started_at: r.get("started_at"),
                    finished_at: r.get("finished_at"),
                    error: r.get("error"),
                });
        }
        rows.iter()
            .map(|row| {
                let run = run_from_row(row)?;
                let steps = steps.remove(&run.id).unwrap_or_default();
                Ok(app::domain::RunHistory { run, steps })
            })
            .collect()
    }

    async fn run_steps(&self, run_id: &str) -> Result<Vec<app::domain::RunStep>, StoreError> {
        Ok(sqlx::query(
            "SELECT step, started_at, finished_at, error FROM run_steps \
             WHERE run_id = $1 ORDER BY seq",
        )
        .bind(run_id)
        .fetch_all(self.db())
        .await
        .map_err(backend)?
        .iter()
        .map(|r| app::domain::RunStep {
            step: r.get("step"),
            started_at: r.get("started_at"),
            finished_at: r.get("finished_at"),
            error: r.get("error"),
        })
        .collect())
    }

    async fn finish_run(&self, run_id: &str, error: Option<&str>) -> Result<(), StoreError> {
        let state = if error.is_some() {
            RunState::Failed
        } else {
            RunState::Succeeded
        };
        let at = now();
        let mut tx = self.db().begin().await.map_err(backend)?;
        sqlx::query(
            "UPDATE run_steps SET finished_at = $1, error = $2 \
             WHERE run_id = $3 AND finished_at IS NULL",
        )
        .bind(&at)
        .bind(error)
        .bind(run_id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        sqlx::query("UPDATE runs SET state = $1, error = $2, finished_at = $3 WHERE id = $4")
            .bind(state.key())
            .bind(error)
            .bind(&at)
            .bind(run_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    async fn environment_page(
        &self,
        user_id: &str,
        now: &str,
        search: &str,
        page: usize,
        per_page: usize,
    ) -> Result<(usize, usize, Vec<IndexedEnvironment>), StoreError> {
        // Owned ones (rank 4 = owner), then those shared through live links with the
        // highest role granted (editor 3, viewer 2, template 1).
        const VISIBLE: &str = "WITH visible AS ( \
             SELECT e.id, e.name, e.region, e.created_at, 4 AS rank, 0 AS grp \
             FROM environments e WHERE e.owner_id = $1 \
             UNION ALL \
             SELECT e.id, e.name, e.region, e.created_at, \
               MAX(CASE l.role WHEN 'editor' THEN 3 WHEN 'viewer' THEN 2 ELSE 1 END) AS rank, \
               1 AS grp \
             FROM environments e JOIN grants g ON g.environment_id = e.id \
             JOIN share_links l ON l.id = g.link_id \
             WHERE g.user_id = $1 AND e.owner_id <> $1 AND l.revoked_at IS NULL \
             AND (l.expires_at IS NULL OR l.expires_at > $2) \
             GROUP BY e.id, e.name, e.region, e.created_at) ";
        const MATCHING: &str = "WHERE $3 = '' OR LOWER(name) LIKE $4 ESCAPE '!'";
        let needle = search.to_lowercase();
        let pattern = format!(
            "%{}%",
            needle
                .replace('!', "!!")
                .replace('%', "!%")
                .replace('_', "!_")
        );
        let total: i64 = sqlx::query_scalar(&format!(
            "{VISIBLE} SELECT CAST(COUNT(*) AS BIGINT) FROM visible {MATCHING}"
        ))
        .bind(user_id)
        .bind(now)
        .bind(&needle)
        .bind(&pattern)
        .fetch_one(self.db())
        .await
        .map_err(backend)?;
        let total = usize::try_from(total).unwrap_or(0);
        let per_page = per_page.max(1);
        let page = page.clamp(1, total.div_ceil(per_page).max(1));
        let rows = sqlx::query(&format!(
            "{VISIBLE} SELECT id, name, region, CAST(rank AS BIGINT) AS rank FROM visible \
             {MATCHING} ORDER BY grp, created_at DESC, id LIMIT $5 OFFSET $6"
        ))
        .bind(user_id)
        .bind(now)
        .bind(&needle)
        .bind(&pattern)
        .bind(i64::try_from(per_page).unwrap_or(i64::MAX))
        .bind(i64::try_from((page - 1) * per_page).unwrap_or(0))
        .fetch_all(self.db())
        .await
        .map_err(backend)?;
        let items = rows
            .iter()
            .map(|row| {
                let role = match row.get::<i64, _>("rank") {
                    4 => Role::Owner,
                    3 => Role::Editor,
                    2 => Role::Viewer,
                    _ => Role::Template,
                };
                IndexedEnvironment {
                    id: row.get("id"),
                    name: row.get("name"),
                    region: row.get("region"),
                    role,
                }
            })
            .collect();
        Ok((total, page, items))
    }

    async fn overviews(
        &self,
        ids: &[String],
    ) -> Result<HashMap<String, EnvironmentOverview>, StoreError> {
        let mut out: HashMap<String, EnvironmentOverview> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let list = (1..=ids.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let counts = format!(
            "SELECT environment_id, CAST(COUNT(*) AS BIGINT) AS n FROM resources \
             WHERE status = 'created' AND environment_id IN ({list}) GROUP BY environment_id"
        );
        let runs = format!(
            "SELECT environment_id, id, kind, state, started_by, started_at, current_step, error \
             FROM (SELECT r.*, ROW_NUMBER() OVER (PARTITION BY r.environment_id \
                   ORDER BY r.started_at DESC, r.id DESC) AS latest \
                   FROM runs r WHERE r.kind <> 'plan' AND r.environment_id IN ({list})) x \
             WHERE latest = 1"
        );
        let mut counts = sqlx::query(&counts);
        let mut runs = sqlx::query(&runs);
        for id in ids {
            counts = counts.bind(id);
            runs = runs.bind(id);
        }
        for row in &counts.fetch_all(self.db()).await.map_err(backend)? {
            let n: i64 = row.get("n");
            out.entry(row.get("environment_id")).or_default().resources =
                usize::try_from(n).unwrap_or(0);
        }
        for row in &runs.fetch_all(self.db()).await.map_err(backend)? {
            out.entry(row.get("environment_id")).or_default().run = Some(run_from_row(row)?);
        }
        Ok(out)
    }

    async fn latest_run(&self, environment_id: &str) -> Result<Option<RunRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT id, kind, state, started_by, started_at, current_step, error FROM runs \
             WHERE environment_id = $1 AND kind <> 'plan' \
             ORDER BY started_at DESC, id DESC LIMIT 1",
        )
        .bind(environment_id)
        .fetch_optional(self.db())
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
        .execute(self.db())
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
        .fetch_all(self.db())
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

    async fn environments_to_sample(&self) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT DISTINCT environment_id FROM resources \
             WHERE status = 'created' AND kind IN ('cluster', 'compute_environment') \
             ORDER BY environment_id",
        )
        .fetch_all(self.db())
        .await
        .map_err(backend)
    }

    async fn record_capacity(
        &self,
        environment_id: &str,
        sample: &app::domain::capacity::CapacitySample,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(sample)
            .map_err(|e| StoreError::Backend(format!("capacity sample: {e}")))?;
        sqlx::query(
            "INSERT INTO capacity_samples (environment_id, at, sample_json) VALUES ($1, $2, $3) \
             ON CONFLICT (environment_id, at) DO UPDATE SET sample_json = excluded.sample_json",
        )
        .bind(environment_id)
        .bind(&sample.at)
        .bind(json)
        .execute(self.db())
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn capacity_samples(
        &self,
        environment_id: &str,
        since: &str,
    ) -> Result<Vec<app::domain::capacity::CapacitySample>, StoreError> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT sample_json FROM capacity_samples \
             WHERE environment_id = $1 AND at >= $2 ORDER BY at",
        )
        .bind(environment_id)
        .bind(since)
        .fetch_all(self.db())
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|j| {
                serde_json::from_str(j)
                    .map_err(|e| StoreError::Backend(format!("capacity sample: {e}")))
            })
            .collect()
    }

    async fn prune_capacity(&self, before: &str) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM capacity_samples WHERE at < $1")
            .bind(before)
            .execute(self.db())
            .await
            .map_err(backend)?;
        Ok(done.rows_affected())
    }
}
