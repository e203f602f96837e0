//! Test harness: a moto server per test (the real AWS SDK over real HTTP), a temporary
//! SQLite file, and the console built from its real configuration.

#![allow(dead_code)]

pub mod client;
pub mod engine;
pub mod faults;
pub mod process;

use std::path::PathBuf;
use std::time::Duration;

use app::engine::WaitPolicy;
use server::emulator::Emulator;

/// The moto server executable installed by `scripts/setup`.
pub fn moto_server() -> PathBuf {
    std::env::var_os("CONSOLE_MOTO_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../.venv/bin/moto_server"
            ))
        })
}

/// A loopback port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts a private moto server for one test.
pub async fn moto() -> Emulator {
    Emulator::start(&moto_server())
        .await
        .expect("moto server (run scripts/setup first)")
}

/// Polling fast enough for the emulator, which answers at once.
pub fn fast_wait() -> WaitPolicy {
    WaitPolicy {
        initial: Duration::from_millis(10),
        max_interval: Duration::from_millis(100),
        timeout: Duration::from_secs(20),
    }
}

/// Roles of the presets, in the emulator's default account.
pub fn preset_roles() -> app::domain::spec::presets::PresetRoles {
    app::domain::spec::presets::PresetRoles {
        instance_profile: "arn:aws:iam::123456789012:instance-profile/ecsInstanceRole".into(),
        execution_role: "arn:aws:iam::123456789012:role/exec".into(),
        job_role: "arn:aws:iam::123456789012:role/job".into(),
    }
}

/// Every kind of resource in one spec: `spec` (a Fargate Batch stack) gains the GPU
/// preset's EC2 capacity (an Auto Scaling group of `instances`, its capacity provider,
/// the cluster's strategy) and the CPU preset's task and job definitions.
pub fn full_stack(spec: &mut app::domain::EnvironmentSpec, instances: u32) {
    use app::domain::spec::AutoScalingGroupSource;
    use app::domain::spec::presets::Preset;
    let (name, region, network) = (spec.name.clone(), spec.region.clone(), spec.network.clone());
    let gpu = Preset::GpuG5.spec(&name, &region, network.clone(), &preset_roles());
    let mut capacity = gpu.capacity.expect("the GPU preset has EC2 capacity");
    if let AutoScalingGroupSource::Create(g) = &mut capacity.auto_scaling_group {
        g.desired_capacity = instances;
        g.min_size = g.min_size.min(instances);
    }
    spec.capacity = Some(capacity);
    let cpu = Preset::CpuFargate.spec(&name, &region, network, &preset_roles());
    spec.task_definition = cpu.task_definition.map(|mut t| {
        // Placed on the EC2 capacity by default, on Fargate when asked.
        t.requires_compatibilities
            .push(app::domain::spec::Compatibility::Ec2);
        t
    });
    spec.job_definition = cpu.job_definition;
    let problems = app::domain::validate(spec);
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Raw SDK clients against `endpoint`, to check what the console did independently.
pub struct Aws {
    pub ecs: aws_sdk_ecs::Client,
    pub batch: aws_sdk_batch::Client,
    pub autoscaling: aws_sdk_autoscaling::Client,
    pub ec2: aws_sdk_ec2::Client,
}

pub async fn aws(endpoint: &str) -> Aws {
    let config = server::aws::sdk_config(Some(endpoint), Some("us-east-1")).await;
    Aws {
        ecs: aws_sdk_ecs::Client::new(&config),
        batch: aws_sdk_batch::Client::new(&config),
        autoscaling: aws_sdk_autoscaling::Client::new(&config),
        ec2: aws_sdk_ec2::Client::new(&config),
    }
}

impl Aws {
    /// Names of the ECS clusters that are not INACTIVE.
    pub async fn cluster_names(&self) -> Vec<String> {
        let arns = self
            .ecs
            .list_clusters()
            .send()
            .await
            .unwrap()
            .cluster_arns()
            .to_vec();
        if arns.is_empty() {
            return vec![];
        }
        let out = self
            .ecs
            .describe_clusters()
            .set_clusters(Some(arns))
            .send()
            .await
            .unwrap();
        let mut names: Vec<String> = out
            .clusters()
            .iter()
            .filter(|c| c.status() != Some("INACTIVE"))
            .filter_map(|c| c.cluster_name().map(str::to_owned))
            // Batch makes its own cluster per compute environment; keep the console's.
            .filter(|n| !n.starts_with("OnDemand_Batch_"))
            .collect();
        names.sort();
        names
    }

    /// Names of all compute environments.
    pub async fn compute_environment_names(&self) -> Vec<String> {
        let out = self
            .batch
            .describe_compute_environments()
            .send()
            .await
            .unwrap();
        out.compute_environments()
            .iter()
            .filter_map(|c| c.compute_environment_name().map(str::to_owned))
            .collect()
    }

    /// Names of all Auto Scaling groups.
    pub async fn group_names(&self) -> Vec<String> {
        let groups: Vec<_> = self
            .autoscaling
            .describe_auto_scaling_groups()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<_, _>>()
            .await
            .unwrap();
        let mut names: Vec<String> = groups
            .iter()
            .filter_map(|g| g.auto_scaling_group_name().map(str::to_owned))
            .collect();
        names.sort();
        names
    }

    /// Names of all launch templates.
    pub async fn launch_template_names(&self) -> Vec<String> {
        let templates: Vec<_> = self
            .ec2
            .describe_launch_templates()
            // moto answers 15 at most unless asked for more, without a next token.
            .max_results(200)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<_, _>>()
            .await
            .unwrap();
        let mut names: Vec<String> = templates
            .iter()
            .filter_map(|t| t.launch_template_name().map(str::to_owned))
            .collect();
        names.sort();
        names
    }

    /// Whether the capacity provider `name` exists (and is not INACTIVE).
    pub async fn has_capacity_provider(&self, name: &str) -> bool {
        let out = self
            .ecs
            .describe_capacity_providers()
            .capacity_providers(name)
            .send()
            .await
            .unwrap();
        out.capacity_providers()
            .iter()
            .any(|p| p.status() != Some(&aws_sdk_ecs::types::CapacityProviderStatus::Inactive))
    }

    /// Names of all job queues.
    pub async fn job_queue_names(&self) -> Vec<String> {
        let out = self.batch.describe_job_queues().send().await.unwrap();
        out.job_queues()
            .iter()
            .filter_map(|q| q.job_queue_name().map(str::to_owned))
            .collect()
    }
}

/// POSTs `body` (JSON) to moto's own API at `path` (e.g. `/moto-api/config`).
pub async fn moto_post(endpoint: &str, path: &str, body: &str) {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    let req = hyper::Request::post(format!("{}{path}", endpoint.trim_end_matches('/')))
        .header("content-type", "application/json")
        .body(http_body_util::Full::new(bytes::Bytes::from(
            body.to_owned(),
        )))
        .unwrap();
    let res = client.request(req).await.unwrap();
    assert!(res.status().is_success(), "moto {path}: {}", res.status());
}

/// Keeps moto's ECS tasks in their state however often they are described (by default
/// moto moves a task one state on, RUNNING towards STOPPED, at each DescribeTasks).
pub async fn keep_tasks_running(endpoint: &str) {
    moto_post(
        endpoint,
        "/moto-api/state-manager/set-transition",
        r#"{"model_name": "ecs::task", "transition": {"progression": "manual", "times": 1000000}}"#,
    )
    .await;
}
