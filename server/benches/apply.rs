//! Apply wall time of a full environment (ECS cluster; launch template, Auto Scaling
//! group, capacity provider and the cluster's strategy; Fargate compute environment and
//! job queue; task and job definitions) through a proxy that adds a fixed latency to
//! every ECS, Batch, Auto Scaling and EC2 call,
//! against (a) the lower bound of its critical path and (b) a sequential AWS CLI script
//! against the same endpoint. A benchmark, run by hand (figures in docs/perf.md):
//!
//! ```sh
//! python3 -m venv ~/.cache/batch-console/awscli-venv && ~/.cache/batch-console/awscli-venv/bin/pip install awscli
//! AWS_CLI=~/.cache/batch-console/awscli-venv/bin/aws cargo bench -p server --bench apply
//! ```
//!
//! `LATENCY_MS` (default 100) sets the added latency, `RUNS` (default 5) the samples.

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use app::domain::{EnvironmentSpec, RunKind};
use app::engine::{Cloud, Store, WaitPolicy, execute, start_run};
use common::faults::{FaultProxy, Faults};
use server::aws::{AwsCloud, sdk_config};
use server::store::SqlStore;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

async fn run() {
    let latency = Duration::from_millis(env_number("LATENCY_MS", 100));
    let runs = env_number("RUNS", 5);
    let moto_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/moto_server");
    let moto = server::emulator::Emulator::start(std::path::Path::new(moto_path))
        .await
        .expect("moto (run make test or .ci/setup.sh first)");
    let direct = AwsCloud::new(sdk_config(Some(&moto.endpoint), Some("us-east-1")).await);
    let role = direct.ensure_sandbox_batch_role().await.unwrap();
    let network = direct.default_network("us-east-1").await.unwrap().unwrap();
    let calm = Faults {
        latency,
        throttle: 0.0,
        server_error: 0.0,
        drop: 0.0,
    };
    let proxy = FaultProxy::start(&moto.endpoint, calm, 1).await;
    let cloud = AwsCloud::new(sdk_config(Some(&proxy.endpoint), Some("us-east-1")).await);
    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::connect(&format!("sqlite://{}/bench.db", dir.path().display()))
        .await
        .unwrap();
    let owner = store.create_user("bench", "x").await.unwrap();

    // One ECS/Batch call through the proxy, as the SDK makes it (warm connection).
    let mut call_times = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        cloud
            .read(
                "us-east-1",
                app::domain::ResourceKind::ComputeEnvironment,
                "none",
            )
            .await
            .unwrap();
        call_times.push(t.elapsed());
    }
    let call = median(call_times);

    // The console: the engine with the server's default wait policy.
    let mut console = Vec::new();
    let mut calls = 0;
    for i in 0..runs {
        let mut spec = EnvironmentSpec::minimal(
            &format!("bench-{i}"),
            "us-east-1",
            8,
            Some(role.clone()),
            network.clone(),
        );
        common::full_stack(&mut spec, 0);
        let id = store
            .insert_environment(&owner, "bench", &spec)
            .await
            .unwrap();
        let env = store.get_environment(&id).await.unwrap().unwrap();
        let before = proxy.counts.forwarded.load(Ordering::SeqCst);
        let t = Instant::now();
        let run = start_run(&store, &env, RunKind::Apply, "bench")
            .await
            .unwrap();
        execute(
            &cloud,
            &store,
            &env,
            &run,
            RunKind::Apply,
            WaitPolicy::default(),
        )
        .await
        .unwrap();
        console.push(t.elapsed());
        calls = proxy.counts.forwarded.load(Ordering::SeqCst) - before;
    }
    let console = median(console);

    // The critical path is the EC2 capacity's chain: create the launch template, create
    // the group, describe it (CreateAutoScalingGroup returns no ARN), create the
    // capacity provider, see it ACTIVE, put the cluster's providers, see them attached.
    // The other branches are shorter: the compute environment and queue (create, see
    // VALID, twice: 4), the cluster (3) and each definition (3) run beside it.
    let chain = 7;
    let bound = call * chain;

    // The AWS CLI, one process per call, sequential, polling every second.
    let aws_cli = std::env::var("AWS_CLI").unwrap_or_else(|_| "aws".into());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/apply-awscli.sh");
    let mut cli = Vec::new();
    for i in 0..runs.min(3) {
        let t = Instant::now();
        let status = std::process::Command::new(script)
            .args([
                proxy.endpoint.as_str(),
                &format!("cli-{i}"),
                &role,
                &network.subnets[0],
                &network.security_group_ids[0],
            ])
            .env("AWS_CLI", &aws_cli)
            .status()
            .expect("the AWS CLI script");
        if !status.success() {
            eprintln!("the AWS CLI script failed (is AWS_CLI set? see the module docs)");
            break;
        }
        cli.push(t.elapsed());
    }

    println!("added latency per call        {latency:?}");
    println!("one call through the proxy    {call:?} (median of 20)");
    println!("console apply                 {console:?} (median of {runs}; {calls} AWS calls)");
    println!("critical-path bound           {bound:?} ({chain} dependent calls)");
    println!(
        "console / bound               {:.2}",
        console.as_secs_f64() / bound.as_secs_f64()
    );
    if !cli.is_empty() {
        let n = cli.len();
        let cli = median(cli);
        println!("AWS CLI script                {cli:?} (median of {n})");
        println!(
            "console / AWS CLI             {:.2}",
            console.as_secs_f64() / cli.as_secs_f64()
        );
    }
}
