//! ECS tasks (aws-sdk-ecs): RunTask, ListTasks + DescribeTasks, StopTask, and the facts
//! about the cluster's EC2 capacity that placement diagnosis needs (aws-sdk-autoscaling).

use app::domain::tasks::{
    CapacityFacts, ContainerState, Placement, RunTaskAnswer, RunTasks, TaskFailure, TaskStatus,
    TaskSummary,
};
use app::domain::validate::is_gpu_instance_type;
use app::engine::CloudError;
use aws_sdk_ecs::primitives::DateTime;
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, CapacityProviderStrategyItem, ContainerOverride,
    DesiredStatus, KeyValuePair, LaunchType, ManagedScalingStatus, NetworkConfiguration,
    PropagateTags, ResourceRequirement, ResourceType, Tag, Task, TaskOverride,
};

use super::cloud::RegionClients;
use super::error::cloud_error;

/// DescribeTasks takes at most this many tasks per call.
const DESCRIBE_BATCH: usize = 100;

fn to_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn invalid(operation: &str, e: impl std::fmt::Display) -> CloudError {
    CloudError {
        operation: operation.to_owned(),
        code: Some("InvalidParameter".into()),
        message: e.to_string(),
        request_id: None,
    }
}

fn time(t: Option<&DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
}

fn summary(t: &Task) -> TaskSummary {
    let raw = t.last_status().unwrap_or_default().to_owned();
    TaskSummary {
        arn: t.task_arn().unwrap_or_default().to_owned(),
        status: TaskStatus::parse(&raw),
        raw_status: raw,
        desired_status: t.desired_status().unwrap_or_default().to_owned(),
        task_definition_arn: t.task_definition_arn().unwrap_or_default().to_owned(),
        capacity_provider: t
            .capacity_provider_name()
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        launch_type: t.launch_type().map(|l| l.as_str().to_owned()),
        container_instance_arn: t
            .container_instance_arn()
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        started_by: t.started_by().filter(|s| !s.is_empty()).map(str::to_owned),
        created_at: time(t.created_at()),
        started_at: time(t.started_at()),
        stopped_at: time(t.stopped_at()),
        stop_code: t.stop_code().map(|c| c.as_str().to_owned()),
        stopped_reason: t
            .stopped_reason()
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        cpu: t.cpu().and_then(|c| c.parse().ok()),
        memory: t.memory().and_then(|m| m.parse().ok()),
        containers: t
            .containers()
            .iter()
            .map(|c| ContainerState {
                name: c.name().unwrap_or_default().to_owned(),
                last_status: c.last_status().unwrap_or_default().to_owned(),
                exit_code: c.exit_code(),
                reason: c.reason().map(str::to_owned),
            })
            .collect(),
    }
}

fn overrides(r: &RunTasks) -> Result<Option<TaskOverride>, CloudError> {
    let o = &r.overrides;
    if o.is_empty() {
        return Ok(None);
    }
    let mut container = ContainerOverride::builder()
        .name(&o.container)
        .set_command(o.command.clone())
        .set_cpu(o.cpu.map(to_i32))
        .set_memory(o.memory.map(to_i32));
    for (name, value) in &o.environment {
        container = container.environment(KeyValuePair::builder().name(name).value(value).build());
    }
    if let Some(gpus) = o.gpus {
        container = container.resource_requirements(
            ResourceRequirement::builder()
                .r#type(ResourceType::Gpu)
                .value(gpus.to_string())
                .build()
                .map_err(|e| invalid("ecs:RunTask", e))?,
        );
    }
    Ok(Some(
        TaskOverride::builder()
            .container_overrides(container.build())
            .build(),
    ))
}

/// One ecs:RunTask call of `count` tasks. The SDK gives each call a client token that its
/// retries reuse, so a retried call does not start the tasks twice.
pub(super) async fn run_task(
    c: &RegionClients,
    r: &RunTasks,
    count: u32,
) -> Result<RunTaskAnswer, CloudError> {
    const OP: &str = "ecs:RunTask";
    let mut call = c
        .ecs
        .run_task()
        .cluster(&r.cluster)
        .task_definition(&r.task_definition)
        .count(to_i32(count))
        .started_by(&r.started_by)
        .propagate_tags(PropagateTags::TaskDefinition)
        .set_overrides(overrides(r)?);
    for (key, value) in &r.tags {
        call = call.tags(Tag::builder().key(key).value(value).build());
    }
    match &r.placement {
        Placement::ClusterDefault => {}
        Placement::Fargate => call = call.launch_type(LaunchType::Fargate),
        Placement::Strategy(items) => {
            for i in items {
                call = call.capacity_provider_strategy(
                    CapacityProviderStrategyItem::builder()
                        .capacity_provider(&i.provider)
                        .weight(to_i32(i.weight))
                        .base(to_i32(i.base))
                        .build()
                        .map_err(|e| invalid(OP, e))?,
                );
            }
        }
    }
    if let Some(net) = &r.network {
        let vpc = AwsVpcConfiguration::builder()
            .set_subnets(Some(net.subnets.clone()))
            .set_security_groups(Some(net.security_groups.clone()))
            .assign_public_ip(if net.public_ip {
                AssignPublicIp::Enabled
            } else {
                AssignPublicIp::Disabled
            })
            .build()
            .map_err(|e| invalid(OP, e))?;
        call = call.network_configuration(
            NetworkConfiguration::builder()
                .awsvpc_configuration(vpc)
                .build(),
        );
    }
    let out = call.send().await.map_err(|e| cloud_error(OP, e))?;
    Ok(RunTaskAnswer {
        tasks: out.tasks().iter().map(summary).collect(),
        failures: out
            .failures()
            .iter()
            .map(|f| TaskFailure {
                arn: f.arn().map(str::to_owned),
                reason: f.reason().unwrap_or("unknown").to_owned(),
                detail: f.detail().map(str::to_owned),
            })
            .collect(),
    })
}

/// The cluster's tasks: ListTasks for each desired status (RUNNING, STOPPED), then
/// DescribeTasks in batches of 100.
pub(super) async fn list_tasks(
    c: &RegionClients,
    cluster: &str,
) -> Result<Vec<TaskSummary>, CloudError> {
    let mut arns: Vec<String> = Vec::new();
    for desired in [DesiredStatus::Running, DesiredStatus::Stopped] {
        let mut pages = c
            .ecs
            .list_tasks()
            .cluster(cluster)
            .desired_status(desired)
            .max_results(100)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| cloud_error("ecs:ListTasks", e))?;
            arns.extend(page.task_arns().iter().cloned());
        }
    }
    arns.sort();
    arns.dedup();
    let mut out = Vec::with_capacity(arns.len());
    for chunk in arns.chunks(DESCRIBE_BATCH) {
        let described = c
            .ecs
            .describe_tasks()
            .cluster(cluster)
            .set_tasks(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| cloud_error("ecs:DescribeTasks", e))?;
        out.extend(described.tasks().iter().map(summary));
    }
    Ok(out)
}

/// ecs:StopTask.
pub(super) async fn stop_task(
    c: &RegionClients,
    cluster: &str,
    task: &str,
    reason: &str,
) -> Result<(), CloudError> {
    c.ecs
        .stop_task()
        .cluster(cluster)
        .task(task)
        .reason(reason)
        .send()
        .await
        .map_err(|e| cloud_error("ecs:StopTask", e))?;
    Ok(())
}

/// The cluster's registered instances, the group's instances and sizes, and whether
/// the provider's managed scaling is on.
pub(super) async fn capacity_facts(
    c: &RegionClients,
    cluster: &str,
    group: Option<&str>,
    provider: Option<&str>,
) -> Result<CapacityFacts, CloudError> {
    let clusters = c
        .ecs
        .describe_clusters()
        .clusters(cluster)
        .send()
        .await
        .map_err(|e| cloud_error("ecs:DescribeClusters", e))?;
    let mut facts = CapacityFacts {
        registered_instances: clusters
            .clusters()
            .first()
            .map(|c| u32::try_from(c.registered_container_instances_count()).unwrap_or(0))
            .unwrap_or(0),
        ..CapacityFacts::default()
    };
    if let Some(group) = group {
        let groups = c
            .autoscaling
            .describe_auto_scaling_groups()
            .auto_scaling_group_names(group)
            .send()
            .await
            .map_err(|e| cloud_error("autoscaling:DescribeAutoScalingGroups", e))?;
        if let Some(g) = groups.auto_scaling_groups().first() {
            let count = |n: Option<i32>| n.and_then(|n| u32::try_from(n).ok()).unwrap_or(0);
            facts.in_service_instances = u32::try_from(
                g.instances()
                    .iter()
                    .filter(|i| {
                        i.lifecycle_state()
                            .is_some_and(|s| s.as_str() == "InService")
                    })
                    .count(),
            )
            .unwrap_or(u32::MAX);
            facts.desired_capacity = count(g.desired_capacity());
            facts.max_size = count(g.max_size());
            facts.gpu_instances = g
                .mixed_instances_policy()
                .and_then(|p| p.launch_template())
                .map(|t| t.overrides())
                .unwrap_or_default()
                .iter()
                .filter_map(|o| o.instance_type())
                .any(is_gpu_instance_type);
        }
    }
    if let Some(provider) = provider {
        let providers = c
            .ecs
            .describe_capacity_providers()
            .capacity_providers(provider)
            .send()
            .await
            .map_err(|e| cloud_error("ecs:DescribeCapacityProviders", e))?;
        facts.managed_scaling = providers
            .capacity_providers()
            .first()
            .and_then(|p| p.auto_scaling_group_provider())
            .and_then(|a| a.managed_scaling())
            .and_then(|m| m.status())
            .is_some_and(|s| *s == ManagedScalingStatus::Enabled);
    }
    Ok(facts)
}
