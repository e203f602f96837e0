//! The environment as an AWS CloudFormation template (JSON).
//!
//! One resource per resource of the spec, under fixed logical ids ([`logical_id`]), tied
//! together as CloudFormation expects: `Ref` of the cluster (its name), the launch
//! template (its id), the group (its name, which a capacity provider accepts), the
//! capacity provider (its name) and the compute environment (its ARN); `Fn::GetAtt` of
//! the launch template's latest version (CloudFormation does not take `$Latest`) and the
//! cluster's ARN; `DependsOn` so that the group is deleted before the cluster (a cluster
//! with registered instances cannot be deleted).

use serde_json::{Value, json};

use super::payloads::{self, Case};
use super::{Group, created_group, enabled, name, user_data};
use crate::domain::ResourceKind;
use crate::domain::spec::{AutoScalingGroupSource, EnvironmentSpec};

/// The logical id of the template's resource of `kind`.
pub fn logical_id(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Cluster => "Cluster",
        ResourceKind::AutoScalingGroup => "AutoScalingGroup",
        ResourceKind::CapacityProvider => "CapacityProvider",
        ResourceKind::ClusterCapacityProviders => "ClusterCapacityProviders",
        ResourceKind::ComputeEnvironment => "ComputeEnvironment",
        ResourceKind::JobQueue => "JobQueue",
        ResourceKind::TaskDefinition => "TaskDefinition",
        ResourceKind::JobDefinition => "JobDefinition",
    }
}

/// The logical id of the group's launch template.
pub const LAUNCH_TEMPLATE: &str = "LaunchTemplate";

const P: Case = Case::Pascal;

fn reference(kind: ResourceKind) -> Value {
    json!({ "Ref": logical_id(kind) })
}

/// ECS, EC2 and Auto Scaling tags: `[{Key, Value}]`; `None` when there are none.
fn tag_list(spec: &EnvironmentSpec) -> Value {
    if spec.tags.is_empty() {
        return Value::Null;
    }
    spec.tags
        .iter()
        .map(|(k, v)| json!({ "Key": k, "Value": v }))
        .collect()
}

/// Batch tags: a map.
fn tag_map(spec: &EnvironmentSpec) -> Value {
    if spec.tags.is_empty() {
        Value::Null
    } else {
        json!(spec.tags)
    }
}

fn resource(kind: &str, properties: Value) -> Value {
    json!({ "Type": kind, "Properties": properties })
}

/// The template: every resource of `spec`, and outputs naming what was made.
pub fn template(spec: &EnvironmentSpec) -> Value {
    let mut resources = serde_json::Map::new();
    let mut outputs = serde_json::Map::new();
    let mut put = |id: &str, value: Value| {
        resources.insert(id.to_owned(), value);
    };
    let mut output = |id: &str, description: &str, value: Value| {
        outputs.insert(
            id.to_owned(),
            json!({ "Description": description, "Value": value }),
        );
    };

    put(
        logical_id(ResourceKind::Cluster),
        resource(
            "AWS::ECS::Cluster",
            payloads::object(
                P,
                vec![
                    ("clusterName", json!(name(spec, ResourceKind::Cluster))),
                    (
                        "clusterSettings",
                        json!([{
                            "Name": "containerInsights",
                            "Value": if spec.cluster.container_insights { "enabled" } else { "disabled" },
                        }]),
                    ),
                    ("tags", tag_list(spec)),
                ],
            ),
        ),
    );
    output(
        "ClusterArn",
        "The ECS cluster",
        json!({ "Fn::GetAtt": [logical_id(ResourceKind::Cluster), "Arn"] }),
    );

    if let Some(capacity) = &spec.capacity {
        let group_arn = match &capacity.auto_scaling_group {
            AutoScalingGroupSource::Existing { arn, .. } => json!(arn),
            AutoScalingGroupSource::Create(_) => reference(ResourceKind::AutoScalingGroup),
        };
        if let Some(g) = created_group(spec) {
            put(LAUNCH_TEMPLATE, launch_template(spec, &g));
            let group = g.group;
            let tags: Value = spec
                .tags
                .iter()
                .map(|(k, v)| json!({ "Key": k, "Value": v, "PropagateAtLaunch": true }))
                .collect::<Vec<_>>()
                .into();
            let mut properties = payloads::object(
                P,
                vec![
                    (
                        "autoScalingGroupName",
                        json!(name(spec, ResourceKind::AutoScalingGroup)),
                    ),
                    ("minSize", json!(group.min_size)),
                    ("maxSize", json!(group.max_size)),
                    ("desiredCapacity", json!(group.desired_capacity)),
                    (
                        "newInstancesProtectedFromScaleIn",
                        json!(group.protect_from_scale_in),
                    ),
                    (
                        "mixedInstancesPolicy",
                        json!({
                            "LaunchTemplate": {
                                "LaunchTemplateSpecification": {
                                    "LaunchTemplateId": { "Ref": LAUNCH_TEMPLATE },
                                    "Version": { "Fn::GetAtt": [LAUNCH_TEMPLATE, "LatestVersionNumber"] },
                                },
                                "Overrides": group.instance_types.iter()
                                    .map(|t| json!({ "InstanceType": t }))
                                    .collect::<Vec<_>>(),
                            }
                        }),
                    ),
                    (
                        "tags",
                        if spec.tags.is_empty() {
                            Value::Null
                        } else {
                            tags
                        },
                    ),
                ],
            );
            // CloudFormation's spelling, not PascalCase of "vpcZoneIdentifier".
            properties["VPCZoneIdentifier"] = json!(g.subnets);
            let mut group_resource = resource("AWS::AutoScaling::AutoScalingGroup", properties);
            group_resource["DependsOn"] = json!([logical_id(ResourceKind::Cluster)]);
            put(logical_id(ResourceKind::AutoScalingGroup), group_resource);
        }

        let p = &capacity.provider;
        let m = &p.managed_scaling;
        put(
            logical_id(ResourceKind::CapacityProvider),
            resource(
                "AWS::ECS::CapacityProvider",
                payloads::object(
                    P,
                    vec![
                        ("name", json!(name(spec, ResourceKind::CapacityProvider))),
                        (
                            "autoScalingGroupProvider",
                            payloads::object(
                                P,
                                vec![
                                    ("autoScalingGroupArn", group_arn),
                                    (
                                        "managedScaling",
                                        payloads::object(
                                            P,
                                            vec![
                                                ("status", json!(enabled(m.enabled))),
                                                ("targetCapacity", json!(m.target_capacity)),
                                                (
                                                    "minimumScalingStepSize",
                                                    json!(m.minimum_scaling_step_size),
                                                ),
                                                (
                                                    "maximumScalingStepSize",
                                                    json!(m.maximum_scaling_step_size),
                                                ),
                                                (
                                                    "instanceWarmupPeriod",
                                                    json!(m.instance_warmup_period),
                                                ),
                                            ],
                                        ),
                                    ),
                                    (
                                        "managedTerminationProtection",
                                        json!(enabled(p.managed_termination_protection)),
                                    ),
                                    ("managedDraining", json!(enabled(p.managed_draining))),
                                ],
                            ),
                        ),
                        ("tags", tag_list(spec)),
                    ],
                ),
            ),
        );
        put(
            logical_id(ResourceKind::ClusterCapacityProviders),
            resource(
                "AWS::ECS::ClusterCapacityProviderAssociations",
                json!({
                    "Cluster": reference(ResourceKind::Cluster),
                    "CapacityProviders": [reference(ResourceKind::CapacityProvider)],
                    "DefaultCapacityProviderStrategy": [{
                        "CapacityProvider": reference(ResourceKind::CapacityProvider),
                        "Base": capacity.strategy.base,
                        "Weight": capacity.strategy.weight,
                    }],
                }),
            ),
        );
        output(
            "CapacityProviderName",
            "The ECS capacity provider",
            reference(ResourceKind::CapacityProvider),
        );
    }

    put(
        logical_id(ResourceKind::ComputeEnvironment),
        compute_environment(spec),
    );
    output(
        "ComputeEnvironmentArn",
        "The Batch compute environment",
        reference(ResourceKind::ComputeEnvironment),
    );

    if let Some(q) = &spec.job_queue {
        let order: Vec<Value> = std::iter::once(reference(ResourceKind::ComputeEnvironment))
            .chain(q.extra_compute_environments.iter().map(|arn| json!(arn)))
            .zip(1..)
            .map(|(ce, order)| json!({ "ComputeEnvironment": ce, "Order": order }))
            .collect();
        let limits: Vec<Value> = q
            .job_state_time_limit_actions
            .iter()
            .map(|a| {
                json!({
                    "Action": "CANCEL",
                    "MaxTimeSeconds": a.max_time_seconds,
                    "Reason": a.reason,
                    "State": "RUNNABLE",
                })
            })
            .collect();
        put(
            logical_id(ResourceKind::JobQueue),
            resource(
                "AWS::Batch::JobQueue",
                payloads::object(
                    P,
                    vec![
                        ("jobQueueName", json!(name(spec, ResourceKind::JobQueue))),
                        ("priority", json!(q.priority)),
                        ("state", json!(enabled(q.enabled))),
                        ("computeEnvironmentOrder", json!(order)),
                        (
                            "jobStateTimeLimitActions",
                            if limits.is_empty() {
                                Value::Null
                            } else {
                                json!(limits)
                            },
                        ),
                        ("tags", tag_map(spec)),
                    ],
                ),
            ),
        );
        output(
            "JobQueueArn",
            "The Batch job queue",
            reference(ResourceKind::JobQueue),
        );
    }

    if let Some(t) = &spec.task_definition {
        put(
            logical_id(ResourceKind::TaskDefinition),
            resource(
                "AWS::ECS::TaskDefinition",
                payloads::object(
                    P,
                    vec![
                        ("family", json!(name(spec, ResourceKind::TaskDefinition))),
                        ("cpu", json!(t.cpu.map(|c| c.to_string()))),
                        ("memory", json!(t.memory.map(|m| m.to_string()))),
                        ("networkMode", json!(payloads::network_mode(t))),
                        (
                            "requiresCompatibilities",
                            json!(payloads::compatibilities(t)),
                        ),
                        ("executionRoleArn", json!(t.execution_role)),
                        ("taskRoleArn", json!(t.task_role)),
                        (
                            "containerDefinitions",
                            payloads::container_definitions(P, t),
                        ),
                        ("tags", tag_list(spec)),
                    ],
                ),
            ),
        );
        output(
            "TaskDefinitionArn",
            "The ECS task definition (this revision)",
            reference(ResourceKind::TaskDefinition),
        );
    }

    if let Some(j) = &spec.job_definition {
        put(
            logical_id(ResourceKind::JobDefinition),
            resource(
                "AWS::Batch::JobDefinition",
                payloads::object(
                    P,
                    vec![
                        (
                            "jobDefinitionName",
                            json!(name(spec, ResourceKind::JobDefinition)),
                        ),
                        ("type", json!("container")),
                        ("platformCapabilities", json!([payloads::platform(j)])),
                        ("containerProperties", payloads::container_properties(P, j)),
                        ("retryStrategy", json!({ "Attempts": j.retry_attempts })),
                        (
                            "timeout",
                            j.timeout_seconds
                                .map_or(Value::Null, |s| json!({ "AttemptDurationSeconds": s })),
                        ),
                        ("tags", tag_map(spec)),
                    ],
                ),
            ),
        );
        output(
            "JobDefinitionArn",
            "The Batch job definition (this revision)",
            reference(ResourceKind::JobDefinition),
        );
    }

    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!(
            "Batch inference environment {} in {}, exported by the batch-inference console",
            spec.name, spec.region
        ),
        "Resources": resources,
        "Outputs": outputs,
    })
}

/// The group's launch template: the ECS-optimised AMI of the family (EC2 resolves the
/// public SSM parameter at each launch), the instance profile, the network's security
/// groups, and user data that joins the cluster.
fn launch_template(spec: &EnvironmentSpec, g: &Group<'_>) -> Value {
    let profile = g
        .group
        .instance_profile
        .as_deref()
        .map_or(Value::Null, |p| {
            if p.starts_with("arn:") {
                json!({ "Arn": p })
            } else {
                json!({ "Name": p })
            }
        });
    // The cluster's name comes in through `${Cluster}` (its Ref), so the template
    // depends on the cluster.
    let script = user_data("${Cluster}");
    let tags = tag_list(spec);
    resource(
        "AWS::EC2::LaunchTemplate",
        payloads::object(
            P,
            vec![
                ("launchTemplateName", json!(g.launch_template)),
                (
                    "launchTemplateData",
                    payloads::object(
                        P,
                        vec![
                            (
                                "imageId",
                                json!(format!("resolve:ssm:{}", g.group.image().ami_parameter())),
                            ),
                            ("iamInstanceProfile", profile),
                            ("securityGroupIds", json!(spec.network.security_group_ids)),
                            ("userData", json!({ "Fn::Base64": { "Fn::Sub": script } })),
                        ],
                    ),
                ),
                (
                    "tagSpecifications",
                    if tags.is_null() {
                        Value::Null
                    } else {
                        json!([{ "ResourceType": "launch-template", "Tags": tags }])
                    },
                ),
            ],
        ),
    )
}

fn compute_environment(spec: &EnvironmentSpec) -> Value {
    let ce = &spec.compute_environment;
    let mut fields = vec![
        ("type", json!(ce.compute_type.as_aws())),
        ("maxvCpus", json!(ce.max_vcpus)),
        ("subnets", json!(ce.subnets)),
        ("securityGroupIds", json!(ce.security_group_ids)),
    ];
    // The EC2-only fields only for EC2 and SPOT, as the console sends them.
    if !ce.compute_type.is_fargate() {
        fields.extend([
            ("minvCpus", json!(ce.min_vcpus)),
            ("desiredvCpus", json!(ce.desired_vcpus)),
            ("instanceTypes", json!(ce.instance_types)),
            (
                "allocationStrategy",
                json!(ce.allocation_strategy.map(|a| a.as_aws())),
            ),
            ("instanceRole", json!(ce.instance_role)),
            ("bidPercentage", json!(ce.bid_percentage)),
            ("spotIamFleetRole", json!(ce.spot_iam_fleet_role)),
            (
                "ec2Configuration",
                ce.image_type
                    .map_or(Value::Null, |i| json!([{ "ImageType": i.as_aws() }])),
            ),
        ]);
    }
    resource(
        "AWS::Batch::ComputeEnvironment",
        payloads::object(
            P,
            vec![
                (
                    "computeEnvironmentName",
                    json!(name(spec, ResourceKind::ComputeEnvironment)),
                ),
                ("type", json!("MANAGED")),
                ("state", json!(enabled(ce.enabled))),
                // None: AWS uses the AWSServiceRoleForBatch service-linked role.
                ("serviceRole", json!(ce.service_role)),
                ("computeResources", payloads::object(P, fields)),
                ("tags", tag_map(spec)),
            ],
        ),
    )
}
