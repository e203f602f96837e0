//! Rules of the ECS task definition and the Batch job definition, and the cross-resource
//! mistakes between them and the compute they run on.

use std::collections::BTreeSet;

use super::Report;
use super::fargate::{describe_memory, fargate_memory_allowed};
use super::instance_types::is_gpu_instance_type;
use crate::domain::spec::{
    AutoScalingGroupSource, Compatibility, EnvironmentSpec, LogConfiguration, NetworkMode, Platform,
};

/// awslogs needs a group and a region (ECS and Batch log configuration).
fn log_configuration(r: &mut Report, field: &str, log: Option<&LogConfiguration>) {
    let Some(log) = log else { return };
    const DRIVERS: &[&str] = &[
        "awslogs",
        "awsfirelens",
        "fluentd",
        "gelf",
        "journald",
        "json-file",
        "splunk",
        "syslog",
    ];
    r.check(
        DRIVERS.contains(&log.driver.as_str()),
        &format!("{field}.driver"),
        "aws.ecs.log-driver",
        format!(
            "'{}' is not a log driver ECS supports ({})",
            log.driver,
            DRIVERS.join(", ")
        ),
    );
    if log.driver == "awslogs" {
        for key in ["awslogs-group", "awslogs-region"] {
            r.check(
                log.options.get(key).is_some_and(|v| !v.is_empty()),
                &format!("{field}.options.{key}"),
                "aws.ecs.awslogs-options",
                format!("The awslogs driver needs the {key} option"),
            );
        }
    }
}

/// Instance types the ECS side's EC2 capacity offers, if the console creates the group.
fn capacity_instance_types(spec: &EnvironmentSpec) -> Option<&[String]> {
    match &spec.capacity.as_ref()?.auto_scaling_group {
        AutoScalingGroupSource::Create(g) => Some(&g.instance_types),
        AutoScalingGroupSource::Existing { .. } => None,
    }
}

pub(super) fn task_definition(spec: &EnvironmentSpec, r: &mut Report) {
    let Some(t) = &spec.task_definition else {
        return;
    };
    let f = "task_definition";
    // ecs:RegisterTaskDefinition family: up to 255 letters, numbers, hyphens, underscores.
    r.name(
        &format!("{f}.family"),
        "aws.ecs.task-family",
        "The family",
        &t.family,
        255,
    );
    let fargate = t.requires_compatibilities.contains(&Compatibility::Fargate);
    let ec2 = t.requires_compatibilities.contains(&Compatibility::Ec2);
    r.check(
        !t.requires_compatibilities.is_empty(),
        &format!("{f}.requires_compatibilities"),
        "console.task-compatibilities",
        "Say where the tasks run (EC2 and/or FARGATE)",
    );
    r.role(
        &format!("{f}.execution_role"),
        "The execution role",
        t.execution_role.as_ref(),
    );
    r.role(
        &format!("{f}.task_role"),
        "The task role",
        t.task_role.as_ref(),
    );
    if let Some(cpu) = t.cpu {
        r.check(
            (128..=196_608).contains(&cpu),
            &format!("{f}.cpu"),
            "aws.ecs.task-cpu",
            "Task CPU must be from 128 to 196608 units",
        );
    }
    if let Some(m) = t.memory {
        r.check(
            m >= 6,
            &format!("{f}.memory"),
            "aws.ecs.task-memory",
            "Task memory must be at least 6 MiB",
        );
    }
    if fargate {
        // Fargate: awsvpc networking, task-level cpu and memory from the size table, no GPUs.
        r.check(
            t.network_mode == NetworkMode::Awsvpc,
            &format!("{f}.network_mode"),
            "aws.ecs.fargate-awsvpc",
            "Fargate tasks need the awsvpc network mode",
        );
        match (t.cpu, t.memory) {
            (Some(cpu), Some(memory)) => r.check(
                fargate_memory_allowed(cpu, memory),
                &format!("{f}.memory"),
                "aws.ecs.fargate-cpu-memory",
                match describe_memory(cpu) {
                    Some(allowed) => format!("With {cpu} CPU units Fargate offers {allowed} MiB, not {memory}"),
                    None => format!("Fargate offers 256, 512, 1024, 2048, 4096, 8192 or 16384 CPU units, not {cpu}"),
                },
            ),
            _ => r.add(&format!("{f}.cpu"), "aws.ecs.fargate-task-size-required", "Fargate task definitions need task-level CPU and memory"),
        }
        for (i, c) in t.containers.iter().enumerate() {
            r.check(
                c.gpus == 0,
                &format!("{f}.containers[{i}].gpus"),
                "aws.ecs.fargate-no-gpu",
                "Fargate has no GPUs; use EC2 capacity for GPU containers",
            );
        }
        let uses_awslogs = t.containers.iter().any(|c| {
            c.log_configuration
                .as_ref()
                .is_some_and(|l| l.driver == "awslogs")
        });
        r.check(
            !uses_awslogs || t.execution_role.is_some(),
            &format!("{f}.execution_role"),
            "aws.ecs.fargate-awslogs-execution-role",
            "Fargate tasks that log with awslogs need an execution role",
        );
    }
    // Containers: 1-10, unique names, at least one essential.
    r.check(
        (1..=10).contains(&t.containers.len()),
        &format!("{f}.containers"),
        "aws.ecs.containers-count",
        "A task definition has 1 to 10 containers",
    );
    r.check(
        t.containers.iter().any(|c| c.essential),
        &format!("{f}.containers"),
        "aws.ecs.essential-container",
        "At least one container must be essential",
    );
    let mut seen = BTreeSet::new();
    for (i, c) in t.containers.iter().enumerate() {
        let cf = format!("{f}.containers[{i}]");
        r.name(
            &format!("{cf}.name"),
            "aws.ecs.container-name",
            "The container name",
            &c.name,
            255,
        );
        r.check(
            seen.insert(c.name.as_str()),
            &format!("{cf}.name"),
            "aws.ecs.container-name-unique",
            format!("Another container is also named {}", c.name),
        );
        r.check(
            !c.image.trim().is_empty()
                && c.image.len() <= 255
                && !c.image.contains(char::is_whitespace),
            &format!("{cf}.image"),
            "aws.ecs.container-image",
            "The image must be 1-255 characters without spaces",
        );
        if let Some(m) = c.memory_reservation {
            r.check(
                m >= 6,
                &format!("{cf}.memory_reservation"),
                "aws.ecs.container-memory-minimum",
                "A container reserves at least 6 MiB",
            );
        }
        for (j, p) in c.port_mappings.iter().enumerate() {
            let pf = format!("{cf}.port_mappings[{j}]");
            r.check(
                (1..=65_535).contains(&p.container_port),
                &format!("{pf}.container_port"),
                "aws.ecs.port-range",
                "Ports are 1 to 65535",
            );
            if t.network_mode == NetworkMode::Awsvpc {
                r.check(
                    p.host_port.is_none_or(|h| h == p.container_port),
                    &format!("{pf}.host_port"),
                    "aws.ecs.awsvpc-host-port",
                    "With awsvpc the host port must equal the container port (or be left out)",
                );
            }
        }
        for key in c.environment.keys() {
            r.check(
                !key.is_empty() && !key.contains('='),
                &format!("{cf}.environment"),
                "console.env-var-name",
                format!("'{key}' is not a variable name"),
            );
        }
        no_aws_keys(r, &format!("{cf}.environment"), &c.environment);
        log_configuration(
            r,
            &format!("{cf}.log_configuration"),
            c.log_configuration.as_ref(),
        );
    }
    let reserved: u32 = t
        .containers
        .iter()
        .filter_map(|c| c.memory_reservation)
        .sum();
    if let Some(memory) = t.memory {
        r.check(
            reserved <= memory,
            &format!("{f}.containers"),
            "aws.ecs.container-memory-within-task",
            format!("The containers reserve {reserved} MiB, more than the task's {memory} MiB"),
        );
    }
    // Cross-resource: the seed program's mistake, a FARGATE-only task definition beside
    // an EC2 capacity provider: its tasks can never be placed there.
    if spec.capacity.is_some() {
        r.check(
            ec2,
            &format!("{f}.requires_compatibilities"),
            "console.task-definition-matches-capacity",
            "This task definition is FARGATE-only, but the cluster's capacity is an EC2 capacity provider: add EC2 to its compatibilities",
        );
    }
    let gpus: u32 = t.containers.iter().map(|c| c.gpus).sum();
    if gpus > 0
        && let Some(types) = capacity_instance_types(spec)
    {
        r.check(
            types.iter().any(|t| is_gpu_instance_type(t)),
            &format!("{f}.containers"),
            "console.gpu-task-needs-gpu-capacity",
            "The containers reserve GPUs, but the Auto Scaling group has no GPU instance types",
        );
    }
}

/// Fargate job sizes in vCPUs, as Batch accepts them.
const FARGATE_VCPUS: &[f64] = &[0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0];

/// Whether `value` looks like an AWS access key id (`AKIA...` long-lived, `ASIA...`
/// temporary: four letters and 16 upper-case letters or digits).
fn is_access_key_id(value: &str) -> bool {
    let v = value.trim();
    v.len() == 20
        && (v.starts_with("AKIA") || v.starts_with("ASIA"))
        && v.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Whether an environment variable carries AWS credentials: a credential variable's
/// name, or an access key id as its value.
pub(crate) fn holds_aws_credentials(key: &str, value: &str) -> bool {
    const CREDENTIAL_VARIABLES: [&str; 3] = [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ];
    CREDENTIAL_VARIABLES.contains(&key.to_ascii_uppercase().as_str()) || is_access_key_id(value)
}

/// AWS credentials never go into a spec (they would be stored and shown): the task or
/// job gets a role instead.
fn no_aws_keys(
    r: &mut Report,
    field: &str,
    environment: &std::collections::BTreeMap<String, String>,
) {
    for (key, value) in environment {
        r.check(
            !holds_aws_credentials(key, value),
            field,
            "console.no-aws-credentials",
            format!(
                "'{key}' holds AWS credentials: give the task or job a role (task_role / job_role) instead of keys"
            ),
        );
    }
}

pub(super) fn job_definition(spec: &EnvironmentSpec, r: &mut Report) {
    let Some(j) = &spec.job_definition else {
        return;
    };
    let f = "job_definition";
    // batch:RegisterJobDefinition name: up to 128 letters, numbers, hyphens, underscores.
    r.name(
        &format!("{f}.name"),
        "aws.batch.job-definition-name",
        "The job definition name",
        &j.name,
        128,
    );
    no_aws_keys(r, &format!("{f}.environment"), &j.environment);
    r.check(
        !j.image.trim().is_empty() && !j.image.contains(char::is_whitespace),
        &format!("{f}.image"),
        "aws.batch.job-image",
        "The image is required, without spaces",
    );
    r.role(
        &format!("{f}.job_role"),
        "The job role",
        j.job_role.as_ref(),
    );
    r.role(
        &format!("{f}.execution_role"),
        "The execution role",
        j.execution_role.as_ref(),
    );
    r.check(
        (1..=10).contains(&j.retry_attempts),
        &format!("{f}.retry_attempts"),
        "aws.batch.retry-attempts",
        "Retry attempts must be from 1 to 10",
    );
    if let Some(t) = j.timeout_seconds {
        r.check(
            t >= 60,
            &format!("{f}.timeout_seconds"),
            "aws.batch.timeout-minimum",
            "The timeout must be at least 60 seconds",
        );
    }
    r.check(
        j.vcpus.is_finite() && j.vcpus > 0.0,
        &format!("{f}.vcpus"),
        "aws.batch.vcpus-positive",
        "vCPUs must be more than 0",
    );
    r.check(
        j.memory >= 4,
        &format!("{f}.memory"),
        "aws.batch.memory-minimum",
        "Memory must be at least 4 MiB",
    );
    match j.platform {
        Platform::Fargate => {
            if FARGATE_VCPUS.contains(&j.vcpus) {
                let cpu = (j.vcpus * 1024.0) as u32;
                r.check(
                    fargate_memory_allowed(cpu, j.memory),
                    &format!("{f}.memory"),
                    "aws.batch.fargate-vcpu-memory",
                    format!(
                        "With {} vCPU Fargate offers {} MiB, not {}",
                        j.vcpus,
                        describe_memory(cpu).unwrap_or_default(),
                        j.memory
                    ),
                );
            } else {
                r.add(
                    &format!("{f}.vcpus"),
                    "aws.batch.fargate-vcpus",
                    "Fargate jobs take 0.25, 0.5, 1, 2, 4, 8 or 16 vCPUs",
                );
            }
            r.check(
                j.gpus == 0,
                &format!("{f}.gpus"),
                "aws.batch.fargate-no-gpu",
                "Fargate has no GPUs; use an EC2 compute environment for GPU jobs",
            );
            r.check(
                j.execution_role.is_some(),
                &format!("{f}.execution_role"),
                "aws.batch.fargate-execution-role",
                "Fargate jobs need an execution role",
            );
        }
        Platform::Ec2 => {
            r.check(
                j.vcpus.fract() == 0.0,
                &format!("{f}.vcpus"),
                "aws.batch.ec2-whole-vcpus",
                "EC2 jobs take a whole number of vCPUs",
            );
        }
    }
    log_configuration(
        r,
        &format!("{f}.log_configuration"),
        j.log_configuration.as_ref(),
    );
    // Cross-resource: the job definition's platform must match the compute environment,
    // and GPU jobs need GPU instances with an NVIDIA image.
    let ce = &spec.compute_environment;
    let ce_fargate = ce.compute_type.is_fargate();
    r.check(
        (j.platform == Platform::Fargate) == ce_fargate,
        &format!("{f}.platform"),
        "console.job-platform-matches-compute",
        format!(
            "A {} job definition cannot run on the {} compute environment",
            if j.platform == Platform::Fargate {
                "FARGATE"
            } else {
                "EC2"
            },
            ce.compute_type.as_aws()
        ),
    );
    if j.gpus > 0 && !ce_fargate {
        r.check(
            ce.instance_types.iter().any(|t| is_gpu_instance_type(t)),
            &format!("{f}.gpus"),
            "console.gpu-job-needs-gpu-instances",
            "GPU jobs need GPU instance types (g5, g6, p4d...) in the compute environment; optimal has none",
        );
    }
    if !ce_fargate && (j.vcpus as u64) > u64::from(ce.max_vcpus) {
        r.add(
            &format!("{f}.vcpus"),
            "console.job-fits-compute",
            "A job needs more vCPUs than the compute environment's max vCPUs",
        );
    }
}
