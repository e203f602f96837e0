//! The environment as a Pulumi program in Python (`pulumi_aws` 7).
//!
//! The seed program's shape (one `aws.*` resource per AWS resource, outputs exported at
//! the end), completed: the launch template and Auto Scaling group behind the capacity
//! provider, the job definition, real names, ARNs, subnets and security groups from the
//! spec, the spec's tags on every resource, and an explicit provider for the spec's
//! region (and role to assume). Physical names are given explicitly so that Pulumi does
//! not add its random suffixes: the resources are named exactly as the console names
//! them. Argument names are those of pulumi-aws 7 (`name` on Batch resources, the
//! provider's `assume_roles`).

use std::fmt::Write as _;

use serde_json::Value;

use super::payloads::{self, Case};
use super::{Group, created_group, enabled, name, user_data};
use crate::domain::ResourceKind;
use crate::domain::spec::{AutoScalingGroupSource, EnvironmentSpec};

/// A Python expression.
#[derive(Clone, Debug, PartialEq)]
enum Py {
    /// A literal value (JSON's are Python's, spelled differently for null and booleans).
    Value(Value),
    /// A list of expressions.
    List(Vec<Py>),
    /// A dict with string keys.
    Dict(Vec<(String, Py)>),
    /// Code, as is (a variable, an attribute, a call).
    Code(String),
}

fn code(s: impl Into<String>) -> Py {
    Py::Code(s.into())
}

fn val(v: impl serde::Serialize) -> Py {
    Py::Value(serde_json::to_value(v).unwrap_or(Value::Null))
}

fn dict(fields: Vec<(&str, Py)>) -> Py {
    Py::Dict(
        fields
            .into_iter()
            .filter(|(_, v)| *v != Py::Value(Value::Null))
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

/// A Python string literal (JSON's escapes are all valid Python escapes).
fn string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

impl Py {
    /// The expression on one line.
    fn inline(&self) -> String {
        match self {
            Py::Value(Value::Null) => "None".into(),
            Py::Value(Value::Bool(b)) => if *b { "True" } else { "False" }.into(),
            Py::Value(Value::Number(n)) => n.to_string(),
            Py::Value(Value::String(s)) => string(s),
            Py::Value(Value::Array(items)) => {
                Py::List(items.iter().cloned().map(Py::Value).collect()).inline()
            }
            Py::Value(Value::Object(map)) => Py::Dict(
                map.iter()
                    .map(|(k, v)| (k.clone(), Py::Value(v.clone())))
                    .collect(),
            )
            .inline(),
            Py::List(items) => format!(
                "[{}]",
                items.iter().map(Py::inline).collect::<Vec<_>>().join(", ")
            ),
            Py::Dict(fields) => format!(
                "{{{}}}",
                fields
                    .iter()
                    .map(|(k, v)| format!("{}: {}", string(k), v.inline()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Py::Code(c) => c.clone(),
        }
    }

    /// The expression laid out for reading, starting at column `column` of a line
    /// indented by `indent`: on that line when it fits in 88 columns, else one item per
    /// line, indented one level more.
    fn render(&self, indent: usize, column: usize) -> String {
        let one_line = self.inline();
        if column + one_line.len() <= 88 {
            return one_line;
        }
        let inner = indent + 4;
        let entry = |k: &str, v: &Py| {
            let key = format!("{}: ", string(k));
            let value = v.render(inner, inner + key.len());
            key + &value
        };
        let (open, end, items): (char, char, Vec<String>) = match self {
            Py::Value(Value::Array(items)) => (
                '[',
                ']',
                items
                    .iter()
                    .map(|v| Py::Value(v.clone()).render(inner, inner))
                    .collect(),
            ),
            Py::List(items) => (
                '[',
                ']',
                items.iter().map(|v| v.render(inner, inner)).collect(),
            ),
            Py::Value(Value::Object(map)) => (
                '{',
                '}',
                map.iter()
                    .map(|(k, v)| entry(k, &Py::Value(v.clone())))
                    .collect(),
            ),
            Py::Dict(fields) => ('{', '}', fields.iter().map(|(k, v)| entry(k, v)).collect()),
            _ => return one_line,
        };
        let mut out = String::from(open);
        out.push('\n');
        for item in items {
            let _ = writeln!(out, "{}{item},", " ".repeat(inner));
        }
        out.push_str(&" ".repeat(indent));
        out.push(end);
        out
    }
}

/// A resource: `variable = aws.<class>("<logical name>", <args>, opts=...)`.
struct Resource {
    variable: &'static str,
    class: &'static str,
    logical: String,
    args: Vec<(&'static str, Py)>,
    /// Extra resource options (besides the provider), as Python keyword arguments.
    options: Vec<String>,
    /// A comment above the resource.
    comment: &'static str,
}

impl Resource {
    fn render(&self, out: &mut String) {
        for line in self.comment.lines() {
            let _ = writeln!(out, "# {line}");
        }
        let _ = writeln!(out, "{} = aws.{}(", self.variable, self.class);
        let _ = writeln!(out, "    {},", string(&self.logical));
        for (k, v) in &self.args {
            if *v == Py::Value(Value::Null) {
                continue;
            }
            let _ = writeln!(out, "    {k}={},", v.render(4, 4 + k.len() + 1));
        }
        let mut options = vec!["provider=provider".to_owned()];
        options.extend(self.options.iter().cloned());
        let _ = writeln!(
            out,
            "    opts=pulumi.ResourceOptions({}),",
            options.join(", ")
        );
        out.push_str(")\n\n");
    }
}

/// The program: imports, the provider, one resource per resource of `spec`, outputs.
pub fn program(spec: &EnvironmentSpec) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        r#""""Batch inference environment {name} in {region}, as a Pulumi program.

Exported by the batch-inference console. The same resources, names and settings the
console creates (its own console:* tags aside). Save it as the __main__.py of a
Pulumi Python project (pulumi new python) with pulumi-aws 7, then run pulumi up.
"""

import base64
import json

import pulumi
import pulumi_aws as aws

"#,
        name = spec.name,
        region = spec.region
    );
    let mut provider_args = vec![("region", val(&spec.region))];
    if let Some(r) = &spec.assume_role {
        provider_args.push((
            "assume_roles",
            Py::List(vec![dict(vec![
                ("role_arn", val(&r.role_arn)),
                ("external_id", val(&r.external_id)),
            ])]),
        ));
    }
    let _ = writeln!(
        out,
        "# The spec's region (and role to assume), whatever the stack's config."
    );
    let _ = writeln!(out, "provider = aws.Provider(");
    let _ = writeln!(out, "    {},", string(&spec.region));
    for (k, v) in provider_args {
        let _ = writeln!(out, "    {k}={},", v.render(4, 4 + k.len() + 1));
    }
    out.push_str(")\n\n");
    let _ = writeln!(
        out,
        "# Tags of every resource.\ntags = {}\n",
        val(&spec.tags).render(0, 7)
    );

    for r in resources(spec) {
        r.render(&mut out);
    }

    let mut exports = vec![("cluster_arn", "cluster.arn")];
    if spec.capacity.is_some() {
        exports.push(("capacity_provider_arn", "capacity_provider.arn"));
    }
    if created_group(spec).is_some() {
        exports.push(("auto_scaling_group_arn", "group.arn"));
    }
    exports.push(("compute_environment_arn", "compute_environment.arn"));
    if spec.job_queue.is_some() {
        exports.push(("job_queue_arn", "job_queue.arn"));
    }
    if spec.task_definition.is_some() {
        exports.push(("task_definition_arn", "task_definition.arn"));
    }
    if spec.job_definition.is_some() {
        exports.push(("job_definition_arn", "job_definition.arn"));
    }
    for (key, value) in exports {
        let _ = writeln!(out, "pulumi.export({}, {value})", string(key));
    }
    out
}

fn resources(spec: &EnvironmentSpec) -> Vec<Resource> {
    let mut out = vec![Resource {
        variable: "cluster",
        class: "ecs.Cluster",
        logical: name(spec, ResourceKind::Cluster).to_owned(),
        args: vec![
            ("name", val(name(spec, ResourceKind::Cluster))),
            (
                "settings",
                Py::List(vec![dict(vec![
                    ("name", val("containerInsights")),
                    (
                        "value",
                        val(if spec.cluster.container_insights {
                            "enabled"
                        } else {
                            "disabled"
                        }),
                    ),
                ])]),
            ),
            ("tags", code("tags")),
        ],
        options: vec![],
        comment: "The ECS cluster.",
    }];

    if let Some(capacity) = &spec.capacity {
        let group_arn = match &capacity.auto_scaling_group {
            AutoScalingGroupSource::Existing { arn, .. } => val(arn),
            AutoScalingGroupSource::Create(_) => code("group.arn"),
        };
        if let Some(g) = created_group(spec) {
            out.extend(group(spec, &g));
        }
        let p = &capacity.provider;
        let m = &p.managed_scaling;
        out.push(Resource {
            variable: "capacity_provider",
            class: "ecs.CapacityProvider",
            logical: name(spec, ResourceKind::CapacityProvider).to_owned(),
            args: vec![
                ("name", val(name(spec, ResourceKind::CapacityProvider))),
                (
                    "auto_scaling_group_provider",
                    dict(vec![
                        ("auto_scaling_group_arn", group_arn),
                        (
                            "managed_scaling",
                            dict(vec![
                                ("status", val(enabled(m.enabled))),
                                ("target_capacity", val(m.target_capacity)),
                                (
                                    "minimum_scaling_step_size",
                                    val(m.minimum_scaling_step_size),
                                ),
                                (
                                    "maximum_scaling_step_size",
                                    val(m.maximum_scaling_step_size),
                                ),
                                ("instance_warmup_period", val(m.instance_warmup_period)),
                            ]),
                        ),
                        (
                            "managed_termination_protection",
                            val(enabled(p.managed_termination_protection)),
                        ),
                        ("managed_draining", val(enabled(p.managed_draining))),
                    ]),
                ),
                ("tags", code("tags")),
            ],
            options: vec![],
            comment: "The capacity provider over the Auto Scaling group.",
        });
        out.push(Resource {
            variable: "cluster_capacity_providers",
            class: "ecs.ClusterCapacityProviders",
            logical: name(spec, ResourceKind::ClusterCapacityProviders).to_owned(),
            args: vec![
                ("cluster_name", code("cluster.name")),
                (
                    "capacity_providers",
                    Py::List(vec![code("capacity_provider.name")]),
                ),
                (
                    "default_capacity_provider_strategies",
                    Py::List(vec![dict(vec![
                        ("capacity_provider", code("capacity_provider.name")),
                        ("base", val(capacity.strategy.base)),
                        ("weight", val(capacity.strategy.weight)),
                    ])]),
                ),
            ],
            options: vec![],
            comment: "The cluster uses the capacity provider by default.",
        });
    }

    out.push(compute_environment(spec));

    if let Some(q) = &spec.job_queue {
        let order: Vec<Py> = std::iter::once(code("compute_environment.arn"))
            .chain(q.extra_compute_environments.iter().map(val))
            .zip(1..)
            .map(|(ce, order)| dict(vec![("order", val(order)), ("compute_environment", ce)]))
            .collect();
        let limits: Vec<Py> = q
            .job_state_time_limit_actions
            .iter()
            .map(|a| {
                dict(vec![
                    ("action", val("CANCEL")),
                    ("max_time_seconds", val(a.max_time_seconds)),
                    ("reason", val(&a.reason)),
                    ("state", val("RUNNABLE")),
                ])
            })
            .collect();
        out.push(Resource {
            variable: "job_queue",
            class: "batch.JobQueue",
            logical: name(spec, ResourceKind::JobQueue).to_owned(),
            args: vec![
                ("name", val(name(spec, ResourceKind::JobQueue))),
                ("priority", val(q.priority)),
                ("state", val(enabled(q.enabled))),
                ("compute_environment_orders", Py::List(order)),
                (
                    "job_state_time_limit_actions",
                    if limits.is_empty() {
                        val(Value::Null)
                    } else {
                        Py::List(limits)
                    },
                ),
                ("tags", code("tags")),
            ],
            options: vec![],
            comment: "The Batch job queue.",
        });
    }

    if let Some(t) = &spec.task_definition {
        let containers = payloads::container_definitions(Case::Camel, t);
        out.push(Resource {
            variable: "task_definition",
            class: "ecs.TaskDefinition",
            logical: name(spec, ResourceKind::TaskDefinition).to_owned(),
            args: vec![
                ("family", val(name(spec, ResourceKind::TaskDefinition))),
                ("cpu", val(t.cpu.map(|c| c.to_string()))),
                ("memory", val(t.memory.map(|m| m.to_string()))),
                ("network_mode", val(payloads::network_mode(t))),
                (
                    "requires_compatibilities",
                    val(payloads::compatibilities(t)),
                ),
                ("execution_role_arn", val(&t.execution_role)),
                ("task_role_arn", val(&t.task_role)),
                (
                    "container_definitions",
                    code(format!(
                        "json.dumps({})",
                        Py::Value(containers)
                            .render(4, 4 + "container_definitions=json.dumps(".len())
                    )),
                ),
                ("tags", code("tags")),
            ],
            options: vec![],
            comment: "The ECS task definition of the inference container.",
        });
    }

    if let Some(j) = &spec.job_definition {
        let properties = payloads::container_properties(Case::Camel, j);
        out.push(Resource {
            variable: "job_definition",
            class: "batch.JobDefinition",
            logical: name(spec, ResourceKind::JobDefinition).to_owned(),
            args: vec![
                ("name", val(name(spec, ResourceKind::JobDefinition))),
                ("type", val("container")),
                ("platform_capabilities", val([payloads::platform(j)])),
                (
                    "container_properties",
                    code(format!(
                        "json.dumps({})",
                        Py::Value(properties)
                            .render(4, 4 + "container_properties=json.dumps(".len())
                    )),
                ),
                (
                    "retry_strategy",
                    dict(vec![("attempts", val(j.retry_attempts))]),
                ),
                (
                    "timeout",
                    j.timeout_seconds.map_or(val(Value::Null), |s| {
                        dict(vec![("attempt_duration_seconds", val(s))])
                    }),
                ),
                ("tags", code("tags")),
            ],
            options: vec![],
            comment: "The Batch job definition of the inference container.",
        });
    }
    out
}

/// The launch template and the Auto Scaling group.
fn group(spec: &EnvironmentSpec, g: &Group<'_>) -> [Resource; 2] {
    let profile = g
        .group
        .instance_profile
        .as_deref()
        .map_or(val(Value::Null), |p| {
            if p.starts_with("arn:") {
                dict(vec![("arn", val(p))])
            } else {
                dict(vec![("name", val(p))])
            }
        });
    let group = g.group;
    [
        Resource {
            variable: "launch_template",
            class: "ec2.LaunchTemplate",
            logical: g.launch_template.to_owned(),
            args: vec![
                ("name", val(g.launch_template)),
                (
                    "image_id",
                    val(format!("resolve:ssm:{}", group.image().ami_parameter())),
                ),
                ("iam_instance_profile", profile),
                (
                    "vpc_security_group_ids",
                    val(&spec.network.security_group_ids),
                ),
                (
                    "user_data",
                    code(format!(
                        "base64.b64encode({}.encode()).decode()",
                        string(&user_data(name(spec, ResourceKind::Cluster)))
                    )),
                ),
                ("tags", code("tags")),
            ],
            // The user data names the cluster: instances join it once it exists.
            options: vec!["depends_on=[cluster]".into()],
            comment: "The instances' launch template: the ECS-optimised AMI (EC2 resolves the\n\
                      public SSM parameter at each launch) and user data that joins the cluster.",
        },
        Resource {
            variable: "group",
            class: "autoscaling.Group",
            logical: name(spec, ResourceKind::AutoScalingGroup).to_owned(),
            args: vec![
                ("name", val(name(spec, ResourceKind::AutoScalingGroup))),
                ("min_size", val(group.min_size)),
                ("max_size", val(group.max_size)),
                ("desired_capacity", val(group.desired_capacity)),
                ("vpc_zone_identifiers", val(g.subnets)),
                ("protect_from_scale_in", val(group.protect_from_scale_in)),
                (
                    "mixed_instances_policy",
                    dict(vec![(
                        "launch_template",
                        dict(vec![
                            (
                                "launch_template_specification",
                                dict(vec![
                                    ("launch_template_id", code("launch_template.id")),
                                    ("version", val("$Latest")),
                                ]),
                            ),
                            (
                                "overrides",
                                Py::List(
                                    group
                                        .instance_types
                                        .iter()
                                        .map(|t| dict(vec![("instance_type", val(t))]))
                                        .collect(),
                                ),
                            ),
                        ]),
                    )]),
                ),
                (
                    "tags",
                    code(
                        "[{\"key\": k, \"value\": v, \"propagate_at_launch\": True} for k, v in tags.items()]",
                    ),
                ),
            ],
            // The cluster is deleted after the group: a cluster with registered
            // instances cannot be deleted. Managed scaling moves the desired capacity.
            options: vec![
                "depends_on=[cluster]".into(),
                "ignore_changes=[\"desired_capacity\"]".into(),
            ],
            comment: "The Auto Scaling group of the cluster's EC2 capacity.",
        },
    ]
}

fn compute_environment(spec: &EnvironmentSpec) -> Resource {
    let ce = &spec.compute_environment;
    let mut resources = vec![
        ("type", val(ce.compute_type.as_aws())),
        ("max_vcpus", val(ce.max_vcpus)),
        ("subnets", val(&ce.subnets)),
        ("security_group_ids", val(&ce.security_group_ids)),
    ];
    // The EC2-only fields only for EC2 and SPOT, as the console sends them.
    if !ce.compute_type.is_fargate() {
        resources.extend([
            ("min_vcpus", val(ce.min_vcpus)),
            ("desired_vcpus", val(ce.desired_vcpus)),
            ("instance_types", val(&ce.instance_types)),
            (
                "allocation_strategy",
                val(ce.allocation_strategy.map(|a| a.as_aws())),
            ),
            ("instance_role", val(&ce.instance_role)),
            ("bid_percentage", val(ce.bid_percentage)),
            ("spot_iam_fleet_role", val(&ce.spot_iam_fleet_role)),
            (
                "ec2_configurations",
                ce.image_type.map_or(val(Value::Null), |i| {
                    Py::List(vec![dict(vec![("image_type", val(i.as_aws()))])])
                }),
            ),
        ]);
    }
    Resource {
        variable: "compute_environment",
        class: "batch.ComputeEnvironment",
        logical: name(spec, ResourceKind::ComputeEnvironment).to_owned(),
        args: vec![
            ("name", val(name(spec, ResourceKind::ComputeEnvironment))),
            ("type", val("MANAGED")),
            ("state", val(enabled(ce.enabled))),
            // None: AWS uses the AWSServiceRoleForBatch service-linked role.
            ("service_role", val(&ce.service_role)),
            ("compute_resources", dict(resources)),
            ("tags", code("tags")),
        ],
        options: vec![],
        comment: "The Batch managed compute environment.",
    }
}
