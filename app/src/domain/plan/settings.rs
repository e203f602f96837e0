//! The settings each resource is created with, as `(AWS field, value)`, and what a change
//! of each field costs: an in-place update, or a replacement (with the reason), following
//! the AWS Update* APIs.

use crate::domain::ResourceKind;
use crate::domain::spec::{AllocationStrategy, AutoScalingGroupSource, EnvironmentSpec};

/// What changing a field takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnChange {
    /// An Update* call changes it in place.
    Update,
    /// AWS cannot change it: the resource is replaced, for this reason.
    Replace(&'static str),
}

/// One setting of a resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    /// The AWS API field, e.g. `computeResources.maxvCpus`.
    pub field: &'static str,
    /// Its value, rendered.
    pub value: String,
    /// What changing it takes.
    pub on_change: OnChange,
}

fn set(field: &'static str, value: impl Into<String>, on_change: OnChange) -> Setting {
    Setting {
        field,
        value: value.into(),
        on_change,
    }
}

fn list(items: &[String]) -> String {
    items.join(", ")
}

fn tags(spec: &EnvironmentSpec) -> String {
    spec.tags
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

const NAME: OnChange = OnChange::Replace("AWS cannot rename it");
const UPDATE: OnChange = OnChange::Update;
const REVISION: OnChange = OnChange::Replace(
    "definitions are immutable: a new revision is registered and the old one deregistered",
);

fn yes_no(b: bool) -> &'static str {
    if b { "ENABLED" } else { "DISABLED" }
}

fn opt(v: Option<impl ToString>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The settings of the environment's resource of `kind`, or `None` if the spec has no
/// such resource.
pub fn settings(spec: &EnvironmentSpec, kind: ResourceKind) -> Option<Vec<Setting>> {
    Some(match kind {
        ResourceKind::AutoScalingGroup => {
            let AutoScalingGroupSource::Create(g) = &spec.capacity.as_ref()?.auto_scaling_group
            else {
                return None;
            };
            let subnets = if g.subnets.is_empty() {
                &spec.network.subnets
            } else {
                &g.subnets
            };
            vec![
                set("AutoScalingGroupName", &g.name, NAME),
                // UpdateAutoScalingGroup changes all of these in place; new instance
                // types apply to instances launched afterwards.
                set(
                    "MixedInstancesPolicy.Overrides.InstanceType",
                    list(&g.instance_types),
                    UPDATE,
                ),
                set("MinSize", g.min_size.to_string(), UPDATE),
                set("MaxSize", g.max_size.to_string(), UPDATE),
                set("DesiredCapacity", g.desired_capacity.to_string(), UPDATE),
                set("VPCZoneIdentifier", list(subnets), UPDATE),
                set(
                    "NewInstancesProtectedFromScaleIn",
                    g.protect_from_scale_in.to_string(),
                    UPDATE,
                ),
                // The launch template (named after the group) gets a new version that
                // instances launched afterwards use ($Latest).
                set(
                    "LaunchTemplate.ImageId",
                    format!("resolve:ssm:{}", g.image().ami_parameter()),
                    UPDATE,
                ),
                set(
                    "LaunchTemplate.IamInstanceProfile",
                    opt(g.instance_profile.as_ref()),
                    UPDATE,
                ),
                set(
                    "LaunchTemplate.SecurityGroupIds",
                    list(&spec.network.security_group_ids),
                    UPDATE,
                ),
                set(
                    "LaunchTemplate.UserData",
                    format!("ECS_CLUSTER={}", spec.cluster.name),
                    UPDATE,
                ),
                set("Tags", tags(spec), UPDATE),
            ]
        }
        ResourceKind::CapacityProvider => {
            let c = spec.capacity.as_ref()?;
            let p = &c.provider;
            let m = &p.managed_scaling;
            let asg = match &c.auto_scaling_group {
                AutoScalingGroupSource::Existing { arn, .. } => arn.clone(),
                AutoScalingGroupSource::Create(g) => format!("(the group {})", g.name),
            };
            vec![
                set("name", &p.name, NAME),
                set(
                    "autoScalingGroupProvider.autoScalingGroupArn",
                    asg,
                    OnChange::Replace("a capacity provider's Auto Scaling group cannot be changed"),
                ),
                // UpdateCapacityProvider: managed scaling, termination protection, draining.
                set(
                    "autoScalingGroupProvider.managedScaling.status",
                    yes_no(m.enabled),
                    UPDATE,
                ),
                set(
                    "autoScalingGroupProvider.managedScaling.targetCapacity",
                    m.target_capacity.to_string(),
                    UPDATE,
                ),
                set(
                    "autoScalingGroupProvider.managedScaling.minimumScalingStepSize",
                    m.minimum_scaling_step_size.to_string(),
                    UPDATE,
                ),
                set(
                    "autoScalingGroupProvider.managedScaling.maximumScalingStepSize",
                    m.maximum_scaling_step_size.to_string(),
                    UPDATE,
                ),
                set(
                    "autoScalingGroupProvider.managedScaling.instanceWarmupPeriod",
                    m.instance_warmup_period.to_string(),
                    UPDATE,
                ),
                set(
                    "autoScalingGroupProvider.managedTerminationProtection",
                    yes_no(p.managed_termination_protection),
                    UPDATE,
                ),
                set(
                    "autoScalingGroupProvider.managedDraining",
                    yes_no(p.managed_draining),
                    UPDATE,
                ),
                set("tags", tags(spec), UPDATE),
            ]
        }
        ResourceKind::ClusterCapacityProviders => {
            let c = spec.capacity.as_ref()?;
            // PutClusterCapacityProviders replaces the association and strategy whole.
            vec![
                set("capacityProviders", &c.provider.name, UPDATE),
                set(
                    "defaultCapacityProviderStrategy",
                    format!(
                        "{} (base {}, weight {})",
                        c.provider.name, c.strategy.base, c.strategy.weight
                    ),
                    UPDATE,
                ),
            ]
        }
        ResourceKind::TaskDefinition => {
            let t = spec.task_definition.as_ref()?;
            let containers = serde_json::to_string(&t.containers).unwrap_or_default();
            vec![
                set("family", &t.family, REVISION),
                set("cpu", opt(t.cpu), REVISION),
                set("memory", opt(t.memory), REVISION),
                set(
                    "networkMode",
                    format!("{:?}", t.network_mode).to_lowercase(),
                    REVISION,
                ),
                set(
                    "requiresCompatibilities",
                    t.requires_compatibilities
                        .iter()
                        .map(|c| format!("{c:?}").to_uppercase())
                        .collect::<Vec<_>>()
                        .join(", "),
                    REVISION,
                ),
                set("executionRoleArn", opt(t.execution_role.as_ref()), REVISION),
                set("taskRoleArn", opt(t.task_role.as_ref()), REVISION),
                set("containerDefinitions", containers, REVISION),
                set("tags", tags(spec), UPDATE),
            ]
        }
        ResourceKind::JobDefinition => {
            let j = spec.job_definition.as_ref()?;
            let env = serde_json::to_string(&j.environment).unwrap_or_default();
            vec![
                set("jobDefinitionName", &j.name, REVISION),
                set(
                    "platformCapabilities",
                    format!("{:?}", j.platform).to_uppercase(),
                    REVISION,
                ),
                set("containerProperties.image", &j.image, REVISION),
                set("containerProperties.command", j.command.join(" "), REVISION),
                set(
                    "containerProperties.resourceRequirements.VCPU",
                    j.vcpus.to_string(),
                    REVISION,
                ),
                set(
                    "containerProperties.resourceRequirements.MEMORY",
                    j.memory.to_string(),
                    REVISION,
                ),
                set(
                    "containerProperties.resourceRequirements.GPU",
                    j.gpus.to_string(),
                    REVISION,
                ),
                set("containerProperties.environment", env, REVISION),
                set(
                    "containerProperties.jobRoleArn",
                    opt(j.job_role.as_ref()),
                    REVISION,
                ),
                set(
                    "containerProperties.executionRoleArn",
                    opt(j.execution_role.as_ref()),
                    REVISION,
                ),
                set(
                    "containerProperties.logConfiguration",
                    serde_json::to_string(&j.log_configuration).unwrap_or_default(),
                    REVISION,
                ),
                set(
                    "retryStrategy.attempts",
                    j.retry_attempts.to_string(),
                    REVISION,
                ),
                set(
                    "timeout.attemptDurationSeconds",
                    opt(j.timeout_seconds),
                    REVISION,
                ),
                set("tags", tags(spec), UPDATE),
            ]
        }
        ResourceKind::Cluster => vec![
            set("clusterName", &spec.cluster.name, NAME),
            set(
                "settings.containerInsights",
                if spec.cluster.container_insights {
                    "enabled"
                } else {
                    "disabled"
                },
                UPDATE,
            ),
            set("tags", tags(spec), UPDATE),
        ],
        ResourceKind::ComputeEnvironment => {
            let ce = &spec.compute_environment;
            // UpdateComputeEnvironment changes the instances' configuration in place only
            // for BEST_FIT_PROGRESSIVE and SPOT_* strategies with the service-linked
            // role; otherwise a new compute environment is needed. Fargate updates its
            // network in place.
            let infra = if ce.compute_type.is_fargate() {
                UPDATE
            } else if matches!(
                ce.allocation_strategy,
                None | Some(AllocationStrategy::BestFit)
            ) {
                OnChange::Replace(
                    "a BEST_FIT compute environment cannot change its instances in place",
                )
            } else if ce.service_role.is_some() {
                OnChange::Replace(
                    "in-place infrastructure updates need the AWSServiceRoleForBatch service-linked role",
                )
            } else {
                UPDATE
            };
            let mut out = vec![
                set("computeEnvironmentName", &ce.name, NAME),
                set(
                    "computeResources.type",
                    ce.compute_type.as_aws(),
                    OnChange::Replace(
                        "the provisioning model (EC2, SPOT, FARGATE) is fixed at creation",
                    ),
                ),
                set(
                    "computeResources.maxvCpus",
                    ce.max_vcpus.to_string(),
                    UPDATE,
                ),
                set("computeResources.subnets", list(&ce.subnets), infra),
                set(
                    "computeResources.securityGroupIds",
                    list(&ce.security_group_ids),
                    infra,
                ),
                set(
                    "serviceRole",
                    ce.service_role
                        .clone()
                        .unwrap_or_else(|| "AWSServiceRoleForBatch (service-linked)".into()),
                    UPDATE,
                ),
                set(
                    "state",
                    if ce.enabled { "ENABLED" } else { "DISABLED" },
                    UPDATE,
                ),
                set("tags", tags(spec), UPDATE),
            ];
            if !ce.compute_type.is_fargate() {
                let strategy_change = if matches!(
                    ce.allocation_strategy,
                    None | Some(AllocationStrategy::BestFit)
                ) {
                    OnChange::Replace("BEST_FIT cannot be changed to another strategy in place")
                } else {
                    infra
                };
                out.extend([
                    set(
                        "computeResources.allocationStrategy",
                        ce.allocation_strategy.map_or("BEST_FIT", |a| a.as_aws()),
                        strategy_change,
                    ),
                    set(
                        "computeResources.minvCpus",
                        ce.min_vcpus.to_string(),
                        UPDATE,
                    ),
                    set(
                        "computeResources.desiredvCpus",
                        ce.desired_vcpus.map(|d| d.to_string()).unwrap_or_default(),
                        UPDATE,
                    ),
                    set(
                        "computeResources.instanceTypes",
                        list(&ce.instance_types),
                        infra,
                    ),
                    set(
                        "computeResources.ec2Configuration.imageType",
                        ce.image_type.map_or("", |i| i.as_aws()),
                        infra,
                    ),
                    set(
                        "computeResources.instanceRole",
                        ce.instance_role.clone().unwrap_or_default(),
                        infra,
                    ),
                    set(
                        "computeResources.bidPercentage",
                        ce.bid_percentage.map(|b| b.to_string()).unwrap_or_default(),
                        infra,
                    ),
                    set(
                        "computeResources.spotIamFleetRole",
                        ce.spot_iam_fleet_role.clone().unwrap_or_default(),
                        OnChange::Replace("the Spot Fleet role cannot be updated"),
                    ),
                ]);
            }
            out
        }
        ResourceKind::JobQueue => {
            let q = spec.job_queue.as_ref()?;
            let order = std::iter::once(spec.compute_environment.name.clone())
                .chain(q.extra_compute_environments.iter().cloned())
                .enumerate()
                .map(|(i, ce)| format!("{}: {ce}", i + 1))
                .collect::<Vec<_>>();
            let limits = q
                .job_state_time_limit_actions
                .iter()
                .map(|a| {
                    format!(
                        "CANCEL after {}s RUNNABLE for {}",
                        a.max_time_seconds, a.reason
                    )
                })
                .collect::<Vec<_>>();
            vec![
                set("jobQueueName", &q.name, NAME),
                set("priority", q.priority.to_string(), UPDATE),
                set(
                    "state",
                    if q.enabled { "ENABLED" } else { "DISABLED" },
                    UPDATE,
                ),
                set("computeEnvironmentOrder", list(&order), UPDATE),
                set("jobStateTimeLimitActions", list(&limits), UPDATE),
                set("tags", tags(spec), UPDATE),
            ]
        }
    })
}
