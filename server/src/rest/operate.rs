//! `/api/v1/environments/{id}/...`: operating an applied environment: the job queue
//! (jobs by state, submit, detail, cancel/terminate), ECS tasks (list, run, stop) and the
//! capacity figures.

use app::api::queue::SubmitJobResult;
use app::api::types::StopTasksResult;
use app::domain::queue::{JobCounts, JobDetail, JobSummary, StopJobsReport, SubmitJobForm};
use app::domain::tasks::{RunTasksForm, TaskStatus, TaskSummary};
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::call::{ApiError, ApiState, ErrorBody, call};
use super::environments::count;
use super::extract::{Json, Path, Query};

/// Which jobs.
#[derive(Debug, Deserialize, IntoParams)]
pub struct JobsQuery {
    /// SUBMITTED, PENDING, RUNNABLE, STARTING, RUNNING, SUCCEEDED or FAILED (default
    /// RUNNING).
    pub state: Option<String>,
    /// A job id, ARN or name prefix (instead of a state).
    pub search: Option<String>,
    /// The page token from the previous page's `next`.
    pub token: Option<String>,
}

/// A page of the queue's jobs (50 per page) and the counts per state.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JobsPage {
    /// The job queue's name.
    pub queue: String,
    /// Jobs per state.
    pub counts: JobCounts,
    /// This page.
    pub items: Vec<JobSummary>,
    /// The next page's token, if there is one.
    pub next: Option<String>,
    /// Why AWS could not be read, if it could not.
    pub aws_error: Option<String>,
}

/// The environment's job queue: counts per state and one page of jobs.
#[utoipa::path(get, path = "/environments/{id}/jobs", tag = "jobs",
    params(("id" = String, Path, description = "environment id"), JobsQuery),
    responses((status = 200, body = JobsPage), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "not applied yet"),
        (status = 422, body = ErrorBody)))]
pub async fn jobs(
    State(state): State<ApiState>,
    parts: Parts,
    Path(id): Path<String>,
    Query(q): Query<JobsQuery>,
) -> Result<Json<JobsPage>, ApiError> {
    let view = call(&state, parts, move || {
        app::api::queue::queue_page(id, q.state, q.search, q.token)
    })
    .await?;
    Ok(Json(JobsPage {
        queue: view.queue,
        counts: view.counts,
        items: view.items,
        next: view.next,
        aws_error: view.aws_error,
    }))
}

/// Submits a job to the environment's queue with its job definition (fields as in the
/// console's form, checked by the same rules).
#[utoipa::path(post, path = "/environments/{id}/jobs", tag = "jobs",
    request_body(content = SubmitJobForm, example = json!({"name": "nightly-eval", "command": "python3 eval.py --shard 1"})),
    params(("id" = String, Path, description = "environment id")),
    responses((status = 201, body = SubmitJobResult), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 502, body = ErrorBody, description = "AWS refused")))]
pub async fn submit(
    State(state): State<ApiState>,
    parts: Parts,
    Path(id): Path<String>,
    Json(form): Json<SubmitJobForm>,
) -> Result<(StatusCode, Json<SubmitJobResult>), ApiError> {
    let result = call(&state, parts, move || app::api::queue::submit_job(id, form)).await?;
    Ok((StatusCode::CREATED, Json(result)))
}

/// One job: status reason, attempts with exit codes, log stream, array properties.
#[utoipa::path(get, path = "/environments/{id}/jobs/{job}", tag = "jobs",
    params(("id" = String, Path, description = "environment id"), ("job" = String, Path, description = "job id")),
    responses((status = 200, body = JobDetail), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn job(
    State(state): State<ApiState>,
    parts: Parts,
    Path((id, job)): Path<(String, String)>,
) -> Result<Json<JobDetail>, ApiError> {
    let detail = call(&state, parts, move || app::api::queue::get_job(id, job)).await?;
    Ok(Json(detail))
}

/// Jobs to stop.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StopRequest {
    /// Their ids (jobs), or ids or ARNs (tasks).
    pub ids: Vec<String>,
    /// Why (shown in AWS).
    pub reason: String,
}

/// Cancels queued jobs and terminates started ones, by their state.
#[utoipa::path(post, path = "/environments/{id}/jobs/cancel", tag = "jobs", request_body = StopRequest,
    params(("id" = String, Path, description = "environment id")),
    responses((status = 200, body = StopJobsReport), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<ApiState>,
    parts: Parts,
    Path(id): Path<String>,
    Json(body): Json<StopRequest>,
) -> Result<Json<StopJobsReport>, ApiError> {
    let report = call(&state, parts, move || {
        app::api::queue::cancel_jobs(id, Some(body.ids), Some(body.reason))
    })
    .await?;
    Ok(Json(report))
}

/// Which tasks.
#[derive(Debug, Deserialize, IntoParams)]
pub struct TasksQuery {
    /// Only tasks in this last status (PROVISIONING ... STOPPED).
    pub status: Option<String>,
    /// Task id, ARN, definition or starter contains this.
    pub search: Option<String>,
    /// Page from 1 (50 per page; 0 is the first, past the end the last).
    #[param(format = "uint32", maximum = 4294967295usize)]
    pub page: Option<u32>,
}

/// A page of the cluster's tasks.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TasksPage {
    /// The cluster's name.
    pub cluster: String,
    /// Tasks per last status: `[status, count]` pairs.
    pub counts: Vec<(TaskStatus, usize)>,
    /// How many match the filter and search.
    pub matching: u32,
    /// This page (from 1).
    pub page: u32,
    /// How many pages.
    pub pages: u32,
    /// This page's tasks.
    pub items: Vec<TaskSummary>,
    /// Why waiting tasks are not placed, explained against AWS's figures.
    #[schema(value_type = Vec<Object>)]
    pub diagnoses: Vec<app::domain::tasks::Diagnosis>,
    /// Why AWS could not be read, if it could not.
    pub aws_error: Option<String>,
}

/// The cluster's ECS tasks, by status and search.
#[utoipa::path(get, path = "/environments/{id}/tasks", tag = "tasks",
    params(("id" = String, Path, description = "environment id"), TasksQuery),
    responses((status = 200, body = TasksPage), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn tasks(
    State(state): State<ApiState>,
    parts: Parts,
    Path(id): Path<String>,
    Query(q): Query<TasksQuery>,
) -> Result<Json<TasksPage>, ApiError> {
    let page = call(&state, parts, move || {
        app::api::tasks::list_tasks(id, q.status, q.search, q.page.map(|p| p as usize))
    })
    .await?;
    Ok(Json(TasksPage {
        cluster: page.cluster,
        counts: page.counts,
        matching: count(page.matching),
        page: count(page.page),
        pages: count(page.pages),
        items: page.items,
        diagnoses: page.diagnoses,
        aws_error: page.aws_error,
    }))
}

/// What a run-tasks request did.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RunTasksResult {
    /// Tasks asked for.
    pub requested: u32,
    /// Tasks started.
    pub started: u32,
    /// RunTask calls made (at most ten tasks each).
    pub calls: u32,
    /// AWS's failures, each explained.
    #[schema(value_type = Vec<Object>)]
    pub failures: Vec<app::domain::tasks::TaskFailure>,
    /// Why tasks could not be placed, against AWS's figures.
    #[schema(value_type = Vec<Object>)]
    pub diagnoses: Vec<app::domain::tasks::Diagnosis>,
    /// The error that stopped the batches, if one did.
    pub error: Option<String>,
}

/// Runs the environment's task definition on its cluster (fields as in the console's
/// form, checked by the same rules).
#[utoipa::path(post, path = "/environments/{id}/tasks", tag = "tasks",
    request_body(content = RunTasksForm, example = json!({"count": "2", "placement": "fargate"})),
    params(("id" = String, Path, description = "environment id")),
    responses((status = 200, body = RunTasksResult), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn run_tasks(
    State(state): State<ApiState>,
    parts: Parts,
    Path(id): Path<String>,
    Json(form): Json<RunTasksForm>,
) -> Result<Json<RunTasksResult>, ApiError> {
    let r = call(&state, parts, move || app::api::tasks::run_tasks(id, form)).await?;
    Ok(Json(RunTasksResult {
        requested: r.requested,
        started: count(r.started),
        calls: r.calls,
        failures: r.failures,
        diagnoses: r.diagnoses,
        error: r.error,
    }))
}

/// Stops tasks of the environment's cluster, with a reason.
#[utoipa::path(post, path = "/environments/{id}/tasks/stop", tag = "tasks", request_body = StopRequest,
    params(("id" = String, Path, description = "environment id")),
    responses((status = 200, body = StopTasksResult), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn stop_tasks(
    State(state): State<ApiState>,
    parts: Parts,
    Path(id): Path<String>,
    Json(body): Json<StopRequest>,
) -> Result<Json<StopTasksResult>, ApiError> {
    let r = call(&state, parts, move || async move {
        // Ids that cannot name a task are refused before any StopTask call (after the
        // caller's access, as every other refusal): ECS would refuse each anyway, and
        // the emulator answers 500, which the SDK retries for half a minute.
        let services = app::api::ssr::services()?;
        app::api::ssr::authorize(&services, &id, app::domain::Operation::CancelJobs).await?;
        if let Some(bad) = body
            .ids
            .iter()
            .find(|t| !app::domain::tasks::is_task_ref(t))
        {
            return Err(app::api::AppError::invalid(
                "ids",
                "ecs.task-id",
                format!("{bad:?} is not an ECS task id or task ARN"),
            ));
        }
        app::api::tasks::stop_tasks(id, Some(body.ids), Some(body.reason)).await
    })
    .await?;
    Ok(Json(r))
}

/// Which window of samples.
#[derive(Debug, Deserialize, IntoParams)]
pub struct CapacityQuery {
    /// `hour` (default) or `day`.
    pub window: Option<String>,
}

/// The capacity figures now.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Capacity {
    /// Compute environment, Auto Scaling group, capacity provider and cluster figures.
    #[schema(value_type = Option<Object>)]
    pub now: Option<app::domain::capacity::CapacitySample>,
    /// Samples recorded in the window.
    pub samples: u32,
    /// Why AWS could not be read, if it could not.
    pub aws_error: Option<String>,
}

/// The environment's capacity now (compute environment vCPUs, group instances, provider
/// reservation, cluster tasks) and how many samples the window holds.
#[utoipa::path(get, path = "/environments/{id}/capacity", tag = "capacity",
    params(("id" = String, Path, description = "environment id"), CapacityQuery),
    responses((status = 200, body = Capacity), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn capacity(
    State(state): State<ApiState>,
    parts: Parts,
    Path(id): Path<String>,
    Query(q): Query<CapacityQuery>,
) -> Result<Json<Capacity>, ApiError> {
    let page = call(&state, parts, move || {
        app::api::capacity::get_capacity(id, q.window)
    })
    .await?;
    Ok(Json(Capacity {
        now: page.now,
        samples: count(page.samples),
        aws_error: page.aws_error,
    }))
}
