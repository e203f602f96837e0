//! Apply and destroy through a fault-injecting proxy between the SDK and moto: 100 ms
//! per call, 20% throttling, 5% 503s and 5% answers lost after the call took effect.
//! Both converge with no duplicate and no orphaned resource.

mod common;

use app::domain::{EnvironmentSpec, RecordStatus, RunKind};
use app::engine::{Cloud, Store, execute, start_run};
use common::faults::{FaultProxy, Faults};
use server::aws::{AwsCloud, sdk_config};
use server::store::SqlStore;

/// Runs `kind` until it succeeds (a run that fails on an unknown outcome leaves its
/// journal for the next one); returns how many runs it took.
async fn converge(cloud: &AwsCloud, store: &SqlStore, id: &str, kind: RunKind) -> usize {
    for attempt in 1..=3 {
        let env = store.get_environment(id).await.unwrap().unwrap();
        let run = start_run(store, &env, kind, "chaos").await.unwrap();
        match execute(cloud, store, &env, &run, kind, common::fast_wait()).await {
            Ok(()) => return attempt,
            Err(e) => eprintln!("{kind:?} run {attempt} failed: {e}"),
        }
    }
    panic!("{kind:?} did not converge in 3 runs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_and_destroy_converge_through_faults() {
    let moto = common::moto().await;
    let aws = common::aws(&moto.endpoint).await;
    let direct = AwsCloud::new(sdk_config(Some(&moto.endpoint), Some("us-east-1")).await);
    let role = direct.ensure_sandbox_batch_role().await.unwrap();
    let network = direct.default_network("us-east-1").await.unwrap().unwrap();

    let seed = std::env::var("FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_129);
    let faults = Faults {
        latency: std::time::Duration::from_millis(100),
        throttle: 0.20,
        server_error: 0.05,
        drop: 0.05,
    };
    let proxy = FaultProxy::start(&moto.endpoint, faults, seed).await;
    let cloud = AwsCloud::new(sdk_config(Some(&proxy.endpoint), Some("us-east-1")).await);

    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::connect(&format!("sqlite://{}/t.db", dir.path().display()))
        .await
        .unwrap();
    let owner = store.create_user("chaos", "x").await.unwrap();
    // Several environments at once, so that many calls meet faults.
    let names = ["chaos-a", "chaos-b", "chaos-c"];
    let mut ids = Vec::new();
    for name in names {
        let mut spec =
            EnvironmentSpec::minimal(name, "us-east-1", 8, Some(role.clone()), network.clone());
        // Every kind of resource; no instances (moto cannot launch from a launch
        // template version made by CreateLaunchTemplateVersion, which a retried create
        // of the template makes).
        common::full_stack(&mut spec, 0);
        ids.push(
            store
                .insert_environment(&owner, "chaos", &spec)
                .await
                .unwrap(),
        );
    }

    let applies = futures::future::join_all(
        ids.iter()
            .map(|id| converge(&cloud, &store, id, RunKind::Apply)),
    )
    .await;
    eprintln!("applies took {applies:?} runs; {}", proxy.counts.summary());

    // Exactly the resources of the specs, once each, and the journal agrees with AWS.
    let mut clusters = aws.cluster_names().await;
    clusters.sort();
    assert_eq!(clusters, names);
    let mut ces = aws.compute_environment_names().await;
    ces.sort();
    assert_eq!(ces, names.map(|n| format!("{n}-ce")));
    let mut queues = aws.job_queue_names().await;
    queues.sort();
    assert_eq!(queues, names.map(|n| format!("{n}-queue")));
    assert_eq!(aws.group_names().await, names.map(|n| format!("{n}-asg")));
    assert_eq!(
        aws.launch_template_names().await,
        names.map(|n| format!("{n}-asg"))
    );
    for name in names {
        assert!(aws.has_capacity_provider(&format!("{name}-cp")).await);
    }
    for id in &ids {
        let journal = store.journal(id).await.unwrap();
        assert_eq!(journal.resources.len(), 8, "{journal:#?}");
        for r in &journal.resources {
            assert_eq!(r.status, RecordStatus::Created, "{r:?}");
            let observed = direct
                .read("us-east-1", r.kind, &r.name)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(r.arn.as_deref(), Some(observed.arn.as_str()));
            assert!(app::engine::tagged_for(&observed, id));
        }
    }

    // Independent branches ran together: the cluster and the compute environment
    // overlapped; the job queue started after its compute environment was done.
    let history = store.run_history(&ids[0], 5).await.unwrap();
    let apply = history
        .iter()
        .find(|h| h.run.kind == RunKind::Apply)
        .unwrap();
    let step = |prefix: &str| {
        apply
            .steps
            .iter()
            .rfind(|s| s.step.starts_with(prefix))
            .cloned()
            .unwrap()
    };
    let (cluster, ce, queue) = (
        step("create ECS cluster"),
        step("create Batch compute environment"),
        step("create Batch job queue"),
    );
    let end = |s: &app::domain::RunStep| s.finished_at.clone().unwrap();
    assert!(
        ce.started_at < end(&cluster) && cluster.started_at < end(&ce),
        "{apply:#?}"
    );
    assert!(queue.started_at >= end(&ce), "{apply:#?}");

    let destroys = futures::future::join_all(
        ids.iter()
            .map(|id| converge(&cloud, &store, id, RunKind::Destroy)),
    )
    .await;
    let counts = &proxy.counts;
    eprintln!("destroys took {destroys:?} runs; {}", counts.summary());
    assert_eq!(aws.cluster_names().await, Vec::<String>::new());
    assert_eq!(aws.compute_environment_names().await, Vec::<String>::new());
    assert_eq!(aws.job_queue_names().await, Vec::<String>::new());
    assert_eq!(aws.group_names().await, Vec::<String>::new());
    assert_eq!(aws.launch_template_names().await, Vec::<String>::new());
    for name in names {
        assert!(!aws.has_capacity_provider(&format!("{name}-cp")).await);
    }
    for id in &ids {
        assert!(store.journal(id).await.unwrap().resources.is_empty());
    }
    // The faults did happen.
    use std::sync::atomic::Ordering::SeqCst;
    assert!(counts.throttled.load(SeqCst) > 0 && counts.server_errors.load(SeqCst) > 0);
    assert!(counts.dropped.load(SeqCst) > 0, "{}", counts.summary());
}
