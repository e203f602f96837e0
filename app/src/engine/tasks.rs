//! Running ECS tasks in batches through the cloud port, and explaining why tasks wait
//! or fail to be placed.

use super::error::CloudError;
use super::ports::Cloud;
use crate::domain::EnvironmentSpec;
use crate::domain::tasks::{
    Diagnosis, Placement, RunTasks, TaskFailure, TaskSummary, batches, diagnose, explain_fargate,
};

/// What a run-tasks request did.
#[derive(Clone, Debug, Default)]
pub struct RunReport {
    /// Tasks asked for.
    pub requested: u32,
    /// ecs:RunTask calls made.
    pub calls: u32,
    /// Tasks started.
    pub started: Vec<TaskSummary>,
    /// Tasks AWS could not place, and why.
    pub failures: Vec<TaskFailure>,
    /// The error that stopped the batches, if one did (tasks already started stay).
    pub error: Option<CloudError>,
    /// Why tasks could not be placed, when some could not.
    pub diagnoses: Vec<Diagnosis>,
}

/// Whether AWS refused a whole RunTask call because the cluster has no container
/// instances (AWS: InvalidParameterException "No Container Instances were found in your
/// cluster."): a placement failure to explain, not an error of the console.
fn no_instances(e: &CloudError) -> bool {
    e.message.contains("No Container Instances were found")
}

/// Starts `request.count` tasks in RunTask calls of at most ten, one after the other
/// (the SDK's retries absorb throttling). The batches stop at the first call that fails
/// or cannot place every task: later calls would meet the same shortage.
pub async fn run_tasks(cloud: &dyn Cloud, spec: &EnvironmentSpec, request: &RunTasks) -> RunReport {
    let mut report = RunReport {
        requested: request.count,
        ..RunReport::default()
    };
    for count in batches(request.count) {
        report.calls += 1;
        match cloud.run_task(&spec.region, request, count).await {
            Ok(answer) => {
                report.started.extend(answer.tasks);
                let failed = !answer.failures.is_empty();
                report.failures.extend(answer.failures);
                if failed {
                    break;
                }
            }
            Err(e) if no_instances(&e) => {
                report.failures.push(TaskFailure {
                    arn: None,
                    reason: e.message,
                    detail: None,
                });
                break;
            }
            Err(e) => {
                report.error = Some(e);
                break;
            }
        }
    }
    if !report.failures.is_empty() {
        let on_fargate = match &request.placement {
            Placement::Fargate => true,
            Placement::Strategy(items) => items.iter().all(|i| i.provider.starts_with("FARGATE")),
            Placement::ClusterDefault => spec.capacity.is_none(),
        };
        report.diagnoses = if on_fargate {
            explain_fargate(&report.failures)
        } else {
            match explain(cloud, spec, &report.failures, 0).await {
                Ok(d) => d,
                Err(e) => vec![could_not_read(&e)],
            }
        };
    }
    report
}

fn could_not_read(e: &CloudError) -> Diagnosis {
    Diagnosis {
        key: "capacity-unread".into(),
        problem: format!("The cluster's capacity could not be read: {e}"),
        check: "The reasons AWS gave are listed above".into(),
    }
}

/// Diagnoses `failures` and `provisioning` waiting tasks against the cluster's EC2
/// capacity as AWS reports it now (nothing to say without EC2 capacity).
pub async fn explain(
    cloud: &dyn Cloud,
    spec: &EnvironmentSpec,
    failures: &[TaskFailure],
    provisioning: u32,
) -> Result<Vec<Diagnosis>, CloudError> {
    let Some(capacity) = &spec.capacity else {
        return Ok(explain_fargate(failures));
    };
    let group = crate::domain::capacity::group_name(&capacity.auto_scaling_group);
    let mut facts = cloud
        .capacity_facts(
            &spec.region,
            &spec.cluster.name,
            Some(&group),
            Some(&capacity.provider.name),
        )
        .await?;
    facts.task_gpus = spec
        .task_definition
        .iter()
        .flat_map(|t| &t.containers)
        .map(|c| c.gpus)
        .sum();
    facts.provisioning_tasks = provisioning;
    Ok(diagnose(failures, &facts))
}

/// The explanation for a task view: tasks waiting in PROVISIONING, if any.
pub async fn explain_waiting(
    cloud: &dyn Cloud,
    spec: &EnvironmentSpec,
    tasks: &[TaskSummary],
) -> Vec<Diagnosis> {
    use crate::domain::tasks::TaskStatus;
    let waiting = tasks
        .iter()
        .filter(|t| t.status == Some(TaskStatus::Provisioning))
        .count();
    if waiting == 0 || spec.capacity.is_none() {
        return Vec::new();
    }
    let waiting = u32::try_from(waiting).unwrap_or(u32::MAX);
    explain(cloud, spec, &[], waiting)
        .await
        .unwrap_or_else(|e| vec![could_not_read(&e)])
}
