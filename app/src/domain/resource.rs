//! The resource graph of an environment and what the console has recorded about it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A kind of AWS resource an environment is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ResourceKind {
    /// ECS cluster.
    Cluster,
    /// Auto Scaling group the console creates for the capacity provider.
    AutoScalingGroup,
    /// ECS capacity provider over the Auto Scaling group.
    CapacityProvider,
    /// The cluster's capacity providers and default strategy.
    ClusterCapacityProviders,
    /// Batch managed compute environment.
    ComputeEnvironment,
    /// Batch job queue.
    JobQueue,
    /// ECS task definition (its latest revision).
    TaskDefinition,
    /// Batch job definition (its latest revision).
    JobDefinition,
}

impl ResourceKind {
    /// Every kind, in dependency order (each after what it depends on).
    pub const ALL: [ResourceKind; 8] = [
        ResourceKind::Cluster,
        ResourceKind::AutoScalingGroup,
        ResourceKind::CapacityProvider,
        ResourceKind::ClusterCapacityProviders,
        ResourceKind::ComputeEnvironment,
        ResourceKind::JobQueue,
        ResourceKind::TaskDefinition,
        ResourceKind::JobDefinition,
    ];

    /// The kinds this one cannot exist without (when the environment has them).
    pub fn depends_on(self) -> &'static [ResourceKind] {
        match self {
            ResourceKind::Cluster
            | ResourceKind::AutoScalingGroup
            | ResourceKind::ComputeEnvironment
            | ResourceKind::TaskDefinition
            | ResourceKind::JobDefinition => &[],
            ResourceKind::CapacityProvider => &[ResourceKind::AutoScalingGroup],
            ResourceKind::ClusterCapacityProviders => {
                &[ResourceKind::Cluster, ResourceKind::CapacityProvider]
            }
            ResourceKind::JobQueue => &[ResourceKind::ComputeEnvironment],
        }
    }

    /// A person's name for the kind.
    pub fn label(self) -> &'static str {
        match self {
            ResourceKind::Cluster => "ECS cluster",
            ResourceKind::AutoScalingGroup => "Auto Scaling group",
            ResourceKind::CapacityProvider => "ECS capacity provider",
            ResourceKind::ClusterCapacityProviders => "cluster capacity providers",
            ResourceKind::ComputeEnvironment => "Batch compute environment",
            ResourceKind::JobQueue => "Batch job queue",
            ResourceKind::TaskDefinition => "ECS task definition",
            ResourceKind::JobDefinition => "Batch job definition",
        }
    }

    /// The label with its indefinite article ("an ECS cluster").
    pub fn with_article(self) -> String {
        match self {
            ResourceKind::Cluster
            | ResourceKind::AutoScalingGroup
            | ResourceKind::CapacityProvider
            | ResourceKind::TaskDefinition => format!("An {}", self.label()),
            ResourceKind::ClusterCapacityProviders => format!("The {}", self.label()),
            _ => format!("A {}", self.label()),
        }
    }

    /// The stable key used in storage and URLs.
    pub fn key(self) -> &'static str {
        match self {
            ResourceKind::Cluster => "cluster",
            ResourceKind::AutoScalingGroup => "auto_scaling_group",
            ResourceKind::CapacityProvider => "capacity_provider",
            ResourceKind::ClusterCapacityProviders => "cluster_capacity_providers",
            ResourceKind::ComputeEnvironment => "compute_environment",
            ResourceKind::JobQueue => "job_queue",
            ResourceKind::TaskDefinition => "task_definition",
            ResourceKind::JobDefinition => "job_definition",
        }
    }

    /// Inverse of [`ResourceKind::key`].
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// Where the console's journal stands for one resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RecordStatus {
    /// The create call was about to be made; whether AWS has it is unknown until read.
    Pending,
    /// AWS returned the resource's ARN.
    Created,
}

impl RecordStatus {
    /// The stable key used in storage.
    pub fn key(self) -> &'static str {
        match self {
            RecordStatus::Pending => "pending",
            RecordStatus::Created => "created",
        }
    }

    /// Inverse of [`RecordStatus::key`].
    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "pending" => Some(RecordStatus::Pending),
            "created" => Some(RecordStatus::Created),
            _ => None,
        }
    }
}

/// A resource as the console's journal records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordedResource {
    /// What it is.
    pub kind: ResourceKind,
    /// Its AWS name.
    pub name: String,
    /// Its ARN once AWS returned one.
    pub arn: Option<String>,
    /// Journal status.
    pub status: RecordStatus,
    /// The settings applied, as `(AWS field, value)` (see [`super::plan::settings`]);
    /// empty for resources applied before the console recorded them.
    #[serde(default)]
    pub settings: BTreeMap<String, String>,
}

/// A resource as AWS describes it now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Observed {
    /// Its ARN.
    pub arn: String,
    /// AWS's status (ECS: ACTIVE, INACTIVE...; Batch: CREATING, VALID, INVALID, DELETING...).
    pub status: String,
    /// Batch's state (ENABLED / DISABLED); ECS clusters have none.
    pub state: Option<String>,
    /// AWS's explanation of the status, when it gives one.
    pub status_reason: Option<String>,
    /// Settings AWS reports, keyed like the recorded ones, for drift.
    #[serde(default)]
    pub settings: BTreeMap<String, String>,
    /// The resource's tags (the console's own say which environment made it).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// One resource of an environment: what the journal says and what AWS says now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResourceView {
    /// The kind.
    pub kind: ResourceKind,
    /// Its AWS name (from the spec).
    pub name: String,
    /// The journal's entry, if any.
    pub recorded: Option<RecordedResource>,
    /// AWS's description, if it has the resource.
    pub observed: Option<Observed>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_in_dependency_order() {
        for (i, k) in ResourceKind::ALL.iter().enumerate() {
            for dep in k.depends_on() {
                let j = ResourceKind::ALL.iter().position(|x| x == dep).unwrap();
                assert!(j < i, "{k:?} listed before its dependency {dep:?}");
            }
        }
    }

    #[test]
    fn keys_round_trip() {
        for k in ResourceKind::ALL {
            assert_eq!(ResourceKind::from_key(k.key()), Some(k));
        }
        for s in [RecordStatus::Pending, RecordStatus::Created] {
            assert_eq!(RecordStatus::from_key(s.key()), Some(s));
        }
    }
}
