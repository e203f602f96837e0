//! Task and job definitions over aws-sdk-ecs and aws-sdk-batch: register (a new
//! revision), read the latest active revision, deregister every active revision.

use std::collections::{BTreeMap, HashMap};

use app::domain::spec::{JobDefinitionSpec, LogConfiguration, Platform, TaskDefinitionSpec};
use app::engine::{CloudError, Observed};
use aws_sdk_batch::types as batch;
use aws_sdk_ecs::types as ecs;

use super::error::{cloud_error, malformed};

fn build_error(operation: &str, e: impl std::fmt::Display) -> CloudError {
    CloudError {
        operation: operation.to_owned(),
        code: None,
        message: format!("could not build the request: {e}"),
        request_id: None,
    }
}

/// Registers a revision of the task definition; returns its ARN.
pub async fn register_task_definition(
    client: &aws_sdk_ecs::Client,
    t: &TaskDefinitionSpec,
    tags: Vec<ecs::Tag>,
) -> Result<String, CloudError> {
    let op = "ecs:RegisterTaskDefinition";
    let mut containers = Vec::new();
    for c in &t.containers {
        let gpus = if c.gpus > 0 {
            Some(vec![
                ecs::ResourceRequirement::builder()
                    .r#type(ecs::ResourceType::Gpu)
                    .value(c.gpus.to_string())
                    .build()
                    .map_err(|e| build_error(op, e))?,
            ])
        } else {
            None
        };
        let logs = c
            .log_configuration
            .as_ref()
            .map(|l: &LogConfiguration| {
                ecs::LogConfiguration::builder()
                    .log_driver(ecs::LogDriver::from(l.driver.as_str()))
                    .set_options(Some(l.options.clone().into_iter().collect()))
                    .build()
            })
            .transpose()
            .map_err(|e| build_error(op, e))?;
        containers.push(
            ecs::ContainerDefinition::builder()
                .name(&c.name)
                .image(&c.image)
                .set_command((!c.command.is_empty()).then(|| c.command.clone()))
                .set_environment(Some(
                    c.environment
                        .iter()
                        .map(|(k, v)| ecs::KeyValuePair::builder().name(k).value(v).build())
                        .collect(),
                ))
                .set_port_mappings(Some(
                    c.port_mappings
                        .iter()
                        .map(|p| {
                            ecs::PortMapping::builder()
                                .container_port(i32::try_from(p.container_port).unwrap_or(0))
                                .set_host_port(p.host_port.and_then(|h| i32::try_from(h).ok()))
                                .protocol(ecs::TransportProtocol::from(
                                    format!("{:?}", p.protocol).to_lowercase().as_str(),
                                ))
                                .build()
                        })
                        .collect(),
                ))
                .essential(c.essential)
                .set_memory_reservation(c.memory_reservation.and_then(|m| i32::try_from(m).ok()))
                .set_resource_requirements(gpus)
                .set_log_configuration(logs)
                .build(),
        );
    }
    let out = client
        .register_task_definition()
        .family(&t.family)
        .set_cpu(t.cpu.map(|v| v.to_string()))
        .set_memory(t.memory.map(|v| v.to_string()))
        .network_mode(ecs::NetworkMode::from(
            format!("{:?}", t.network_mode).to_lowercase().as_str(),
        ))
        .set_requires_compatibilities(Some(
            t.requires_compatibilities
                .iter()
                .map(|c| ecs::Compatibility::from(format!("{c:?}").to_uppercase().as_str()))
                .collect(),
        ))
        .set_execution_role_arn(t.execution_role.clone())
        .set_task_role_arn(t.task_role.clone())
        .set_container_definitions(Some(containers))
        .set_tags(Some(tags))
        .send()
        .await
        .map_err(|e| cloud_error(op, e))?;
    out.task_definition()
        .and_then(|d| d.task_definition_arn())
        .map(str::to_owned)
        .ok_or_else(|| malformed(op, "task definition ARN"))
}

/// The latest active revision of the family, if any.
pub async fn read_task_definition(
    client: &aws_sdk_ecs::Client,
    family: &str,
) -> Result<Option<Observed>, CloudError> {
    let op = "ecs:DescribeTaskDefinition";
    let out = match client
        .describe_task_definition()
        .task_definition(family)
        .include(ecs::TaskDefinitionField::Tags)
        .send()
        .await
    {
        Ok(out) => out,
        // ECS answers an unknown family with a ClientException.
        Err(e) => {
            let e = cloud_error(op, e);
            return if e.code.as_deref() == Some("ClientException") {
                Ok(None)
            } else {
                Err(e)
            };
        }
    };
    let Some(d) = out.task_definition() else {
        return Ok(None);
    };
    let status = d
        .status()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default();
    if status != "ACTIVE" {
        return Ok(None);
    }
    Ok(Some(Observed {
        arn: d.task_definition_arn().unwrap_or_default().to_owned(),
        status,
        state: None,
        status_reason: None,
        settings: BTreeMap::new(),
        tags: out
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
            .collect(),
    }))
}

/// Deregisters every active revision of the family.
pub async fn deregister_task_definitions(
    client: &aws_sdk_ecs::Client,
    family: &str,
) -> Result<(), CloudError> {
    let mut arns = Vec::new();
    let mut next = None;
    loop {
        let out = client
            .list_task_definitions()
            .family_prefix(family)
            .status(ecs::TaskDefinitionStatus::Active)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| cloud_error("ecs:ListTaskDefinitions", e))?;
        // The prefix also matches longer families: keep this family's revisions only.
        arns.extend(
            out.task_definition_arns()
                .iter()
                .filter(|a| a.contains(&format!(":task-definition/{family}:")))
                .cloned(),
        );
        next = out.next_token().map(str::to_owned);
        if next.is_none() {
            break;
        }
    }
    for arn in arns {
        client
            .deregister_task_definition()
            .task_definition(arn)
            .send()
            .await
            .map_err(|e| cloud_error("ecs:DeregisterTaskDefinition", e))?;
    }
    Ok(())
}

/// Registers a revision of the job definition; returns its ARN.
pub async fn register_job_definition(
    client: &aws_sdk_batch::Client,
    j: &JobDefinitionSpec,
    tags: HashMap<String, String>,
) -> Result<String, CloudError> {
    let op = "batch:RegisterJobDefinition";
    let requirement = |kind: batch::ResourceType, value: String| {
        batch::ResourceRequirement::builder()
            .r#type(kind)
            .value(value)
            .build()
    };
    let mut requirements = vec![
        requirement(batch::ResourceType::Vcpu, j.vcpus.to_string()),
        requirement(batch::ResourceType::Memory, j.memory.to_string()),
    ];
    if j.gpus > 0 {
        requirements.push(requirement(batch::ResourceType::Gpu, j.gpus.to_string()));
    }
    let logs = j.log_configuration.as_ref().map(|l| {
        batch::LogConfiguration::builder()
            .log_driver(batch::LogDriver::from(l.driver.as_str()))
            .set_options(Some(l.options.clone().into_iter().collect()))
            .build()
    });
    let fargate = j.platform == Platform::Fargate;
    let container = batch::ContainerProperties::builder()
        .image(&j.image)
        .set_command((!j.command.is_empty()).then(|| j.command.clone()))
        .set_resource_requirements(Some(requirements))
        .set_environment(Some(
            j.environment
                .iter()
                .map(|(k, v)| batch::KeyValuePair::builder().name(k).value(v).build())
                .collect(),
        ))
        .set_job_role_arn(j.job_role.clone())
        .set_execution_role_arn(j.execution_role.clone())
        .set_log_configuration(logs)
        // Fargate jobs in the default VPC's public subnets need a public IP to pull
        // their image.
        .set_network_configuration(fargate.then(|| {
            batch::NetworkConfiguration::builder()
                .assign_public_ip(batch::AssignPublicIp::Enabled)
                .build()
        }))
        .set_fargate_platform_configuration(fargate.then(|| {
            batch::FargatePlatformConfiguration::builder()
                .platform_version("LATEST")
                .build()
        }))
        .build();
    let out = client
        .register_job_definition()
        .job_definition_name(&j.name)
        .r#type(batch::JobDefinitionType::Container)
        .platform_capabilities(if fargate {
            batch::PlatformCapability::Fargate
        } else {
            batch::PlatformCapability::Ec2
        })
        .container_properties(container)
        .retry_strategy(
            batch::RetryStrategy::builder()
                .attempts(i32::try_from(j.retry_attempts).unwrap_or(1))
                .build(),
        )
        .set_timeout(j.timeout_seconds.map(|s| {
            batch::JobTimeout::builder()
                .attempt_duration_seconds(i32::try_from(s).unwrap_or(i32::MAX))
                .build()
        }))
        .set_tags(Some(tags))
        .send()
        .await
        .map_err(|e| cloud_error(op, e))?;
    out.job_definition_arn()
        .map(str::to_owned)
        .ok_or_else(|| malformed(op, "job definition ARN"))
}

/// The active revisions of the job definition, newest first.
async fn active_job_definitions(
    client: &aws_sdk_batch::Client,
    name: &str,
) -> Result<Vec<batch::JobDefinition>, CloudError> {
    let mut found = Vec::new();
    let mut next = None;
    loop {
        let out = client
            .describe_job_definitions()
            .job_definition_name(name)
            .status("ACTIVE")
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| cloud_error("batch:DescribeJobDefinitions", e))?;
        found.extend(
            out.job_definitions()
                .iter()
                .filter(|d| d.job_definition_name() == Some(name))
                .cloned(),
        );
        next = out.next_token().map(str::to_owned);
        if next.is_none() {
            break;
        }
    }
    found.sort_by_key(|d| std::cmp::Reverse(d.revision()));
    Ok(found)
}

/// The latest active revision of the job definition, if any.
pub async fn read_job_definition(
    client: &aws_sdk_batch::Client,
    name: &str,
) -> Result<Option<Observed>, CloudError> {
    Ok(active_job_definitions(client, name)
        .await?
        .first()
        .map(|d| Observed {
            arn: d.job_definition_arn().unwrap_or_default().to_owned(),
            status: d.status().unwrap_or("ACTIVE").to_owned(),
            state: None,
            status_reason: None,
            settings: BTreeMap::new(),
            tags: d
                .tags()
                .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        }))
}

/// Deregisters every active revision of the job definition.
pub async fn deregister_job_definitions(
    client: &aws_sdk_batch::Client,
    name: &str,
) -> Result<(), CloudError> {
    for d in active_job_definitions(client, name).await? {
        if let Some(arn) = d.job_definition_arn() {
            client
                .deregister_job_definition()
                .job_definition(arn)
                .send()
                .await
                .map_err(|e| cloud_error("batch:DeregisterJobDefinition", e))?;
        }
    }
    Ok(())
}
