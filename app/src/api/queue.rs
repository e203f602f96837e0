//! The Batch job queue of an environment: the queue view's page, job detail, submit a
//! job, cancel or terminate selected jobs. Live counts come from the server's poller
//! (one per watched queue) over `/environments/:id/queue/events`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::error::AppError;
use crate::domain::Permissions;
use crate::domain::queue::{JobCounts, JobDetail, JobState, JobSummary, StopJobsReport};

/// Jobs per page of the queue view (one batch:ListJobs call).
pub const JOBS_PER_PAGE: u32 = 50;

/// The queue view of an environment's job queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueView {
    /// Environment id.
    pub id: String,
    /// Environment name.
    pub name: String,
    /// The job queue.
    pub queue: String,
    /// The job definition (none: jobs cannot be submitted).
    pub definition: Option<String>,
    /// Whether the job definition runs on Fargate (vCPU values differ).
    pub fargate: bool,
    /// Jobs per state.
    pub counts: JobCounts,
    /// Whether the counts came from the queue's poller (else read for this page).
    pub counts_polled: bool,
    /// The state filter.
    pub state: Option<JobState>,
    /// The search text.
    pub search: String,
    /// The token this page started from (empty: the first page).
    pub token: String,
    /// This page's jobs.
    pub items: Vec<JobSummary>,
    /// The next page's token, if there is one.
    pub next: Option<String>,
    /// Why AWS could not be read, if it could not.
    pub aws_error: Option<String>,
    /// What the signed-in user may do.
    pub permissions: Permissions,
}

/// What a submit did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmitJobResult {
    /// The job's id.
    pub job_id: String,
    /// Its name.
    pub name: String,
    /// Its array size, for an array job.
    pub array_size: Option<u32>,
    /// The batch:SubmitJob request sent.
    pub request: crate::domain::requests::AwsRequest,
    /// The `console` command that submits the same job.
    pub command: String,
}

/// One page of the queue's jobs in `state` (all when empty) matching `search` (a job id
/// or ARN, or a name prefix), from `token` (a page link's), with the counts per state.
#[server(endpoint = "queue_page")]
pub async fn queue_page(
    id: String,
    state: Option<String>,
    search: Option<String>,
    token: Option<String>,
) -> Result<QueueView, AppError> {
    use super::ssr::{authorize, cloud_for, respond, services};
    use crate::domain::Operation;
    use crate::domain::queue::{PageToken, job_search};
    use crate::domain::spec::Platform;
    respond(async {
        let services = services()?;
        let access = authorize(&services, &id, Operation::View).await?;
        let spec = &access.env.spec;
        let queue = queue_name(spec)?;
        let state = match state.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(JobState::parse(s).ok_or_else(|| {
                AppError::invalid(
                    "state",
                    "console.job-state",
                    format!("'{s}' is not a Batch job state"),
                )
            })?),
        };
        let token_text = token.unwrap_or_default().trim().to_owned();
        let page_token = match token_text.as_str() {
            "" => None,
            t => Some(PageToken::decode(t).ok_or_else(|| {
                AppError::invalid("token", "console.page-token", "This page link is not valid")
            })?),
        };
        let search = search.unwrap_or_default().trim().to_owned();
        let cloud = cloud_for(&services, spec, &access.user.username).await?;
        let polled = use_context::<std::sync::Arc<dyn crate::engine::QueueWatch>>()
            .and_then(|w| w.latest(&access.env.id))
            .filter(|s| s.error.is_none());
        let mut aws_error = None;
        let (counts, counts_polled) = match polled {
            Some(s) => (s.counts, true),
            None => match crate::engine::count_jobs(&*cloud, &spec.region, &queue).await {
                Ok(c) => (c, false),
                Err(e) => {
                    aws_error = Some(e.to_string());
                    (JobCounts::from_states([]), false)
                }
            },
        };
        let page = match crate::engine::list_page(
            &*cloud,
            &spec.region,
            &queue,
            state,
            &job_search(&search),
            page_token.as_ref(),
            JOBS_PER_PAGE,
        )
        .await
        {
            Ok(p) => p,
            Err(e) => {
                aws_error.get_or_insert(e.to_string());
                Default::default()
            }
        };
        let definition = spec.job_definition.as_ref();
        Ok(QueueView {
            id: access.env.id.clone(),
            name: spec.name.clone(),
            queue,
            definition: definition.map(|d| d.name.clone()),
            fargate: definition.is_some_and(|d| d.platform == Platform::Fargate),
            counts,
            counts_polled,
            state,
            search,
            token: token_text,
            items: page.items,
            next: page.next.map(|t| t.encode()),
            aws_error,
            permissions: access.permissions(),
        })
    })
    .await
}

#[cfg(feature = "ssr")]
fn queue_name(spec: &crate::domain::EnvironmentSpec) -> Result<String, AppError> {
    spec.job_queue
        .as_ref()
        .map(|q| q.name.clone())
        .ok_or_else(|| {
            AppError::invalid(
                "job_queue",
                "console.job-queue-required",
                "This environment has no job queue",
            )
        })
}

/// One job of the queue in detail (batch:DescribeJobs).
#[server(endpoint = "get_job")]
pub async fn get_job(id: String, job: String) -> Result<JobDetail, AppError> {
    use super::ssr::{authorize, cloud_for, respond, services};
    use crate::domain::Operation;
    respond(async {
        let services = services()?;
        let access = authorize(&services, &id, Operation::View).await?;
        let spec = &access.env.spec;
        let queue = queue_name(spec)?;
        let cloud = cloud_for(&services, spec, &access.user.username).await?;
        let found = cloud
            .describe_jobs(&spec.region, &[job.trim().to_owned()])
            .await
            .map_err(|e| AppError::Aws(e.to_string()))?;
        found
            .into_iter()
            .find(|j| j.in_queue(&queue))
            .ok_or(AppError::NotFound)
    })
    .await
}

/// Submits a job (an array job with an array size) of the environment's job definition
/// to its queue (editors and owners): `form` is checked by
/// [`crate::domain::queue::parse_submit_job`]; audited.
#[server(endpoint = "submit_job")]
pub async fn submit_job(
    id: String,
    form: crate::domain::queue::SubmitJobForm,
) -> Result<SubmitJobResult, AppError> {
    use super::ssr::{audit, authorize, cloud_for, respond, services};
    use crate::domain::Operation;
    use crate::domain::queue::parse_submit_job;
    respond(async {
        let services = services()?;
        let access = authorize(&services, &id, Operation::SubmitJobs).await?;
        let spec = &access.env.spec;
        let job =
            parse_submit_job(&form, spec, &access.user.username).map_err(AppError::Invalid)?;
        audit(
            &services,
            &access.user.username,
            "jobs.submit",
            Some(&access.env.id),
            format!(
                "submitting {} ({}) to {}",
                job.name,
                job.array_size
                    .map_or_else(|| "one job".to_owned(), |n| format!("array of {n}")),
                job.queue
            ),
        )
        .await?;
        let cloud = cloud_for(&services, spec, &access.user.username).await?;
        let request = crate::domain::requests::submit_job_request(&job);
        let command = crate::domain::requests::cli_submit_job(&access.env.id, &job);
        let job_id = cloud
            .submit_job(&spec.region, &job)
            .await
            .map_err(|e| AppError::Aws(e.to_string()))?;
        Ok(SubmitJobResult {
            job_id,
            name: job.name,
            array_size: job.array_size,
            request,
            command,
        })
    })
    .await
}

/// Stops the selected jobs (editors and owners) with `reason`: each is cancelled
/// (SUBMITTED, PENDING, RUNNABLE) or terminated (STARTING, RUNNING) as its state needs;
/// audited.
#[server(endpoint = "cancel_jobs")]
pub async fn cancel_jobs(
    id: String,
    jobs: Option<Vec<String>>,
    reason: Option<String>,
) -> Result<StopJobsReport, AppError> {
    use super::ssr::{audit, authorize, cloud_for, respond, services};
    use crate::domain::Operation;
    use crate::domain::queue::cancel_reason;
    respond(async {
        let services = services()?;
        let access = authorize(&services, &id, Operation::CancelJobs).await?;
        let spec = &access.env.spec;
        let queue = queue_name(spec)?;
        let jobs: Vec<String> = jobs
            .unwrap_or_default()
            .into_iter()
            .map(|j| j.trim().to_owned())
            .filter(|j| !j.is_empty())
            .collect();
        if jobs.is_empty() {
            return Err(AppError::invalid(
                "jobs",
                "console.jobs-selected",
                "Select the jobs to cancel or terminate",
            ));
        }
        let reason = cancel_reason(reason.as_deref().unwrap_or_default(), &access.user.username)
            .map_err(|p| AppError::Invalid(vec![p]))?;
        audit(
            &services,
            &access.user.username,
            "jobs.cancel",
            Some(&access.env.id),
            format!(
                "cancelling or terminating {} job(s): {}",
                jobs.len(),
                jobs.join(", ")
            ),
        )
        .await?;
        let cloud = cloud_for(&services, spec, &access.user.username).await?;
        let mut report = crate::engine::stop_jobs(&*cloud, &spec.region, &queue, &jobs, &reason)
            .await
            .map_err(|e| AppError::Aws(e.to_string()))?;
        use crate::domain::requests::{cli_cancel_jobs, stop_job_request};
        report.requests = report
            .cancelled
            .iter()
            .map(|j| stop_job_request(j, &reason, false))
            .chain(
                report
                    .terminated
                    .iter()
                    .map(|j| stop_job_request(j, &reason, true)),
            )
            .collect();
        report.command = cli_cancel_jobs(&access.env.id, &jobs, &reason);
        Ok(report)
    })
    .await
}
