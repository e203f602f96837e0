//! Compute sections of the spec: the ECS cluster, its EC2 capacity, the Batch compute
//! environment and the job queue.

use serde::{Deserialize, Serialize};

use super::Network;

/// An ECS cluster (ecs:CreateCluster).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterSpec {
    /// Cluster name.
    pub name: String,
    /// Whether CloudWatch Container Insights is enabled.
    pub container_insights: bool,
}

/// EC2 capacity for the ECS cluster: an Auto Scaling group behind a capacity provider
/// that the cluster uses by default.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacitySpec {
    /// The Auto Scaling group: an existing one, or one the console creates.
    pub auto_scaling_group: AutoScalingGroupSource,
    /// The capacity provider over it (ecs:CreateCapacityProvider).
    pub provider: CapacityProviderSpec,
    /// The cluster's default capacity-provider strategy item for this provider
    /// (ecs:PutClusterCapacityProviders).
    pub strategy: StrategyItem,
}

/// Where the capacity provider's Auto Scaling group comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "source")]
pub enum AutoScalingGroupSource {
    /// An Auto Scaling group that already exists, by ARN.
    Existing {
        /// Its ARN.
        arn: String,
        /// Whether its instances are protected from scale-in (needed by managed
        /// termination protection), as the user states it.
        protect_from_scale_in: bool,
    },
    /// One the console creates.
    Create(NewAutoScalingGroup),
}

/// An Auto Scaling group the console creates (autoscaling:CreateAutoScalingGroup).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAutoScalingGroup {
    /// Group name.
    pub name: String,
    /// Instance types (mixed instances policy), e.g. `g5.xlarge`.
    pub instance_types: Vec<String>,
    /// Minimum size.
    pub min_size: u32,
    /// Maximum size.
    pub max_size: u32,
    /// Desired capacity.
    pub desired_capacity: u32,
    /// Subnets (empty: the environment's network subnets).
    #[serde(default)]
    pub subnets: Vec<String>,
    /// New instances are protected from scale-in.
    pub protect_from_scale_in: bool,
    /// The instances' IAM instance profile (name or ARN); without one their ECS agent
    /// cannot register with the cluster.
    #[serde(default)]
    pub instance_profile: Option<String>,
    /// The ECS-optimised AMI family (none: the NVIDIA one when an instance type has
    /// GPUs, else Amazon Linux 2023).
    #[serde(default)]
    pub image_type: Option<ImageType>,
}

impl NewAutoScalingGroup {
    /// The AMI family the instances boot: the chosen one, or the NVIDIA one for GPU
    /// instance types and Amazon Linux 2023 otherwise.
    pub fn image(&self) -> ImageType {
        self.image_type.unwrap_or_else(|| {
            if self
                .instance_types
                .iter()
                .any(|t| crate::domain::validate::is_gpu_instance_type(t))
            {
                ImageType::EcsAl2023Nvidia
            } else {
                ImageType::EcsAl2023
            }
        })
    }
}

/// An ASG-backed ECS capacity provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityProviderSpec {
    /// Capacity provider name.
    pub name: String,
    /// Managed scaling settings.
    pub managed_scaling: ManagedScaling,
    /// Managed termination protection.
    pub managed_termination_protection: bool,
    /// Managed instance draining.
    pub managed_draining: bool,
}

/// Managed scaling of a capacity provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagedScaling {
    /// ENABLED when true.
    pub enabled: bool,
    /// Target capacity utilisation, percent (1-100).
    pub target_capacity: u32,
    /// Minimum instances added or removed at a time (1-10000).
    pub minimum_scaling_step_size: u32,
    /// Maximum instances added or removed at a time (1-10000).
    pub maximum_scaling_step_size: u32,
    /// Seconds a new instance takes to count toward the metric (0-10000).
    pub instance_warmup_period: u32,
}

impl Default for ManagedScaling {
    /// AWS's defaults, with the seed program's target capacity of 75.
    fn default() -> Self {
        ManagedScaling {
            enabled: true,
            target_capacity: 75,
            minimum_scaling_step_size: 1,
            maximum_scaling_step_size: 10_000,
            instance_warmup_period: 300,
        }
    }
}

/// One item of a capacity-provider strategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrategyItem {
    /// Tasks placed on this provider first (0-100000).
    pub base: u32,
    /// Relative share of the remaining tasks (0-1000).
    pub weight: u32,
}

/// The provisioning model of a Batch managed compute environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ComputeType {
    /// On-demand EC2 instances.
    Ec2,
    /// EC2 Spot instances.
    Spot,
    /// AWS Fargate, on-demand.
    Fargate,
    /// AWS Fargate Spot.
    FargateSpot,
}

impl ComputeType {
    /// Every type.
    pub const ALL: [ComputeType; 4] = [
        ComputeType::Ec2,
        ComputeType::Spot,
        ComputeType::Fargate,
        ComputeType::FargateSpot,
    ];

    /// The value AWS Batch uses.
    pub fn as_aws(self) -> &'static str {
        match self {
            ComputeType::Ec2 => "EC2",
            ComputeType::Spot => "SPOT",
            ComputeType::Fargate => "FARGATE",
            ComputeType::FargateSpot => "FARGATE_SPOT",
        }
    }

    /// FARGATE or FARGATE_SPOT.
    pub fn is_fargate(self) -> bool {
        matches!(self, ComputeType::Fargate | ComputeType::FargateSpot)
    }
}

/// How Batch picks instance types (EC2 and SPOT only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AllocationStrategy {
    /// The cheapest type that fits; waits if none is available.
    BestFit,
    /// Also tries other listed types.
    BestFitProgressive,
    /// SPOT: the deepest Spot pools.
    SpotCapacityOptimized,
    /// SPOT: the lowest price among the deepest pools.
    SpotPriceCapacityOptimized,
}

impl AllocationStrategy {
    /// The value AWS Batch uses.
    pub fn as_aws(self) -> &'static str {
        match self {
            AllocationStrategy::BestFit => "BEST_FIT",
            AllocationStrategy::BestFitProgressive => "BEST_FIT_PROGRESSIVE",
            AllocationStrategy::SpotCapacityOptimized => "SPOT_CAPACITY_OPTIMIZED",
            AllocationStrategy::SpotPriceCapacityOptimized => "SPOT_PRICE_CAPACITY_OPTIMIZED",
        }
    }
}

/// The AMI family of an EC2 compute environment (`ec2Configuration.imageType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ImageType {
    /// Amazon Linux 2023, ECS-optimised.
    EcsAl2023,
    /// Amazon Linux 2023, ECS-optimised, with NVIDIA drivers.
    EcsAl2023Nvidia,
    /// Amazon Linux 2, ECS-optimised.
    EcsAl2,
    /// Amazon Linux 2, ECS-optimised, with NVIDIA drivers.
    EcsAl2Nvidia,
}

impl ImageType {
    /// The value AWS Batch uses.
    pub fn as_aws(self) -> &'static str {
        match self {
            ImageType::EcsAl2023 => "ECS_AL2023",
            ImageType::EcsAl2023Nvidia => "ECS_AL2023_NVIDIA",
            ImageType::EcsAl2 => "ECS_AL2",
            ImageType::EcsAl2Nvidia => "ECS_AL2_NVIDIA",
        }
    }

    /// The public SSM parameter that names the current recommended AMI of the family
    /// (a launch template's `ImageId` may be `resolve:ssm:<parameter>`).
    pub fn ami_parameter(self) -> &'static str {
        match self {
            ImageType::EcsAl2023 => {
                "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
            }
            ImageType::EcsAl2023Nvidia => {
                "/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id"
            }
            ImageType::EcsAl2 => {
                "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id"
            }
            ImageType::EcsAl2Nvidia => {
                "/aws/service/ecs/optimized-ami/amazon-linux-2/gpu/recommended/image_id"
            }
        }
    }

    /// Whether the image carries NVIDIA drivers (needed for GPU jobs).
    pub fn is_nvidia(self) -> bool {
        matches!(self, ImageType::EcsAl2023Nvidia | ImageType::EcsAl2Nvidia)
    }
}

fn enabled() -> bool {
    true
}

/// A Batch managed compute environment (batch:CreateComputeEnvironment).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComputeEnvironmentSpec {
    /// Compute environment name.
    pub name: String,
    /// EC2, SPOT, FARGATE or FARGATE_SPOT.
    pub compute_type: ComputeType,
    /// Instance selection (EC2 and SPOT only; AWS's default is BEST_FIT).
    #[serde(default)]
    pub allocation_strategy: Option<AllocationStrategy>,
    /// vCPUs kept running when idle (EC2 and SPOT only).
    #[serde(default)]
    pub min_vcpus: u32,
    /// vCPUs to start with (EC2 and SPOT only).
    #[serde(default)]
    pub desired_vcpus: Option<u32>,
    /// The most vCPUs the environment may run at once.
    pub max_vcpus: u32,
    /// Instance types or families, or `optimal` (EC2 and SPOT only).
    #[serde(default)]
    pub instance_types: Vec<String>,
    /// AMI family (EC2 and SPOT only).
    #[serde(default)]
    pub image_type: Option<ImageType>,
    /// Highest Spot price as a percentage of On-Demand (SPOT only).
    #[serde(default)]
    pub bid_percentage: Option<u32>,
    /// The Spot Fleet role (SPOT with BEST_FIT only).
    #[serde(default)]
    pub spot_iam_fleet_role: Option<String>,
    /// The instance profile of the instances (EC2 and SPOT: required).
    #[serde(default)]
    pub instance_role: Option<String>,
    /// The Batch service role; `None` uses the AWSServiceRoleForBatch service-linked role.
    pub service_role: Option<String>,
    /// Subnets of the instances or Fargate tasks.
    pub subnets: Vec<String>,
    /// Security groups (Fargate requires at least one).
    pub security_group_ids: Vec<String>,
    /// ENABLED when true.
    #[serde(default = "enabled")]
    pub enabled: bool,
}

impl ComputeEnvironmentSpec {
    /// A FARGATE compute environment on `network`.
    pub fn fargate(name: &str, max_vcpus: u32, network: &Network) -> Self {
        ComputeEnvironmentSpec {
            name: name.to_owned(),
            compute_type: ComputeType::Fargate,
            allocation_strategy: None,
            min_vcpus: 0,
            desired_vcpus: None,
            max_vcpus,
            instance_types: Vec::new(),
            image_type: None,
            bid_percentage: None,
            spot_iam_fleet_role: None,
            instance_role: None,
            service_role: None,
            subnets: network.subnets.clone(),
            security_group_ids: network.security_group_ids.clone(),
            enabled: true,
        }
    }
}

/// A Batch job queue (batch:CreateJobQueue) in front of the compute environment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobQueueSpec {
    /// Job queue name.
    pub name: String,
    /// Scheduling priority among queues sharing a compute environment (higher first).
    pub priority: u32,
    /// Whether the queue accepts jobs.
    pub enabled: bool,
    /// Further compute environments (ARNs), tried after the environment's own, in order.
    #[serde(default)]
    pub extra_compute_environments: Vec<String>,
    /// What to do with jobs stuck in RUNNABLE.
    #[serde(default)]
    pub job_state_time_limit_actions: Vec<JobStateTimeLimitAction>,
}

impl JobQueueSpec {
    /// An enabled queue of priority 1 with no extras.
    pub fn new(name: &str) -> Self {
        JobQueueSpec {
            name: name.to_owned(),
            priority: 1,
            enabled: true,
            extra_compute_environments: Vec::new(),
            job_state_time_limit_actions: Vec::new(),
        }
    }
}

/// Cancels jobs that stay RUNNABLE for `max_time_seconds` for `reason`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobStateTimeLimitAction {
    /// The status reason Batch matches, e.g. `CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY`.
    pub reason: String,
    /// Seconds in RUNNABLE before the action (600-86400).
    pub max_time_seconds: u32,
}
