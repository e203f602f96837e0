//! Log lines of a run carry its run and step spans. Alone in its test binary: tracing
//! caches per-callsite interest process-wide, so a test beside others that run the
//! engine without a subscriber could see its spans disabled.

mod common;

use app::domain::{EnvironmentSpec, RunKind};
use app::engine::{Cloud, Store, execute, start_run};
use server::aws::{AwsCloud, sdk_config};
use server::store::SqlStore;

/// A writer the test can read back: the formatted log lines.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn log_lines_of_a_run_carry_its_run_and_step_spans() {
    let logs = Captured::default();
    let writer = logs.clone();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish(),
    )
    .unwrap();
    let moto = common::moto().await;
    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::connect(&format!("sqlite://{}/t.db", dir.path().display()))
        .await
        .unwrap();
    let cloud = AwsCloud::new(sdk_config(Some(&moto.endpoint), Some("us-east-1")).await);
    let role = cloud.ensure_sandbox_batch_role().await.unwrap();
    let network = cloud.default_network("us-east-1").await.unwrap().unwrap();
    let spec = EnvironmentSpec::minimal("traced", "us-east-1", 4, Some(role), network);
    let owner = store.create_user("alice", "x").await.unwrap();
    let id = store
        .insert_environment(&owner, "alice", &spec)
        .await
        .unwrap();
    let env = store.get_environment(&id).await.unwrap().unwrap();
    let run_id = start_run(&store, &env, RunKind::Apply, "alice")
        .await
        .unwrap();
    execute(
        &cloud,
        &store,
        &env,
        &run_id,
        RunKind::Apply,
        common::fast_wait(),
    )
    .await
    .unwrap();
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("step done") && l.contains("create ECS cluster traced"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains(&format!(
            "run{{run={run_id} environment={} kind=\"apply\"}}",
            env.id
        )) && line.contains("step{kind=\"cluster\"}"),
        "{line}"
    );
}
