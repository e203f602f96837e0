//! The engine's fixture: a moto server, a SQLite store and an environment stored in it
//! (not applied yet).

use app::domain::{EnvironmentSpec, ResourceKind, RunKind};
use app::engine::{Cloud, EnvironmentRecord, Store, execute, start_run};
use server::aws::{AwsCloud, sdk_config};
use server::store::SqlStore;

/// Everything an engine test needs.
pub struct Fixture {
    pub _moto: server::emulator::Emulator,
    pub _dir: tempfile::TempDir,
    pub aws: super::Aws,
    pub cloud: AwsCloud,
    pub store: SqlStore,
    pub env: EnvironmentRecord,
}

/// A minimal environment `name` (Fargate Batch), with `service_role` or the sandbox's.
pub async fn fixture(name: &str, service_role: Option<String>) -> Fixture {
    fixture_with(name, service_role, |_, _| {}).await
}

/// [`fixture`] with the spec changed by `edit` (given moto's endpoint) before it is stored.
pub async fn fixture_with(
    name: &str,
    service_role: Option<String>,
    edit: impl FnOnce(&mut EnvironmentSpec, &str),
) -> Fixture {
    let moto = super::moto().await;
    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::connect(&format!("sqlite://{}/t.db", dir.path().display()))
        .await
        .unwrap();
    let cloud = AwsCloud::new(sdk_config(Some(&moto.endpoint), Some("us-east-1")).await);
    let role = match service_role {
        Some(r) => r,
        None => cloud.ensure_sandbox_batch_role().await.unwrap(),
    };
    let network = cloud
        .default_network("us-east-1")
        .await
        .unwrap()
        .expect("moto has a default VPC");
    let mut spec = EnvironmentSpec::minimal(name, "us-east-1", 16, Some(role), network);
    edit(&mut spec, &moto.endpoint);
    assert_eq!(app::domain::validate(&spec), vec![]);
    let owner = store.create_user("alice", "x").await.unwrap();
    let id = store
        .insert_environment(&owner, "owner", &spec)
        .await
        .unwrap();
    let env = store.get_environment(&id).await.unwrap().unwrap();
    Fixture {
        aws: super::aws(&moto.endpoint).await,
        _moto: moto,
        _dir: dir,
        cloud,
        store,
        env,
    }
}

/// What AWS reports for each of the environment's resources.
pub async fn observed(f: &Fixture) -> Vec<(ResourceKind, app::domain::Observed)> {
    app::engine::observe(&f.cloud, &f.store, &f.env)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|v| v.observed.map(|o| (v.kind, o)))
        .collect()
}

/// Starts and executes a run of `kind` as alice.
pub async fn run(f: &Fixture, kind: RunKind) -> Result<(), app::engine::EngineError> {
    let run = start_run(&f.store, &f.env, kind, "alice").await.unwrap();
    execute(&f.cloud, &f.store, &f.env, &run, kind, super::fast_wait()).await
}
