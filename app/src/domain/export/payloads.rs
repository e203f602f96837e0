//! The nested payloads both exports share, as JSON: the containers of a task definition
//! and the container properties of a job definition, built field for field as the
//! console registers them (`server/src/aws/definitions.rs`).
//!
//! The AWS APIs (and so Pulumi, which takes these two as JSON strings) spell the fields
//! in camelCase; CloudFormation in PascalCase. [`Case`] spells each field name, never a
//! map key such as a log option's `awslogs-group` or an environment variable's name.

use serde_json::{Map, Value, json};

use crate::domain::spec::{
    ContainerSpec, JobDefinitionSpec, LogConfiguration, Platform, TaskDefinitionSpec,
};

/// How field names are spelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Case {
    /// `containerPort`: the AWS APIs, and Pulumi's JSON strings.
    Camel,
    /// `ContainerPort`: CloudFormation.
    Pascal,
}

impl Case {
    /// `field` (given in camelCase) in this case.
    pub(crate) fn key(self, field: &str) -> String {
        match self {
            Case::Camel => field.to_owned(),
            Case::Pascal => {
                let mut chars = field.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            }
        }
    }
}

/// An object of `(camelCase field, value)` pairs, spelled in `case`; `Value::Null`
/// fields are left out (AWS's "not set").
pub(crate) fn object(case: Case, fields: Vec<(&str, Value)>) -> Value {
    Value::Object(
        fields
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (case.key(k), v))
            .collect::<Map<String, Value>>(),
    )
}

fn key_values<'a>(case: Case, pairs: impl IntoIterator<Item = (&'a String, &'a String)>) -> Value {
    Value::Array(
        pairs
            .into_iter()
            .map(|(k, v)| object(case, vec![("name", json!(k)), ("value", json!(v))]))
            .collect(),
    )
}

fn log_configuration(case: Case, l: Option<&LogConfiguration>) -> Value {
    l.map_or(Value::Null, |l| {
        object(
            case,
            vec![
                ("logDriver", json!(l.driver)),
                // Option names are the driver's, kept as they are.
                ("options", json!(l.options)),
            ],
        )
    })
}

fn some_list<T: serde::Serialize>(items: &[T]) -> Value {
    if items.is_empty() {
        Value::Null
    } else {
        json!(items)
    }
}

fn container(case: Case, c: &ContainerSpec) -> Value {
    let gpus = if c.gpus > 0 {
        json!([object(
            case,
            vec![("type", json!("GPU")), ("value", json!(c.gpus.to_string()))]
        )])
    } else {
        Value::Null
    };
    let ports: Vec<Value> = c
        .port_mappings
        .iter()
        .map(|p| {
            object(
                case,
                vec![
                    ("containerPort", json!(p.container_port)),
                    ("hostPort", json!(p.host_port)),
                    (
                        "protocol",
                        json!(format!("{:?}", p.protocol).to_lowercase()),
                    ),
                ],
            )
        })
        .collect();
    object(
        case,
        vec![
            ("name", json!(c.name)),
            ("image", json!(c.image)),
            ("command", some_list(&c.command)),
            ("environment", key_values(case, &c.environment)),
            ("portMappings", json!(ports)),
            ("essential", json!(c.essential)),
            ("memoryReservation", json!(c.memory_reservation)),
            ("resourceRequirements", gpus),
            (
                "logConfiguration",
                log_configuration(case, c.log_configuration.as_ref()),
            ),
        ],
    )
}

/// The task definition's `containerDefinitions`.
pub(crate) fn container_definitions(case: Case, t: &TaskDefinitionSpec) -> Value {
    Value::Array(t.containers.iter().map(|c| container(case, c)).collect())
}

/// The network mode of a task definition as AWS spells it (`awsvpc`).
pub(crate) fn network_mode(t: &TaskDefinitionSpec) -> String {
    format!("{:?}", t.network_mode).to_lowercase()
}

/// The task definition's `requiresCompatibilities` (`EC2`, `FARGATE`).
pub(crate) fn compatibilities(t: &TaskDefinitionSpec) -> Vec<String> {
    t.requires_compatibilities
        .iter()
        .map(|c| format!("{c:?}").to_uppercase())
        .collect()
}

/// The job definition's platform capability (`EC2`, `FARGATE`).
pub(crate) fn platform(j: &JobDefinitionSpec) -> &'static str {
    match j.platform {
        Platform::Ec2 => "EC2",
        Platform::Fargate => "FARGATE",
    }
}

/// The job definition's `containerProperties`.
pub(crate) fn container_properties(case: Case, j: &JobDefinitionSpec) -> Value {
    let requirement = |kind: &str, value: String| {
        object(case, vec![("type", json!(kind)), ("value", json!(value))])
    };
    let mut requirements = vec![
        requirement("VCPU", j.vcpus.to_string()),
        requirement("MEMORY", j.memory.to_string()),
    ];
    if j.gpus > 0 {
        requirements.push(requirement("GPU", j.gpus.to_string()));
    }
    let fargate = j.platform == Platform::Fargate;
    object(
        case,
        vec![
            ("image", json!(j.image)),
            ("command", some_list(&j.command)),
            ("resourceRequirements", json!(requirements)),
            ("environment", key_values(case, &j.environment)),
            ("jobRoleArn", json!(j.job_role)),
            ("executionRoleArn", json!(j.execution_role)),
            (
                "logConfiguration",
                log_configuration(case, j.log_configuration.as_ref()),
            ),
            // Fargate jobs in the default VPC's public subnets need a public IP to pull
            // their image.
            (
                "networkConfiguration",
                if fargate {
                    object(case, vec![("assignPublicIp", json!("ENABLED"))])
                } else {
                    Value::Null
                },
            ),
            (
                "fargatePlatformConfiguration",
                if fargate {
                    object(case, vec![("platformVersion", json!("LATEST"))])
                } else {
                    Value::Null
                },
            ),
        ],
    )
}
