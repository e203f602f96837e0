//! Presets: complete specs for the common shapes of batch inference, to start from.

use std::collections::BTreeMap;

use super::{
    AllocationStrategy, AutoScalingGroupSource, CapacityProviderSpec, CapacitySpec, Compatibility,
    ComputeEnvironmentSpec, ComputeType, ContainerSpec, EnvironmentSpec, ImageType,
    JobDefinitionSpec, LogConfiguration, ManagedScaling, Network, NetworkMode, NewAutoScalingGroup,
    Platform, PortMapping, Protocol, StrategyItem, TaskDefinitionSpec,
};

/// The roles a preset needs, found in (or created for) the target account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresetRoles {
    /// Instance profile ARN of EC2 container instances.
    pub instance_profile: String,
    /// Task/job execution role ARN (image pulls, logs).
    pub execution_role: String,
    /// Role the inference container acts as.
    pub job_role: String,
}

/// The inference container of the presets' task definitions.
fn container(
    image: &str,
    command: &[String],
    gpus: u32,
    ports: Vec<PortMapping>,
    logs: LogConfiguration,
) -> ContainerSpec {
    ContainerSpec {
        name: "inference".into(),
        image: image.to_owned(),
        command: command.to_vec(),
        environment: BTreeMap::new(),
        port_mappings: ports,
        gpus,
        memory_reservation: None,
        essential: true,
        log_configuration: Some(logs),
    }
}

/// Sizing of a preset's job definition.
struct JobSize {
    vcpus: f64,
    memory: u32,
    gpus: u32,
    retry_attempts: u32,
    timeout_seconds: u32,
    platform: Platform,
}

fn job_definition(
    name: &str,
    image: &str,
    command: &[String],
    size: JobSize,
    roles: &PresetRoles,
    logs: LogConfiguration,
) -> JobDefinitionSpec {
    JobDefinitionSpec {
        name: format!("{name}-job"),
        image: image.to_owned(),
        command: command.to_vec(),
        vcpus: size.vcpus,
        memory: size.memory,
        gpus: size.gpus,
        environment: BTreeMap::new(),
        job_role: Some(roles.job_role.clone()),
        execution_role: Some(roles.execution_role.clone()),
        retry_attempts: size.retry_attempts,
        timeout_seconds: Some(size.timeout_seconds),
        platform: size.platform,
        log_configuration: Some(logs),
    }
}

/// Which preset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// GPU inference on g5 instances: EC2 capacity provider and EC2 compute environment.
    GpuG5,
    /// CPU inference on Fargate.
    CpuFargate,
    /// Batch jobs on Spot instances.
    SpotBatch,
}

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 3] = [Preset::GpuG5, Preset::CpuFargate, Preset::SpotBatch];

    /// A person's name for it.
    pub fn label(self) -> &'static str {
        match self {
            Preset::GpuG5 => "GPU inference on g5",
            Preset::CpuFargate => "CPU inference on Fargate",
            Preset::SpotBatch => "Spot batch",
        }
    }

    /// The spec of this preset for `name` in `region` on `network`.
    pub fn spec(
        self,
        name: &str,
        region: &str,
        network: Network,
        roles: &PresetRoles,
    ) -> EnvironmentSpec {
        let mut spec = EnvironmentSpec::minimal(name, region, 16, None, network);
        let logs = |prefix: &str| LogConfiguration {
            driver: "awslogs".into(),
            options: BTreeMap::from([
                ("awslogs-group".into(), format!("/batch-inference/{name}")),
                ("awslogs-region".into(), region.into()),
                ("awslogs-stream-prefix".into(), prefix.into()),
            ]),
        };
        let image = "public.ecr.aws/docker/library/python:3.12-slim".to_owned();
        let command: Vec<String> = vec!["python3".into(), "-m".into(), "inference".into()];
        match self {
            Preset::GpuG5 => {
                let types = vec!["g5.xlarge".to_owned(), "g5.2xlarge".to_owned()];
                spec.capacity = Some(CapacitySpec {
                    auto_scaling_group: AutoScalingGroupSource::Create(NewAutoScalingGroup {
                        name: format!("{name}-asg"),
                        instance_types: types.clone(),
                        min_size: 0,
                        max_size: 8,
                        desired_capacity: 0,
                        subnets: Vec::new(),
                        protect_from_scale_in: true,
                        instance_profile: Some(roles.instance_profile.clone()),
                        image_type: Some(ImageType::EcsAl2023Nvidia),
                    }),
                    provider: CapacityProviderSpec {
                        name: format!("{name}-cp"),
                        managed_scaling: ManagedScaling::default(),
                        managed_termination_protection: true,
                        managed_draining: true,
                    },
                    strategy: StrategyItem { base: 0, weight: 1 },
                });
                let ce = &mut spec.compute_environment;
                ce.compute_type = ComputeType::Ec2;
                ce.allocation_strategy = Some(AllocationStrategy::BestFitProgressive);
                ce.max_vcpus = 64;
                ce.instance_types = types;
                ce.image_type = Some(ImageType::EcsAl2023Nvidia);
                ce.instance_role = Some(roles.instance_profile.clone());
                spec.task_definition = Some(TaskDefinitionSpec {
                    family: format!("{name}-task"),
                    cpu: Some(4096),
                    memory: Some(15_360),
                    network_mode: NetworkMode::Awsvpc,
                    requires_compatibilities: vec![Compatibility::Ec2],
                    execution_role: Some(roles.execution_role.clone()),
                    task_role: Some(roles.job_role.clone()),
                    containers: vec![container(
                        &image,
                        &command,
                        1,
                        vec![PortMapping {
                            container_port: 8080,
                            host_port: None,
                            protocol: Protocol::Tcp,
                        }],
                        logs("task"),
                    )],
                });
                let size = JobSize {
                    vcpus: 4.0,
                    memory: 15_360,
                    gpus: 1,
                    retry_attempts: 2,
                    timeout_seconds: 3600,
                    platform: Platform::Ec2,
                };
                spec.job_definition = Some(job_definition(
                    name,
                    &image,
                    &command,
                    size,
                    roles,
                    logs("job"),
                ));
            }
            Preset::CpuFargate => {
                spec.compute_environment =
                    ComputeEnvironmentSpec::fargate(&format!("{name}-ce"), 64, &spec.network);
                spec.task_definition = Some(TaskDefinitionSpec {
                    family: format!("{name}-task"),
                    cpu: Some(1024),
                    memory: Some(2048),
                    network_mode: NetworkMode::Awsvpc,
                    requires_compatibilities: vec![Compatibility::Fargate],
                    execution_role: Some(roles.execution_role.clone()),
                    task_role: Some(roles.job_role.clone()),
                    containers: vec![container(&image, &command, 0, Vec::new(), logs("task"))],
                });
                let size = JobSize {
                    vcpus: 1.0,
                    memory: 2048,
                    gpus: 0,
                    retry_attempts: 1,
                    timeout_seconds: 1800,
                    platform: Platform::Fargate,
                };
                spec.job_definition = Some(job_definition(
                    name,
                    &image,
                    &command,
                    size,
                    roles,
                    logs("job"),
                ));
            }
            Preset::SpotBatch => {
                let ce = &mut spec.compute_environment;
                ce.compute_type = ComputeType::Spot;
                ce.allocation_strategy = Some(AllocationStrategy::SpotPriceCapacityOptimized);
                ce.max_vcpus = 256;
                ce.instance_types = vec!["c6i".into(), "m6i".into(), "c7i".into()];
                ce.image_type = Some(ImageType::EcsAl2023);
                ce.instance_role = Some(roles.instance_profile.clone());
                let size = JobSize {
                    vcpus: 2.0,
                    memory: 4096,
                    gpus: 0,
                    retry_attempts: 3,
                    timeout_seconds: 3600,
                    platform: Platform::Ec2,
                };
                spec.job_definition = Some(job_definition(
                    name,
                    &image,
                    &command,
                    size,
                    roles,
                    logs("job"),
                ));
            }
        }
        spec
    }
}
