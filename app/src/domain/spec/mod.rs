//! The environment spec: what the user asks for, versioned and serialisable.
//!
//! Every resource of an environment has its section; the ECS capacity (Auto Scaling group
//! and capacity provider) and the task and job definitions are optional, since a
//! Batch-only environment needs none of them. Stored specs carry `schema_version`; older
//! versions load through [`EnvironmentSpec::from_json`], which upgrades them.

mod compute;
mod definitions;
mod diff;
pub mod presets;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use compute::{
    AllocationStrategy, AutoScalingGroupSource, CapacityProviderSpec, CapacitySpec, ClusterSpec,
    ComputeEnvironmentSpec, ComputeType, ImageType, JobQueueSpec, JobStateTimeLimitAction,
    ManagedScaling, NewAutoScalingGroup, StrategyItem,
};
pub use definitions::{
    Compatibility, ContainerSpec, JobDefinitionSpec, LogConfiguration, NetworkMode, Platform,
    PortMapping, Protocol, TaskDefinitionSpec,
};
pub use diff::{SpecChange, diff_specs};

/// The schema version written into every stored spec.
pub const SCHEMA_VERSION: u32 = 2;

/// An environment: the AWS resources that run a team's inference containers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnvironmentSpec {
    /// Version of this schema the spec was written with.
    pub schema_version: u32,
    /// The environment's name; the prefix of every resource name.
    pub name: String,
    /// AWS region code, e.g. `us-east-1`.
    pub region: String,
    /// A role to assume in the target account (none: the console's own credentials).
    #[serde(default)]
    pub assume_role: Option<AssumeRole>,
    /// Tags put on every resource (besides the console's own).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// The VPC, and the default subnets and security groups of the resources.
    #[serde(default)]
    pub network: Network,
    /// The ECS cluster.
    pub cluster: ClusterSpec,
    /// EC2 capacity for the cluster: Auto Scaling group, capacity provider, strategy.
    #[serde(default)]
    pub capacity: Option<CapacitySpec>,
    /// The Batch managed compute environment.
    pub compute_environment: ComputeEnvironmentSpec,
    /// The Batch job queue (none: jobs cannot be submitted until one is added).
    #[serde(default)]
    pub job_queue: Option<JobQueueSpec>,
    /// The ECS task definition of the inference container.
    #[serde(default)]
    pub task_definition: Option<TaskDefinitionSpec>,
    /// The Batch job definition of the inference container.
    #[serde(default)]
    pub job_definition: Option<JobDefinitionSpec>,
}

/// A role the console assumes (sts:AssumeRole) to act in the target account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssumeRole {
    /// The role's ARN.
    pub role_arn: String,
    /// The external id the role's trust policy requires, if any.
    #[serde(default)]
    pub external_id: Option<String>,
}

/// The network the environment's resources are placed in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    /// VPC id.
    pub vpc_id: String,
    /// Subnet ids in that VPC.
    pub subnets: Vec<String>,
    /// Security group ids in that VPC.
    pub security_group_ids: Vec<String>,
}

/// The "new environment" form as typed: strings, parsed and checked by
/// [`super::validate_new_environment`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEnvironment {
    /// Environment name.
    pub name: String,
    /// Region code.
    pub region: String,
    /// Max vCPUs, as typed.
    pub max_vcpus: String,
    /// Batch service role ARN, or empty for the service-linked role.
    pub service_role: String,
}

/// Max vCPUs offered when the user does not say.
pub const DEFAULT_MAX_VCPUS: u32 = 16;

impl EnvironmentSpec {
    /// The minimal environment of the first slice: a cluster, a FARGATE compute
    /// environment on `network`, and one enabled job queue, all named after `name`.
    pub fn minimal(
        name: &str,
        region: &str,
        max_vcpus: u32,
        service_role: Option<String>,
        network: Network,
    ) -> Self {
        EnvironmentSpec {
            schema_version: SCHEMA_VERSION,
            name: name.to_owned(),
            region: region.to_owned(),
            assume_role: None,
            tags: BTreeMap::new(),
            cluster: ClusterSpec {
                name: name.to_owned(),
                container_insights: false,
            },
            capacity: None,
            compute_environment: ComputeEnvironmentSpec {
                service_role,
                ..ComputeEnvironmentSpec::fargate(&format!("{name}-ce"), max_vcpus, &network)
            },
            job_queue: Some(JobQueueSpec::new(&format!("{name}-queue"))),
            task_definition: None,
            job_definition: None,
            network,
        }
    }

    /// The AWS name of the environment's resource of `kind`, if the environment has one
    /// (an existing Auto Scaling group is not the environment's own).
    pub fn resource_name(&self, kind: super::ResourceKind) -> Option<&str> {
        use super::ResourceKind as K;
        match kind {
            K::Cluster => Some(&self.cluster.name),
            K::ClusterCapacityProviders => {
                self.capacity.as_ref().map(|_| self.cluster.name.as_str())
            }
            K::AutoScalingGroup => match &self.capacity.as_ref()?.auto_scaling_group {
                AutoScalingGroupSource::Create(g) => Some(&g.name),
                AutoScalingGroupSource::Existing { .. } => None,
            },
            K::CapacityProvider => Some(&self.capacity.as_ref()?.provider.name),
            K::ComputeEnvironment => Some(&self.compute_environment.name),
            K::JobQueue => Some(&self.job_queue.as_ref()?.name),
            K::TaskDefinition => Some(&self.task_definition.as_ref()?.family),
            K::JobDefinition => Some(&self.job_definition.as_ref()?.name),
        }
    }

    /// Parses a stored spec (JSON), upgrading older schema versions and refusing a
    /// schema newer than this build knows.
    pub fn from_json(json: &str) -> Result<Self, String> {
        let spec: EnvironmentSpec =
            serde_json::from_str(json).map_err(|e| format!("stored spec is not valid: {e}"))?;
        spec.upgraded()
    }

    /// Parses a spec written as YAML (an export, or one written by hand), upgrading older
    /// schema versions exactly as [`EnvironmentSpec::from_json`] does.
    pub fn from_yaml(yaml: &str) -> Result<Self, String> {
        let spec: EnvironmentSpec =
            serde_norway::from_str(yaml).map_err(|e| format!("spec is not valid YAML: {e}"))?;
        spec.upgraded()
    }

    /// The spec at [`SCHEMA_VERSION`], or the refusal of a newer schema.
    fn upgraded(self) -> Result<Self, String> {
        let mut spec = self;
        match spec.schema_version {
            1 => {
                // Version 1 had no network section: the compute environment's subnets
                // and security groups were the only ones.
                spec.network.subnets = spec.compute_environment.subnets.clone();
                spec.network.security_group_ids =
                    spec.compute_environment.security_group_ids.clone();
                spec.schema_version = SCHEMA_VERSION;
                Ok(spec)
            }
            SCHEMA_VERSION => Ok(spec),
            newer => Err(format!(
                "the spec has schema version {newer}, this console knows up to {SCHEMA_VERSION}"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net() -> Network {
        Network {
            vpc_id: "vpc-1".into(),
            subnets: vec!["subnet-1".into()],
            security_group_ids: vec!["sg-1".into()],
        }
    }

    #[test]
    fn minimal_derives_resource_names() {
        let s = EnvironmentSpec::minimal("infer", "us-east-1", 16, None, net());
        assert_eq!(s.cluster.name, "infer");
        assert_eq!(s.compute_environment.name, "infer-ce");
        assert_eq!(s.job_queue.unwrap().name, "infer-queue");
        assert_eq!(s.compute_environment.subnets, vec!["subnet-1".to_string()]);
    }

    #[test]
    fn json_round_trip_and_version_gate() {
        let s = EnvironmentSpec::minimal("infer", "us-east-1", 16, None, net());
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains("\"compute_type\":\"FARGATE\""));
        assert_eq!(EnvironmentSpec::from_json(&json).unwrap(), s);
        let newer = json.replace("\"schema_version\":2", "\"schema_version\":99");
        assert!(
            EnvironmentSpec::from_json(&newer)
                .unwrap_err()
                .contains("99")
        );
    }

    /// A spec stored by the first slice (schema version 1), byte for byte.
    const V1: &str = r#"{"schema_version":1,"name":"infer","region":"us-east-1","cluster":{"name":"infer","container_insights":false},"compute_environment":{"name":"infer-ce","compute_type":"FARGATE","max_vcpus":16,"subnets":["subnet-0123456789abcdef0"],"security_group_ids":["sg-12345678"],"service_role":null},"job_queue":{"name":"infer-queue","priority":1,"enabled":true}}"#;

    #[test]
    fn a_version_1_spec_still_loads() {
        let s = EnvironmentSpec::from_json(V1).unwrap();
        assert_eq!(s.schema_version, SCHEMA_VERSION);
        assert_eq!(
            s.network.subnets,
            vec!["subnet-0123456789abcdef0".to_string()]
        );
        assert_eq!(
            s.network.security_group_ids,
            vec!["sg-12345678".to_string()]
        );
        assert_eq!(s.compute_environment.min_vcpus, 0);
        assert!(s.compute_environment.enabled);
        assert_eq!(s.capacity, None);
        assert_eq!(crate::domain::validate(&s), vec![]);
    }
}
