//! The Batch job queue through the cloud port: counts per state, one page of the job
//! table (by state, name prefix or id) without reading the rest, and stopping selected
//! jobs with the call their state needs.

use super::error::CloudError;
use super::ports::Cloud;
pub use crate::domain::queue::QueueSnapshot;
use crate::domain::queue::{
    COUNT_PAGE_SIZE, COUNT_PAGES_MAX, JobCounts, JobListQuery, JobPage, JobSearch, JobState,
    PageToken, StateCount, StopJobsReport, Stopper, stopper,
};

/// Counts the queue's jobs per state: batch:ListJobs of each state (in parallel), paged
/// by [`COUNT_PAGE_SIZE`] up to [`COUNT_PAGES_MAX`] pages a state.
pub async fn count_jobs(
    cloud: &dyn Cloud,
    region: &str,
    queue: &str,
) -> Result<JobCounts, CloudError> {
    let count = |state: JobState| async move {
        let mut counted = StateCount {
            state,
            count: 0,
            more: false,
        };
        let mut token = None;
        for page in 0..COUNT_PAGES_MAX {
            let query = JobListQuery {
                queue: queue.to_owned(),
                state: Some(state),
                name_prefix: None,
                max_results: COUNT_PAGE_SIZE,
                next_token: token,
            };
            let (jobs, next) = cloud.list_jobs(region, &query).await?;
            counted.count += jobs.len() as u64;
            match next {
                Some(t) if page + 1 == COUNT_PAGES_MAX => {
                    let _ = t;
                    counted.more = true;
                }
                Some(t) => {
                    token = Some(t);
                    continue;
                }
                None => {}
            }
            break;
        }
        Ok::<_, CloudError>(counted)
    };
    let counted = futures::future::try_join_all(JobState::ALL.map(count)).await?;
    Ok(JobCounts::from_states(counted))
}

/// One page of `per_page` jobs of the queue: in `state` (every state when `None`),
/// matching `search`, from `token`. A name search asks AWS for name prefixes (AWS then
/// ignores the state, so the page is filtered to the state and can be short); an id
/// search reads that job alone (batch:DescribeJobs) and shows it if it is in the queue.
pub async fn list_page(
    cloud: &dyn Cloud,
    region: &str,
    queue: &str,
    state: Option<JobState>,
    search: &JobSearch,
    token: Option<&PageToken>,
    per_page: u32,
) -> Result<JobPage, CloudError> {
    if let JobSearch::Id(id) = search {
        let found = cloud
            .describe_jobs(region, std::slice::from_ref(id))
            .await?;
        return Ok(JobPage {
            items: found
                .into_iter()
                .filter(|j| j.in_queue(queue))
                .map(|j| j.summary)
                .filter(|j| state.is_none_or(|s| j.state == Some(s)))
                .collect(),
            next: None,
        });
    }
    let name_prefix = match search {
        JobSearch::Name(n) => Some(n.clone()),
        _ => None,
    };
    let query = JobListQuery {
        queue: queue.to_owned(),
        state,
        name_prefix: name_prefix.clone(),
        max_results: per_page,
        next_token: match token {
            Some(PageToken::Aws(t)) => Some(t.clone()),
            _ => None,
        },
    };
    let (jobs, aws_next) = cloud.list_jobs(region, &query).await?;
    let (mut items, next) = PageToken::page(token, jobs, per_page as usize, aws_next);
    if name_prefix.is_some()
        && let Some(s) = state
    {
        items.retain(|j| j.state == Some(s));
    }
    Ok(JobPage { items, next })
}

/// Stops the jobs `ids` of `queue` with `reason`: each is described first, then
/// cancelled (not started yet) or terminated (STARTING or RUNNING) as its state needs;
/// finished jobs and jobs of other queues are reported, not touched.
pub async fn stop_jobs(
    cloud: &dyn Cloud,
    region: &str,
    queue: &str,
    ids: &[String],
    reason: &str,
) -> Result<StopJobsReport, CloudError> {
    let mut report = StopJobsReport::default();
    for chunk in ids.chunks(100) {
        let found = cloud.describe_jobs(region, chunk).await?;
        let mut calls = Vec::new();
        for id in chunk {
            let Some(job) = found
                .iter()
                .find(|j| &j.summary.id == id || &j.summary.arn == id)
            else {
                report.errors.push(format!("{id}: no such job"));
                continue;
            };
            if !job.in_queue(queue) {
                report
                    .errors
                    .push(format!("{id}: not a job of the queue {queue}"));
                continue;
            }
            match job.summary.state.and_then(stopper) {
                Some(how) => calls.push((job.summary.id.clone(), how)),
                None => report
                    .errors
                    .push(format!("{id}: already {}", job.summary.raw_status)),
            }
        }
        // Ten calls at a time: well inside Batch's request rate.
        for batch in calls.chunks(10) {
            let results = futures::future::join_all(
                batch
                    .iter()
                    .map(|(id, how)| cloud.stop_job(region, id, *how, reason)),
            )
            .await;
            for ((id, how), result) in batch.iter().zip(results) {
                match (result, how) {
                    (Ok(()), Stopper::Cancel) => report.cancelled.push(id.clone()),
                    (Ok(()), Stopper::Terminate) => report.terminated.push(id.clone()),
                    (Err(e), _) => report.errors.push(format!("{id}: {e}")),
                }
            }
        }
    }
    Ok(report)
}

/// The queues the server is watching (one poller per queue, whoever watches): the
/// server functions read the latest counts from here instead of asking AWS again.
pub trait QueueWatch: Send + Sync {
    /// The latest snapshot of environment `environment_id`'s queue, if a poller is
    /// watching it and has read it.
    fn latest(&self, environment_id: &str) -> Option<QueueSnapshot>;
}
