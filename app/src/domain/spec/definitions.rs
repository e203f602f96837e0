//! The inference container's definitions: an ECS task definition (tasks on the cluster)
//! and a Batch job definition (jobs on the compute environment).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// An ECS task network mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NetworkMode {
    /// Each task gets its own elastic network interface (required by Fargate).
    Awsvpc,
    /// Docker's bridge network.
    Bridge,
    /// The host's network.
    Host,
    /// No external network.
    None,
}

/// Where a task definition may run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Compatibility {
    /// EC2 container instances (capacity providers).
    Ec2,
    /// AWS Fargate.
    Fargate,
    /// ECS Anywhere.
    External,
}

/// A container log configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogConfiguration {
    /// Log driver, e.g. `awslogs`.
    pub driver: String,
    /// Driver options, e.g. `awslogs-group`.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
}

/// A transport protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

/// A container port mapping.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortMapping {
    /// Port in the container (1-65535).
    pub container_port: u32,
    /// Port on the host (awsvpc: equal to the container port, or absent).
    #[serde(default)]
    pub host_port: Option<u32>,
    /// TCP or UDP.
    pub protocol: Protocol,
}

/// A container of the task definition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerSpec {
    /// Container name.
    pub name: String,
    /// Image, e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com/infer:1`.
    pub image: String,
    /// Command (overrides the image's).
    #[serde(default)]
    pub command: Vec<String>,
    /// Environment variables.
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    /// Port mappings.
    #[serde(default)]
    pub port_mappings: Vec<PortMapping>,
    /// GPUs reserved for the container.
    #[serde(default)]
    pub gpus: u32,
    /// Memory reserved for the container (its soft limit), MiB; at most the task's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_reservation: Option<u32>,
    /// Whether the task stops when this container stops.
    pub essential: bool,
    /// Logging.
    #[serde(default)]
    pub log_configuration: Option<LogConfiguration>,
}

/// An ECS task definition (ecs:RegisterTaskDefinition).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskDefinitionSpec {
    /// Family name.
    pub family: String,
    /// Task CPU units (1024 = 1 vCPU); required on Fargate.
    #[serde(default)]
    pub cpu: Option<u32>,
    /// Task memory, MiB; required on Fargate.
    #[serde(default)]
    pub memory: Option<u32>,
    /// Network mode.
    pub network_mode: NetworkMode,
    /// Where the tasks may run.
    pub requires_compatibilities: Vec<Compatibility>,
    /// Role ECS uses to pull images and write logs.
    #[serde(default)]
    pub execution_role: Option<String>,
    /// Role the containers act as.
    #[serde(default)]
    pub task_role: Option<String>,
    /// Containers (1-10).
    pub containers: Vec<ContainerSpec>,
}

/// Where a Batch job definition's jobs run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Platform {
    /// EC2 (and SPOT) compute environments.
    Ec2,
    /// FARGATE (and FARGATE_SPOT) compute environments.
    Fargate,
}

/// A Batch job definition of type `container` (batch:RegisterJobDefinition).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobDefinitionSpec {
    /// Job definition name.
    pub name: String,
    /// Image.
    pub image: String,
    /// Command.
    #[serde(default)]
    pub command: Vec<String>,
    /// vCPUs per job (Fargate: 0.25, 0.5, 1, 2, 4, 8 or 16).
    pub vcpus: f64,
    /// Memory per job, MiB.
    pub memory: u32,
    /// GPUs per job (EC2 only).
    #[serde(default)]
    pub gpus: u32,
    /// Environment variables.
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    /// Role the job's container acts as.
    #[serde(default)]
    pub job_role: Option<String>,
    /// Role used to pull images and write logs (required on Fargate).
    #[serde(default)]
    pub execution_role: Option<String>,
    /// Attempts per job (1-10).
    pub retry_attempts: u32,
    /// Seconds after which a job attempt is stopped (at least 60).
    #[serde(default)]
    pub timeout_seconds: Option<u32>,
    /// EC2 or FARGATE.
    pub platform: Platform,
    /// Logging.
    #[serde(default)]
    pub log_configuration: Option<LogConfiguration>,
}
