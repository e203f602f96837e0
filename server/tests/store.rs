//! The store suite, run on both backends: SQLite (a temporary file) and PostgreSQL (a
//! fresh database per test on the server named by `CONSOLE_TEST_POSTGRES_URL`, which
//! `.ci/test.sh` starts). Set `CONSOLE_TEST_SKIP_POSTGRES=1` to run SQLite only.

mod common;

use std::future::Future;

use app::domain::{
    EnvironmentSpec, Network, RecordStatus, RecordedResource, ResourceKind, RunKind, RunState,
};
use app::engine::{Store, StoreError};
use server::store::{Backend, SqlStore};
use sqlx::Connection;

/// A database for one test; dropped (PostgreSQL) or deleted (SQLite) afterwards.
struct TestDb {
    url: String,
    _dir: Option<tempfile::TempDir>,
    drop_pg: Option<(String, String)>,
}

impl TestDb {
    fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        TestDb {
            url: format!("sqlite://{}/store.db", dir.path().display()),
            _dir: Some(dir),
            drop_pg: None,
        }
    }

    async fn postgres() -> Option<Self> {
        let admin = match std::env::var("CONSOLE_TEST_POSTGRES_URL") {
            Ok(url) => url,
            Err(_) if std::env::var("CONSOLE_TEST_SKIP_POSTGRES").is_ok() => return None,
            Err(_) => panic!(
                "set CONSOLE_TEST_POSTGRES_URL (e.g. postgres://root@/postgres?host=/var/run/postgresql) or CONSOLE_TEST_SKIP_POSTGRES=1"
            ),
        };
        let name = format!("console_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        let (base, query) = admin
            .split_once('?')
            .map_or((admin.as_str(), ""), |(b, q)| (b, q));
        let base = &base[..base.rfind('/').unwrap()];
        let url = if query.is_empty() {
            format!("{base}/{name}")
        } else {
            format!("{base}/{name}?{query}")
        };
        Some(TestDb {
            url,
            _dir: None,
            drop_pg: Some((admin, name)),
        })
    }

    async fn cleanup(self) {
        if let Some((admin, name)) = &self.drop_pg {
            let mut conn = sqlx::PgConnection::connect(admin).await.unwrap();
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn)
                .await
                .unwrap();
        }
    }
}

/// Runs `check` against a fresh store on each backend.
async fn on_both<F, Fut>(check: F)
where
    F: Fn(SqlStore) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut dbs = vec![TestDb::sqlite()];
    dbs.extend(TestDb::postgres().await);
    for db in dbs {
        let store = SqlStore::connect(&db.url).await.unwrap();
        let expected = if db.drop_pg.is_some() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        assert_eq!(store.backend(), expected);
        check(store).await;
        db.cleanup().await;
    }
}

fn spec(name: &str) -> EnvironmentSpec {
    let network = Network {
        vpc_id: "vpc-12345678".into(),
        subnets: vec!["subnet-12345678".into()],
        security_group_ids: vec!["sg-12345678".into()],
    };
    EnvironmentSpec::minimal(name, "us-east-1", 16, None, network)
}

#[tokio::test]
async fn users_are_unique_by_name() {
    on_both(|store| async move {
        let id = store.create_user("alice", "hash").await.unwrap();
        assert!(matches!(
            store.create_user("alice", "other").await,
            Err(StoreError::Conflict(_))
        ));
        let found = store.find_user("alice").await.unwrap().unwrap();
        assert_eq!((found.id, found.password_hash.as_str()), (id, "hash"));
        assert!(store.find_user("bob").await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn environments_are_per_owner_and_unique_per_region() {
    on_both(|store| async move {
        let alice = store.create_user("alice", "h").await.unwrap();
        let bob = store.create_user("bob", "h").await.unwrap();
        let a = store
            .insert_environment(&alice, "alice", &spec("one"))
            .await
            .unwrap();
        let b = store
            .insert_environment(&alice, "alice", &spec("two"))
            .await
            .unwrap();
        assert!(matches!(
            store.insert_environment(&bob, "bob", &spec("one")).await,
            Err(StoreError::Conflict(_))
        ));
        let mut elsewhere = spec("one");
        elsewhere.region = "eu-west-1".into();
        store
            .insert_environment(&bob, "bob", &elsewhere)
            .await
            .unwrap();

        let listed: Vec<String> = store
            .list_environments(&alice)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(listed.len(), 2);
        assert!(listed.contains(&a) && listed.contains(&b));
        assert_eq!(store.list_environments(&bob).await.unwrap().len(), 1);
        assert_eq!(
            store.environment_named("us-east-1", "one").await.unwrap(),
            Some(a.clone())
        );
        let got = store.get_environment(&a).await.unwrap().unwrap();
        assert_eq!(got.spec, spec("one"));
        assert_eq!(got.owner_id, alice);
        assert!(store.get_environment("nope").await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn the_journal_keeps_settings_and_counts_writes() {
    on_both(|store| async move {
        let owner = store.create_user("alice", "h").await.unwrap();
        let env = store
            .insert_environment(&owner, "owner", &spec("j"))
            .await
            .unwrap();
        assert_eq!(store.journal(&env).await.unwrap().serial, 0);
        let mut entry = RecordedResource {
            kind: ResourceKind::ComputeEnvironment,
            name: "j-ce".into(),
            arn: None,
            status: RecordStatus::Pending,
            settings: Default::default(),
        };
        store.record_resource(&env, &entry).await.unwrap();
        entry.status = RecordStatus::Created;
        entry.arn = Some("arn:aws:batch:us-east-1:123456789012:compute-environment/j-ce".into());
        entry.settings =
            app::domain::plan::settings_map(&spec("j"), ResourceKind::ComputeEnvironment);
        store.record_resource(&env, &entry).await.unwrap();
        let journal = store.journal(&env).await.unwrap();
        assert_eq!(journal.serial, 2);
        assert_eq!(journal.resources, vec![entry.clone()]);
        store
            .forget_resource(&env, ResourceKind::ComputeEnvironment)
            .await
            .unwrap();
        let journal = store.journal(&env).await.unwrap();
        assert_eq!((journal.serial, journal.resources.len()), (3, 0));
    })
    .await;
}

#[tokio::test]
async fn one_run_at_a_time_and_interrupted_runs_are_closed() {
    on_both(|store| async move {
        let owner = store.create_user("alice", "h").await.unwrap();
        let env = store
            .insert_environment(&owner, "owner", &spec("r"))
            .await
            .unwrap();
        let run = store
            .start_run(&env, RunKind::Apply, "alice")
            .await
            .unwrap();
        let refused = store
            .start_run(&env, RunKind::Destroy, "bob")
            .await
            .unwrap_err()
            .to_string();
        assert!(
            refused.starts_with("apply in progress by alice since "),
            "{refused}"
        );
        store.run_step(&run, "create ECS cluster r").await.unwrap();
        let latest = store.latest_run(&env).await.unwrap().unwrap();
        assert_eq!(
            (latest.state, latest.current_step.as_deref()),
            (RunState::Running, Some("create ECS cluster r"))
        );
        assert_eq!(store.fail_interrupted_runs().await.unwrap(), 1);
        let latest = store.latest_run(&env).await.unwrap().unwrap();
        assert_eq!(latest.state, RunState::Failed);
        assert!(latest.error.unwrap().starts_with("interrupted"));
        let second = store
            .start_run(&env, RunKind::Destroy, "bob")
            .await
            .unwrap();
        store.finish_run(&second, None).await.unwrap();
        let latest = store.latest_run(&env).await.unwrap().unwrap();
        assert_eq!(
            (latest.id, latest.kind, latest.state),
            (second, RunKind::Destroy, RunState::Succeeded)
        );
    })
    .await;
}

#[tokio::test]
async fn the_audit_log_is_per_environment_and_newest_first() {
    on_both(|store| async move {
        let owner = store.create_user("alice", "h").await.unwrap();
        let env = store
            .insert_environment(&owner, "owner", &spec("a"))
            .await
            .unwrap();
        let entry = |action: &str, env: Option<&str>| app::domain::AuditEntry {
            at: String::new(),
            actor: "alice".into(),
            action: action.into(),
            environment_id: env.map(str::to_owned),
            address: "127.0.0.1".into(),
            detail: format!("did {action}"),
        };
        store.audit(&entry("session.sign_in", None)).await.unwrap();
        store
            .audit(&entry("environment.create", Some(&env)))
            .await
            .unwrap();
        store
            .audit(&entry("environment.apply", Some(&env)))
            .await
            .unwrap();
        let log = store.audit_log(&env, 10).await.unwrap();
        let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["environment.apply", "environment.create"]);
        assert_eq!(log[0].address, "127.0.0.1");
        assert!(!log[0].at.is_empty());
        assert_eq!(store.audit_log(&env, 1).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn the_engine_applies_and_destroys_with_either_store() {
    on_both(|store| async move {
        let moto = common::moto().await;
        let aws = common::aws(&moto.endpoint).await;
        let cloud = server::aws::AwsCloud::new(
            server::aws::sdk_config(Some(&moto.endpoint), Some("us-east-1")).await,
        );
        let role = cloud.ensure_sandbox_batch_role().await.unwrap();
        let network = app::engine::Cloud::default_network(&cloud, "us-east-1")
            .await
            .unwrap()
            .unwrap();
        let owner = store.create_user("alice", "h").await.unwrap();
        let spec = EnvironmentSpec::minimal("both", "us-east-1", 8, Some(role), network);
        let id = store
            .insert_environment(&owner, "owner", &spec)
            .await
            .unwrap();
        let env = store.get_environment(&id).await.unwrap().unwrap();
        for kind in [RunKind::Apply, RunKind::Destroy] {
            let run = app::engine::start_run(&store, &env, kind, "alice")
                .await
                .unwrap();
            app::engine::execute(&cloud, &store, &env, &run, kind, common::fast_wait())
                .await
                .unwrap();
            if kind == RunKind::Apply {
                assert_eq!(aws.job_queue_names().await, vec!["both-queue"]);
                assert_eq!(store.journal(&id).await.unwrap().resources.len(), 3);
            }
        }
        assert_eq!(aws.cluster_names().await, Vec::<String>::new());
        assert!(store.journal(&id).await.unwrap().resources.is_empty());
    })
    .await;
}

#[tokio::test]
async fn the_console_starts_on_postgresql() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let moto = common::moto().await;
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let config = <server::config::Config as clap::Parser>::parse_from([
        "server",
        "--leptos-config",
        &format!("{root}/Leptos.toml"),
        "--database-url",
        &db.url,
        "--aws-endpoint-url",
        &moto.endpoint,
    ]);
    let console = server::build(&config, common::fast_wait()).await.unwrap();
    assert_eq!(console.store.backend(), Backend::Postgres);
    drop(console);
    db.cleanup().await;
}

#[tokio::test]
async fn revisions_are_numbered_and_saving_over_a_newer_one_is_refused() {
    on_both(|store| async move {
        let owner = store.create_user("alice", "h").await.unwrap();
        let id = store
            .insert_environment(&owner, "alice", &spec("rev"))
            .await
            .unwrap();
        let env = store.get_environment(&id).await.unwrap().unwrap();
        assert_eq!(env.revision, 1);

        let mut bigger = spec("rev");
        bigger.compute_environment.max_vcpus = 64;
        assert_eq!(
            store
                .save_revision(&id, 1, &bigger, "bob", "more vCPUs")
                .await
                .unwrap(),
            2
        );
        // A second editor who also started from revision 1 is refused, by name.
        let mut other = spec("rev");
        other.compute_environment.max_vcpus = 8;
        let Err(StoreError::Conflict(message)) =
            store.save_revision(&id, 1, &other, "carol", "fewer").await
        else {
            panic!("a save over a newer revision must be refused");
        };
        assert!(
            message.starts_with("revision 2 was saved by bob at "),
            "{message}"
        );
        // Nothing was lost or overwritten.
        let env = store.get_environment(&id).await.unwrap().unwrap();
        assert_eq!(
            (env.revision, env.spec.compute_environment.max_vcpus),
            (2, 64)
        );
        let history = store.revisions(&id).await.unwrap();
        let summary: Vec<_> = history
            .iter()
            .map(|r| (r.number, r.author.as_str(), r.message.as_str()))
            .collect();
        assert_eq!(summary, [(2, "bob", "more vCPUs"), (1, "alice", "created")]);
        assert_eq!(
            store.revision_spec(&id, 1).await.unwrap(),
            Some(spec("rev"))
        );
        assert_eq!(store.revision_spec(&id, 2).await.unwrap(), Some(bigger));
        assert_eq!(store.revision_spec(&id, 3).await.unwrap(), None);
    })
    .await;
}

#[tokio::test]
async fn concurrent_saves_from_the_same_base_let_exactly_one_win() {
    on_both(|store| async move {
        let owner = store.create_user("alice", "h").await.unwrap();
        let id = store
            .insert_environment(&owner, "alice", &spec("race"))
            .await
            .unwrap();
        let saves = (0..8).map(|i| {
            let (store, id) = (store.clone(), id.clone());
            tokio::spawn(async move {
                let mut s = spec("race");
                s.compute_environment.max_vcpus = 100 + i;
                store.save_revision(&id, 1, &s, "writer", "race").await
            })
        });
        let mut won = Vec::new();
        for save in saves {
            match save.await.unwrap() {
                Ok(n) => won.push(n),
                Err(StoreError::Conflict(_)) => {}
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(won, [2]);
        assert_eq!(store.revisions(&id).await.unwrap().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn share_links_grant_their_role_until_revoked_or_expired() {
    use app::domain::{LinkStatus, Role};
    use app::engine::NewShareLink;
    on_both(|store| async move {
        let alice = store.create_user("alice", "h").await.unwrap();
        let bob = store.create_user("bob", "h").await.unwrap();
        let id = store
            .insert_environment(&alice, "alice", &spec("shared"))
            .await
            .unwrap();
        let now = "2026-11-29T12:00:00Z";
        let link = |role, hash, expires| NewShareLink {
            environment_id: &id,
            role,
            token_hash: hash,
            created_by: "alice",
            expires_at: expires,
        };
        let viewer = store
            .create_share_link(&link(Role::Viewer, "h-viewer", None))
            .await
            .unwrap();
        let editor = store
            .create_share_link(&link(
                Role::Editor,
                "h-editor",
                Some("2026-11-30T00:00:00Z"),
            ))
            .await
            .unwrap();
        // The same token hash cannot be stored twice.
        assert!(
            store
                .create_share_link(&link(Role::Viewer, "h-viewer", None))
                .await
                .is_err()
        );

        assert_eq!(store.granted_role(&id, &bob, now).await.unwrap(), None);
        let by_hash = store.share_link_by_hash("h-viewer").await.unwrap().unwrap();
        assert_eq!(
            (by_hash.id.as_str(), by_hash.role),
            (viewer.as_str(), Role::Viewer)
        );
        assert_eq!(by_hash.status(now), LinkStatus::Live);
        store.grant(&by_hash, &bob).await.unwrap();
        store.grant(&by_hash, &bob).await.unwrap(); // idempotent
        assert_eq!(
            store.granted_role(&id, &bob, now).await.unwrap(),
            Some(Role::Viewer)
        );
        let editor_link = store.share_link_by_hash("h-editor").await.unwrap().unwrap();
        store.grant(&editor_link, &bob).await.unwrap();
        // The highest live role counts, in the list too.
        assert_eq!(
            store.granted_role(&id, &bob, now).await.unwrap(),
            Some(Role::Editor)
        );
        let shared = store.shared_environments(&bob, now).await.unwrap();
        assert_eq!(shared.len(), 1);
        assert_eq!(
            (shared[0].0.id.as_str(), shared[0].1),
            (id.as_str(), Role::Editor)
        );
        assert!(
            store
                .shared_environments(&alice, now)
                .await
                .unwrap()
                .is_empty()
        );

        // After the editor link expires, the viewer link still works.
        let later = "2026-11-30T00:00:00Z";
        assert_eq!(
            store.granted_role(&id, &bob, later).await.unwrap(),
            Some(Role::Viewer)
        );
        // Revoking is per environment and once.
        assert!(!store.revoke_share_link("other-env", &viewer).await.unwrap());
        assert!(store.revoke_share_link(&id, &viewer).await.unwrap());
        assert!(!store.revoke_share_link(&id, &viewer).await.unwrap());
        assert_eq!(store.granted_role(&id, &bob, later).await.unwrap(), None);
        assert!(
            store
                .shared_environments(&bob, later)
                .await
                .unwrap()
                .is_empty()
        );
        let links = store.share_links(&id).await.unwrap();
        assert_eq!(links.len(), 2);
        let revoked = links.iter().find(|l| l.id == viewer).unwrap();
        assert_eq!(revoked.status(now), LinkStatus::Revoked);
        let expired = links.iter().find(|l| l.id == editor).unwrap();
        assert_eq!(expired.status(later), LinkStatus::Expired);
    })
    .await;
}

#[tokio::test]
async fn runs_keep_their_timed_steps_and_the_error() {
    on_both(|store| async move {
        let owner = store.create_user("alice", "h").await.unwrap();
        let id = store
            .insert_environment(&owner, "alice", &spec("steps"))
            .await
            .unwrap();
        let run = store.start_run(&id, RunKind::Apply, "alice").await.unwrap();
        store
            .run_step(&run, "create ECS cluster steps")
            .await
            .unwrap();
        store
            .step_done(&run, "create ECS cluster steps")
            .await
            .unwrap();
        store
            .run_step(&run, "create Batch compute environment steps-ce")
            .await
            .unwrap();
        store
            .finish_run(&run, Some("ClientException: bad role (request id r-1)"))
            .await
            .unwrap();
        let history = store.run_history(&id, 10).await.unwrap();
        assert_eq!(history.len(), 1);
        let steps = &history[0].steps;
        let names: Vec<_> = steps.iter().map(|s| s.step.as_str()).collect();
        assert_eq!(
            names,
            [
                "create ECS cluster steps",
                "create Batch compute environment steps-ce"
            ]
        );
        assert!(steps.iter().all(|s| s.finished_at.is_some()));
        assert_eq!(steps[0].error, None);
        assert_eq!(
            steps[1].error.as_deref(),
            Some("ClientException: bad role (request id r-1)")
        );
        assert!(steps[0].started_at <= steps[1].started_at);
        assert_eq!(history[0].run.state, RunState::Failed);
    })
    .await;
}

#[tokio::test]
async fn steps_of_one_run_can_start_together() {
    on_both(|store| async move {
        let owner = store.create_user("alice", "h").await.unwrap();
        let id = store
            .insert_environment(&owner, "alice", &spec("parallel"))
            .await
            .unwrap();
        let run = store.start_run(&id, RunKind::Apply, "alice").await.unwrap();
        let starts = (0..8).map(|i| {
            let (store, run) = (store.clone(), run.clone());
            tokio::spawn(async move { store.run_step(&run, &format!("step {i}")).await })
        });
        for start in starts {
            start.await.unwrap().unwrap();
        }
        store.step_done(&run, "step 3").await.unwrap();
        store.finish_run(&run, None).await.unwrap();
        let steps = &store.run_history(&id, 1).await.unwrap()[0].steps;
        assert_eq!(steps.len(), 8);
        assert!(steps.iter().all(|s| s.finished_at.is_some()));
    })
    .await;
}

#[tokio::test]
async fn the_index_and_overviews_of_what_a_user_sees() {
    use app::domain::Role;
    use app::engine::NewShareLink;
    on_both(|store| async move {
        let alice = store.create_user("alice", "h").await.unwrap();
        let bob = store.create_user("bob", "h").await.unwrap();
        let now = "2026-11-29T12:00:00Z";
        let mut ids = Vec::new();
        for (i, resources) in [2_usize, 0, 1].into_iter().enumerate() {
            let id = store
                .insert_environment(&alice, "alice", &spec(&format!("env{i}")))
                .await
                .unwrap();
            for kind in ResourceKind::ALL.into_iter().take(resources) {
                store
                    .record_resource(
                        &id,
                        &RecordedResource {
                            kind,
                            name: format!("r-{}", kind.key()),
                            arn: Some("arn".into()),
                            status: RecordStatus::Created,
                            settings: Default::default(),
                        },
                    )
                    .await
                    .unwrap();
            }
            ids.push(id);
        }
        // A pending entry is not counted.
        store
            .record_resource(
                &ids[2],
                &RecordedResource {
                    kind: ResourceKind::JobQueue,
                    name: "q".into(),
                    arn: None,
                    status: RecordStatus::Pending,
                    settings: Default::default(),
                },
            )
            .await
            .unwrap();
        // env0: an apply, then a refresh (the latest); env1: only a plan (not listed).
        let env0 = store.get_environment(&ids[0]).await.unwrap().unwrap();
        let apply = store
            .start_run(&ids[0], RunKind::Apply, "alice")
            .await
            .unwrap();
        store.finish_run(&apply, None).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let refresh = store
            .start_run(&env0.id, RunKind::Refresh, "alice")
            .await
            .unwrap();
        store.finish_run(&refresh, Some("boom")).await.unwrap();
        store
            .record_plan(&ids[1], "alice", &["create ECS cluster env1".to_owned()])
            .await
            .unwrap();

        let o = store.overviews(&ids).await.unwrap();
        assert_eq!(o.get(&ids[0]).map(|o| o.resources), Some(2));
        let latest = o[&ids[0]].run.as_ref().unwrap();
        assert_eq!(
            (latest.id.as_str(), latest.kind),
            (refresh.as_str(), RunKind::Refresh)
        );
        assert_eq!(latest.error.as_deref(), Some("boom"));
        assert_eq!(o.get(&ids[1]), None, "no resources and only a plan");
        assert_eq!(
            o.get(&ids[2]).map(|o| (o.resources, o.run.is_some())),
            Some((1, false))
        );
        assert!(store.overviews(&[]).await.unwrap().is_empty());

        // The index: Alice's own, newest first; Bob sees env0 through a live link only.
        let (total, page, index) = store
            .environment_page(&alice, now, "", 1, 50)
            .await
            .unwrap();
        assert_eq!((total, page), (3, 1));
        let names: Vec<_> = index.iter().map(|e| (e.name.as_str(), e.role)).collect();
        assert_eq!(
            names,
            [
                ("env2", Role::Owner),
                ("env1", Role::Owner),
                ("env0", Role::Owner)
            ]
        );
        let index = |user: &str, now: &'static str, search: &'static str, page| {
            let store = store.clone();
            let user = user.to_owned();
            async move {
                store
                    .environment_page(&user, now, search, page, 2)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(index(&bob, now, "", 1).await, (0, 1, vec![]));
        // Pages of 2: the last one, a page past the end (clamped), a search with LIKE's
        // special characters taken literally.
        let (total, page, items) = index(&alice, now, "", 2).await;
        assert_eq!(
            (total, page, items.len(), items[0].name.as_str()),
            (3, 2, 1, "env0")
        );
        assert_eq!(index(&alice, now, "", 9).await.1, 2);
        let (total, _, items) = index(&alice, now, "ENV1", 1).await;
        assert_eq!((total, items[0].name.as_str()), (1, "env1"));
        assert_eq!(index(&alice, now, "env_", 1).await.0, 0);
        assert_eq!(index(&alice, now, "%", 1).await.0, 0);
        for (hash, role) in [("h", Role::Viewer), ("h2", Role::Editor)] {
            store
                .create_share_link(&NewShareLink {
                    environment_id: &ids[0],
                    role,
                    token_hash: hash,
                    created_by: "alice",
                    expires_at: Some("2026-11-30T00:00:00Z"),
                })
                .await
                .unwrap();
            let link = store.share_link_by_hash(hash).await.unwrap().unwrap();
            store.grant(&link, &bob).await.unwrap();
        }
        let (_, _, seen) = index(&bob, now, "", 1).await;
        assert_eq!(seen.len(), 1, "one entry per environment: {seen:?}");
        assert_eq!(
            (seen[0].id.as_str(), seen[0].role),
            (ids[0].as_str(), Role::Editor)
        );
        assert_eq!(index(&bob, "2026-12-01T00:00:00Z", "", 1).await.0, 0);
    })
    .await;
}

#[tokio::test]
async fn capacity_samples_are_kept_per_environment_in_time_order_and_pruned() {
    use app::domain::capacity::{CapacitySample, ComputeEnvironmentCapacity};
    on_both(|store| async move {
        let owner = store.create_user("alice", "h").await.unwrap();
        let applied = store
            .insert_environment(&owner, "owner", &spec("applied"))
            .await
            .unwrap();
        let pending = store
            .insert_environment(&owner, "owner", &spec("pending"))
            .await
            .unwrap();
        let entry = |status| RecordedResource {
            kind: ResourceKind::ComputeEnvironment,
            name: "x-ce".into(),
            arn: None,
            status,
            settings: Default::default(),
        };
        store
            .record_resource(&applied, &entry(RecordStatus::Created))
            .await
            .unwrap();
        store
            .record_resource(&pending, &entry(RecordStatus::Pending))
            .await
            .unwrap();
        // Only environments with something created in AWS are sampled.
        assert_eq!(
            store.environments_to_sample().await.unwrap(),
            vec![applied.clone()]
        );

        let sample = |at: &str, desired| CapacitySample {
            at: at.into(),
            compute_environment: Some(ComputeEnvironmentCapacity {
                desired_vcpus: desired,
                ..ComputeEnvironmentCapacity::default()
            }),
            ..CapacitySample::default()
        };
        for (at, desired) in [
            ("2026-11-30T02:00:00Z", 1),
            ("2026-11-28T01:00:00Z", 9),
            ("2026-11-30T01:00:00Z", 4),
        ] {
            store
                .record_capacity(&applied, &sample(at, desired))
                .await
                .unwrap();
        }
        // The same second again replaces the sample.
        store
            .record_capacity(&applied, &sample("2026-11-30T02:00:00Z", 2))
            .await
            .unwrap();
        store
            .record_capacity(&pending, &sample("2026-11-30T02:00:00Z", 7))
            .await
            .unwrap();
        let got = store
            .capacity_samples(&applied, "2026-11-29T00:00:00Z")
            .await
            .unwrap();
        assert_eq!(
            got,
            vec![
                sample("2026-11-30T01:00:00Z", 4),
                sample("2026-11-30T02:00:00Z", 2)
            ]
        );
        assert_eq!(
            store.prune_capacity("2026-11-29T00:00:00Z").await.unwrap(),
            1
        );
        assert_eq!(store.capacity_samples(&applied, "").await.unwrap().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn drafts_and_api_tokens_belong_to_their_user() {
    on_both(|store| async move {
        let alice = store.create_user("alice", "hash").await.unwrap();
        let bob = store.create_user("bob", "hash").await.unwrap();
        // Drafts: saved again in place, private, newest first, deleted.
        let mut draft = app::engine::DraftRecord {
            id: "d1".into(),
            user_id: alice.clone(),
            spec: spec("one"),
            template: spec("template"),
            step: "basics".into(),
            updated_at: String::new(),
        };
        store.save_draft(&draft).await.unwrap();
        draft.spec = spec("renamed");
        draft.step = "network".into();
        store.save_draft(&draft).await.unwrap();
        let found = store.draft(&alice, "d1").await.unwrap().unwrap();
        assert_eq!(
            (found.spec.name.as_str(), found.step.as_str()),
            ("renamed", "network")
        );
        assert_eq!(found.template.name, "template");
        assert!(store.draft(&bob, "d1").await.unwrap().is_none());
        // Bob saving a draft of that id does not take Alice's.
        let stolen = app::engine::DraftRecord {
            user_id: bob.clone(),
            spec: spec("bobs"),
            ..draft.clone()
        };
        store.save_draft(&stolen).await.unwrap();
        assert_eq!(
            store.draft(&alice, "d1").await.unwrap().unwrap().spec.name,
            "renamed"
        );
        assert_eq!(store.drafts(&alice).await.unwrap().len(), 1);
        assert!(!store.delete_draft(&bob, "d1").await.unwrap());
        assert!(store.delete_draft(&alice, "d1").await.unwrap());
        assert!(store.drafts(&alice).await.unwrap().is_empty());

        // Tokens: found by hash while live, revoked by their owner only.
        let id = store
            .create_api_token(&app::engine::NewApiToken {
                user_id: &alice,
                name: "ci",
                token_hash: "h1",
                shown: "bcon_1234567",
                expires_at: Some("2999-01-01T00:00:00Z"),
            })
            .await
            .unwrap();
        let now = "2026-11-30T10:11:12Z";
        let (token, user) = store.use_api_token("h1", now).await.unwrap().unwrap();
        assert_eq!(
            (token.id.as_str(), user.username.as_str()),
            (id.as_str(), "alice")
        );
        assert_eq!(
            store.api_tokens(&alice).await.unwrap()[0]
                .last_used_at
                .as_deref(),
            Some("2026-11-30T10:11:00Z")
        );
        assert!(
            store
                .use_api_token("h1", "3000-01-01T00:00:00Z")
                .await
                .unwrap()
                .is_none()
        );
        assert!(!store.revoke_api_token(&bob, &id).await.unwrap());
        assert!(store.revoke_api_token(&alice, &id).await.unwrap());
        assert!(store.use_api_token("h1", now).await.unwrap().is_none());
        assert!(store.api_tokens(&bob).await.unwrap().is_empty());
    })
    .await;
}
