//! Test harness: a moto server per test (the real AWS SDK over real HTTP), a temporary
//! SQLite file, and the console built from its real configuration.

#![allow(dead_code)]

pub mod client;
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

    /// Names of all job queues.
    pub async fn job_queue_names(&self) -> Vec<String> {
        let out = self.batch.describe_job_queues().send().await.unwrap();
        out.job_queues()
            .iter()
            .filter_map(|q| q.job_queue_name().map(str::to_owned))
            .collect()
    }
}
