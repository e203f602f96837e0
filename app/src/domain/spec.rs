//! The environment spec: what the user asks for, versioned and serialisable.

use serde::{Deserialize, Serialize};

/// The schema version written into every stored spec.
pub const SCHEMA_VERSION: u32 = 1;

/// An environment: the AWS resources that run a team's inference containers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentSpec {
    /// Version of this schema the spec was written with.
    pub schema_version: u32,
    /// The environment's name; every resource name derives from it.
    pub name: String,
    /// AWS region code, e.g. `us-east-1`.
    pub region: String,
    /// The ECS cluster.
    pub cluster: ClusterSpec,
    /// The Batch managed compute environment.
    pub compute_environment: ComputeEnvironmentSpec,
    /// The Batch job queue.
    pub job_queue: JobQueueSpec,
}

/// An ECS cluster (ecs:CreateCluster).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterSpec {
    /// Cluster name.
    pub name: String,
    /// Whether CloudWatch Container Insights is enabled.
    pub container_insights: bool,
}

/// The provisioning model of a Batch managed compute environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ComputeType {
    /// AWS Fargate, on-demand.
    Fargate,
    /// AWS Fargate Spot.
    FargateSpot,
}

impl ComputeType {
    /// The value AWS Batch uses.
    pub fn as_aws(self) -> &'static str {
        match self {
            ComputeType::Fargate => "FARGATE",
            ComputeType::FargateSpot => "FARGATE_SPOT",
        }
    }
}

/// A Batch managed compute environment (batch:CreateComputeEnvironment).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComputeEnvironmentSpec {
    /// Compute environment name.
    pub name: String,
    /// FARGATE or FARGATE_SPOT.
    pub compute_type: ComputeType,
    /// The most vCPUs the environment may run at once.
    pub max_vcpus: u32,
    /// Subnets the jobs' network interfaces go in.
    pub subnets: Vec<String>,
    /// Security groups of the jobs' network interfaces (Fargate requires at least one).
    pub security_group_ids: Vec<String>,
    /// The Batch service role; `None` uses the AWSServiceRoleForBatch service-linked role.
    pub service_role: Option<String>,
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
}

/// The network a new environment is placed in (found by the server, e.g. the default VPC).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
            cluster: ClusterSpec {
                name: name.to_owned(),
                container_insights: false,
            },
            compute_environment: ComputeEnvironmentSpec {
                name: format!("{name}-ce"),
                compute_type: ComputeType::Fargate,
                max_vcpus,
                subnets: network.subnets,
                security_group_ids: network.security_group_ids,
                service_role,
            },
            job_queue: JobQueueSpec {
                name: format!("{name}-queue"),
                priority: 1,
                enabled: true,
            },
        }
    }

    /// The AWS name of the environment's resource of `kind`.
    pub fn resource_name(&self, kind: super::ResourceKind) -> &str {
        match kind {
            super::ResourceKind::Cluster => &self.cluster.name,
            super::ResourceKind::ComputeEnvironment => &self.compute_environment.name,
            super::ResourceKind::JobQueue => &self.job_queue.name,
        }
    }

    /// Parses a stored spec (JSON), refusing a schema newer than this build knows.
    pub fn from_json(json: &str) -> Result<Self, String> {
        let spec: EnvironmentSpec =
            serde_json::from_str(json).map_err(|e| format!("stored spec is not valid: {e}"))?;
        if spec.schema_version > SCHEMA_VERSION {
            return Err(format!(
                "stored spec has schema version {}, this console knows up to {SCHEMA_VERSION}",
                spec.schema_version
            ));
        }
        Ok(spec)
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
        assert_eq!(s.job_queue.name, "infer-queue");
        assert_eq!(s.compute_environment.subnets, vec!["subnet-1".to_string()]);
    }

    #[test]
    fn json_round_trip_and_version_gate() {
        let s = EnvironmentSpec::minimal("infer", "us-east-1", 16, None, net());
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains("\"compute_type\":\"FARGATE\""));
        assert_eq!(EnvironmentSpec::from_json(&json).unwrap(), s);
        let newer = json.replace("\"schema_version\":1", "\"schema_version\":99");
        assert!(
            EnvironmentSpec::from_json(&newer)
                .unwrap_err()
                .contains("99")
        );
    }
}
