//! ECS tasks of an environment's cluster: the task view, run tasks, stop tasks.

use leptos::prelude::*;

use super::error::AppError;
use super::types::{RunTasksResult, StopTasksResult, TaskPage};

/// One page (from 1) of the cluster's tasks in `status` (all when empty) matching
/// `search`, with the counts per status and why tasks wait, if they do.
#[server(endpoint = "list_tasks")]
pub async fn list_tasks(
    id: String,
    status: Option<String>,
    search: Option<String>,
    page: Option<usize>,
) -> Result<TaskPage, AppError> {
    use super::ssr::{authorize, cloud_for, respond, services};
    use super::types::TASKS_PER_PAGE;
    use crate::domain::Operation;
    use crate::domain::spec::Compatibility;
    use crate::domain::tasks::{TaskStatus, count_by_status, select};
    respond(async {
        let services = services()?;
        let access = authorize(&services, &id, Operation::View).await?;
        let spec = &access.env.spec;
        let status = match status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(TaskStatus::parse(s).ok_or_else(|| {
                AppError::invalid(
                    "status",
                    "console.task-status",
                    format!("'{s}' is not an ECS task status"),
                )
            })?),
        };
        let search = search.unwrap_or_default().trim().to_owned();
        let cloud = cloud_for(&services, spec, &access.user.username).await?;
        let (tasks, aws_error) = match cloud.list_tasks(&spec.region, &spec.cluster.name).await {
            Ok(t) => (t, None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        };
        let diagnoses = crate::engine::explain_waiting(&*cloud, spec, &tasks).await;
        let selected = select(&tasks, status, &search);
        let matching = selected.len();
        let pages = matching.div_ceil(TASKS_PER_PAGE).max(1);
        let page = page.unwrap_or(1).clamp(1, pages);
        let items = selected
            .into_iter()
            .skip((page - 1) * TASKS_PER_PAGE)
            .take(TASKS_PER_PAGE)
            .cloned()
            .collect();
        let task = spec.task_definition.as_ref();
        Ok(TaskPage {
            id: access.env.id.clone(),
            name: spec.name.clone(),
            cluster: spec.cluster.name.clone(),
            family: task.map(|t| t.family.clone()),
            fargate: task
                .is_some_and(|t| t.requires_compatibilities.contains(&Compatibility::Fargate)),
            cluster_strategy: spec.capacity.is_some(),
            counts: count_by_status(&tasks),
            status,
            search,
            matching,
            page,
            pages,
            items,
            diagnoses,
            aws_error,
            permissions: access.permissions(),
        })
    })
    .await
}

/// Runs tasks of the environment's task definition (editors and owners): `form` is
/// checked by [`crate::domain::tasks::parse_run_tasks`], the tasks started in RunTask
/// calls of at most ten; audited.
#[server(endpoint = "run_tasks")]
pub async fn run_tasks(
    id: String,
    form: crate::domain::tasks::RunTasksForm,
) -> Result<RunTasksResult, AppError> {
    use super::ssr::{audit, authorize, cloud_for, respond, services};
    use crate::domain::Operation;
    use crate::domain::tasks::parse_run_tasks;
    respond(async {
        let services = services()?;
        let access = authorize(&services, &id, Operation::SubmitJobs).await?;
        let spec = &access.env.spec;
        let request =
            parse_run_tasks(&form, spec, &access.user.username).map_err(AppError::Invalid)?;
        audit(
            &services,
            &access.user.username,
            "tasks.run",
            Some(&access.env.id),
            format!(
                "asked for {} task(s) of {} on {}",
                request.count, request.task_definition, request.cluster
            ),
        )
        .await?;
        let cloud = cloud_for(&services, spec, &access.user.username).await?;
        let report = crate::engine::run_tasks(&*cloud, spec, &request).await;
        // The calls made (the batches stop at the first refusal).
        let requests = crate::domain::tasks::batches(request.count)
            .into_iter()
            .take(report.calls as usize)
            .map(|n| crate::domain::requests::run_task_request(&request, n))
            .collect();
        let command = crate::domain::requests::curl(
            "POST",
            &format!("/environments/{}/tasks", access.env.id),
            serde_json::to_value(&form).ok().as_ref(),
        );
        Ok(RunTasksResult {
            requests,
            command,
            requested: report.requested,
            started: report.started.len(),
            calls: report.calls,
            failures: report.failures,
            diagnoses: report.diagnoses,
            error: report.error.map(|e| e.to_string()),
        })
    })
    .await
}

/// Stops the selected tasks (editors and owners) with `reason`, one ecs:StopTask each;
/// audited.
#[server(endpoint = "stop_tasks")]
pub async fn stop_tasks(
    id: String,
    tasks: Option<Vec<String>>,
    reason: Option<String>,
) -> Result<StopTasksResult, AppError> {
    use super::ssr::{audit, authorize, cloud_for, respond, services};
    use crate::domain::Operation;
    use crate::domain::tasks::{is_task_ref, stop_reason, task_id};
    respond(async {
        let services = services()?;
        let access = authorize(&services, &id, Operation::CancelJobs).await?;
        let spec = &access.env.spec;
        let tasks = tasks.unwrap_or_default();
        if tasks.is_empty() {
            return Err(AppError::invalid(
                "tasks",
                "console.tasks-selected",
                "Select the tasks to stop",
            ));
        }
        // Refused before any StopTask call: ECS would refuse each (and the emulator
        // answers 500, which the SDK retries for half a minute).
        if let Some(bad) = tasks.iter().find(|t| !is_task_ref(t)) {
            return Err(AppError::invalid(
                "tasks",
                "ecs.task-id",
                format!("{bad:?} is not an ECS task id or task ARN"),
            ));
        }
        let reason = stop_reason(reason.as_deref().unwrap_or_default(), &access.user.username)
            .map_err(|p| AppError::Invalid(vec![p]))?;
        // Only tasks of this environment's cluster: a task ARN names its cluster.
        let cluster_part = format!(":task/{}/", spec.cluster.name);
        if let Some(other) = tasks
            .iter()
            .find(|t| t.starts_with("arn:") && !t.contains(&cluster_part))
        {
            return Err(AppError::invalid(
                "tasks",
                "console.task-of-cluster",
                format!("{other} is not a task of the cluster {}", spec.cluster.name),
            ));
        }
        audit(
            &services,
            &access.user.username,
            "tasks.stop",
            Some(&access.env.id),
            format!(
                "stopping {} task(s): {}",
                tasks.len(),
                tasks
                    .iter()
                    .map(|t| task_id(t))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .await?;
        let cloud = cloud_for(&services, spec, &access.user.username).await?;
        // Ten StopTask calls at a time: well inside ECS's request rate.
        let mut results = Vec::with_capacity(tasks.len());
        for chunk in tasks.chunks(10) {
            let calls = chunk
                .iter()
                .map(|t| cloud.stop_task(&spec.region, &spec.cluster.name, t, &reason));
            results.extend(futures::future::join_all(calls).await);
        }
        let mut out = StopTasksResult {
            stopped: 0,
            errors: Vec::new(),
            requests: tasks
                .iter()
                .map(|t| crate::domain::requests::stop_task_request(&spec.cluster.name, t, &reason))
                .collect(),
            command: crate::domain::requests::curl(
                "POST",
                &format!("/environments/{}/tasks/stop", access.env.id),
                Some(&serde_json::json!({ "ids": tasks, "reason": reason })),
            ),
        };
        for (task, result) in tasks.iter().zip(results) {
            match result {
                Ok(()) => out.stopped += 1,
                Err(e) => out.errors.push(format!("{}: {e}", task_id(task))),
            }
        }
        Ok(out)
    })
    .await
}
