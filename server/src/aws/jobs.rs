//! Batch jobs of the queue view (aws-sdk-batch): SubmitJob, ListJobs (one page, by
//! state or name filter), DescribeJobs, CancelJob and TerminateJob.

use app::domain::queue::{
    ArrayStatus, Attempt, JobDetail, JobListQuery, JobState, JobSummary, Stopper, SubmitJob,
};
use app::engine::CloudError;
use aws_sdk_batch::types::{
    ArrayProperties, ContainerOverrides, JobStatus, KeyValuesPair, ResourceRequirement,
    ResourceType,
};
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;

use super::cloud::RegionClients;
use super::error::cloud_error;

fn time(millis: Option<i64>) -> Option<String> {
    millis
        .filter(|m| *m > 0)
        .and_then(|m| DateTime::from_millis(m).fmt(Format::DateTime).ok())
}

fn u32_of(n: Option<i32>) -> Option<u32> {
    n.and_then(|n| u32::try_from(n).ok())
}

/// One batch:SubmitJob call.
pub(super) async fn submit_job(c: &RegionClients, job: &SubmitJob) -> Result<String, CloudError> {
    let mut call = c
        .batch
        .submit_job()
        .job_name(&job.name)
        .job_queue(&job.queue)
        .job_definition(&job.job_definition);
    if let Some(size) = job.array_size {
        call = call.array_properties(
            ArrayProperties::builder()
                .size(i32::try_from(size).unwrap_or(i32::MAX))
                .build(),
        );
    }
    for (key, value) in &job.parameters {
        call = call.parameters(key, value);
    }
    for (key, value) in &job.tags {
        call = call.tags(key, value);
    }
    if job.command.is_some() || job.vcpus.is_some() || job.memory.is_some() {
        let mut overrides = ContainerOverrides::builder().set_command(job.command.clone());
        for (kind, value) in [
            (ResourceType::Vcpu, job.vcpus.clone()),
            (ResourceType::Memory, job.memory.map(|m| m.to_string())),
        ] {
            if let Some(value) = value {
                overrides = overrides.resource_requirements(
                    ResourceRequirement::builder()
                        .r#type(kind)
                        .value(value)
                        .build(),
                );
            }
        }
        call = call.container_overrides(overrides.build());
    }
    let out = call
        .send()
        .await
        .map_err(|e| cloud_error("batch:SubmitJob", e))?;
    Ok(out.job_id().unwrap_or_default().to_owned())
}

fn summary(j: &aws_sdk_batch::types::JobSummary) -> JobSummary {
    let raw = j
        .status()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default();
    JobSummary {
        id: j.job_id().unwrap_or_default().to_owned(),
        arn: j.job_arn().unwrap_or_default().to_owned(),
        name: j.job_name().unwrap_or_default().to_owned(),
        state: JobState::parse(&raw),
        raw_status: raw,
        status_reason: j.status_reason().map(str::to_owned),
        created_at: time(j.created_at()),
        started_at: time(j.started_at()),
        stopped_at: time(j.stopped_at()),
        exit_code: j.container().and_then(|c| c.exit_code()),
        array_size: u32_of(j.array_properties().and_then(|a| a.size())),
        array_index: u32_of(j.array_properties().and_then(|a| a.index())),
        job_definition: j.job_definition().map(str::to_owned),
    }
}

/// One batch:ListJobs call. With a name prefix the filter `JOB_NAME` (`<prefix>*`) is
/// sent; with neither name nor state the filter `AFTER_CREATED_AT` 0, which lists every
/// state (without a filter or state, AWS lists RUNNING jobs only). AWS ignores
/// `jobStatus` when a filter is given.
pub(super) async fn list_jobs(
    c: &RegionClients,
    q: &JobListQuery,
) -> Result<(Vec<JobSummary>, Option<String>), CloudError> {
    const OP: &str = "batch:ListJobs";
    let filter =
        |name: &str, value: String| KeyValuesPair::builder().name(name).values(value).build();
    let mut call = c
        .batch
        .list_jobs()
        .job_queue(&q.queue)
        .max_results(i32::try_from(q.max_results).unwrap_or(1000))
        .set_next_token(q.next_token.clone());
    call = match (&q.name_prefix, q.state) {
        (Some(prefix), _) => call.filters(filter("JOB_NAME", format!("{prefix}*"))),
        (None, Some(state)) => call.job_status(JobStatus::from(state.key())),
        (None, None) => call.filters(filter("AFTER_CREATED_AT", "0".into())),
    };
    let out = call.send().await.map_err(|e| cloud_error(OP, e))?;
    Ok((
        out.job_summary_list().iter().map(summary).collect(),
        out.next_token()
            .filter(|t| !t.is_empty())
            .map(str::to_owned),
    ))
}

fn detail(j: &aws_sdk_batch::types::JobDetail) -> JobDetail {
    let raw = j
        .status()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default();
    let container = j.container();
    let array = j.array_properties().map(|a| ArrayStatus {
        size: u32_of(a.size()),
        index: u32_of(a.index()),
        children: match a.status_summary() {
            Some(summary) => JobState::ALL
                .into_iter()
                .map(|s| {
                    let n = summary.get(s.key()).copied().unwrap_or(0);
                    (s, u32::try_from(n).unwrap_or(0))
                })
                .collect(),
            None => Vec::new(),
        },
    });
    let mut parameters: Vec<(String, String)> = j
        .parameters()
        .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    parameters.sort();
    JobDetail {
        summary: JobSummary {
            id: j.job_id().unwrap_or_default().to_owned(),
            arn: j.job_arn().unwrap_or_default().to_owned(),
            name: j.job_name().unwrap_or_default().to_owned(),
            state: JobState::parse(&raw),
            raw_status: raw,
            status_reason: j.status_reason().map(str::to_owned),
            created_at: time(j.created_at()),
            started_at: time(j.started_at()),
            stopped_at: time(j.stopped_at()),
            exit_code: container.and_then(|c| c.exit_code()),
            array_size: array.as_ref().and_then(|a| a.size),
            array_index: array.as_ref().and_then(|a| a.index),
            job_definition: j.job_definition().map(str::to_owned),
        },
        queue: j.job_queue().unwrap_or_default().to_owned(),
        attempts: j
            .attempts()
            .iter()
            .map(|a| Attempt {
                exit_code: a.container().and_then(|c| c.exit_code()),
                reason: a
                    .status_reason()
                    .or_else(|| a.container().and_then(|c| c.reason()))
                    .map(str::to_owned),
                log_stream: a
                    .container()
                    .and_then(|c| c.log_stream_name())
                    .map(str::to_owned),
                started_at: time(a.started_at()),
                stopped_at: time(a.stopped_at()),
            })
            .collect(),
        log_stream: container
            .and_then(|c| c.log_stream_name())
            .map(str::to_owned),
        array,
        parameters,
        command: container.map(|c| c.command().to_vec()).unwrap_or_default(),
    }
}

/// batch:DescribeJobs of at most 100 ids.
pub(super) async fn describe_jobs(
    c: &RegionClients,
    ids: &[String],
) -> Result<Vec<JobDetail>, CloudError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let out = c
        .batch
        .describe_jobs()
        .set_jobs(Some(ids.to_vec()))
        .send()
        .await
        .map_err(|e| cloud_error("batch:DescribeJobs", e))?;
    Ok(out.jobs().iter().map(detail).collect())
}

/// batch:CancelJob or batch:TerminateJob.
pub(super) async fn stop_job(
    c: &RegionClients,
    id: &str,
    how: Stopper,
    reason: &str,
) -> Result<(), CloudError> {
    match how {
        Stopper::Cancel => c
            .batch
            .cancel_job()
            .job_id(id)
            .reason(reason)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| cloud_error("batch:CancelJob", e)),
        Stopper::Terminate => c
            .batch
            .terminate_job()
            .job_id(id)
            .reason(reason)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| cloud_error("batch:TerminateJob", e)),
    }
}
