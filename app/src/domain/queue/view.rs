//! The queue view's data: Batch jobs by state, their counts, the table's query and page
//! tokens, the detail of one job, and which call stops a job.

use serde::{Deserialize, Serialize};

/// A Batch job's state, in lifecycle order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum JobState {
    /// Accepted, not yet evaluated by the scheduler.
    Submitted,
    /// Waiting on dependencies.
    Pending,
    /// Waiting for compute capacity.
    Runnable,
    /// Placed; its container is starting.
    Starting,
    /// Running.
    Running,
    /// Exited 0.
    Succeeded,
    /// Failed, cancelled or terminated.
    Failed,
}

impl JobState {
    /// Every state, in lifecycle order.
    pub const ALL: [JobState; 7] = [
        JobState::Submitted,
        JobState::Pending,
        JobState::Runnable,
        JobState::Starting,
        JobState::Running,
        JobState::Succeeded,
        JobState::Failed,
    ];

    /// AWS's name, e.g. `RUNNABLE`.
    pub fn key(self) -> &'static str {
        match self {
            JobState::Submitted => "SUBMITTED",
            JobState::Pending => "PENDING",
            JobState::Runnable => "RUNNABLE",
            JobState::Starting => "STARTING",
            JobState::Running => "RUNNING",
            JobState::Succeeded => "SUCCEEDED",
            JobState::Failed => "FAILED",
        }
    }

    /// The state named `key` (any case), if it is one.
    pub fn parse(key: &str) -> Option<JobState> {
        JobState::ALL
            .into_iter()
            .find(|s| s.key().eq_ignore_ascii_case(key.trim()))
    }
}

/// How a job in a given state is stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stopper {
    /// batch:CancelJob: the job has not started (SUBMITTED, PENDING, RUNNABLE).
    Cancel,
    /// batch:TerminateJob: the job is STARTING or RUNNING.
    Terminate,
}

/// The call that stops a job in `state`; `None` once it has finished.
pub fn stopper(state: JobState) -> Option<Stopper> {
    match state {
        JobState::Submitted | JobState::Pending | JobState::Runnable => Some(Stopper::Cancel),
        JobState::Starting | JobState::Running => Some(Stopper::Terminate),
        JobState::Succeeded | JobState::Failed => None,
    }
}

/// A job as batch:ListJobs summarises it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobSummary {
    /// Job id (an array child's is `<parent id>:<index>`).
    pub id: String,
    /// Job ARN.
    pub arn: String,
    /// Job name.
    pub name: String,
    /// Its state (`None`: a state this console does not know, kept in `raw_status`).
    pub state: Option<JobState>,
    /// The state as AWS gave it.
    pub raw_status: String,
    /// Why it is in its state (e.g. the reason given to CancelJob).
    pub status_reason: Option<String>,
    /// Created at (RFC 3339).
    pub created_at: Option<String>,
    /// Started at (RFC 3339).
    pub started_at: Option<String>,
    /// Stopped at (RFC 3339).
    pub stopped_at: Option<String>,
    /// The container's exit code, once it exited.
    pub exit_code: Option<i32>,
    /// An array job's size.
    pub array_size: Option<u32>,
    /// An array child's index.
    pub array_index: Option<u32>,
    /// The job definition's ARN.
    pub job_definition: Option<String>,
}

/// One attempt of a job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attempt {
    /// Its container's exit code.
    pub exit_code: Option<i32>,
    /// Why the attempt ended.
    pub reason: Option<String>,
    /// The CloudWatch Logs stream of the attempt.
    pub log_stream: Option<String>,
    /// Started at (RFC 3339).
    pub started_at: Option<String>,
    /// Stopped at (RFC 3339).
    pub stopped_at: Option<String>,
}

/// An array job's children by state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArrayStatus {
    /// How many children (the parent's), or `None` for a child.
    pub size: Option<u32>,
    /// The child's index, or `None` for the parent.
    pub index: Option<u32>,
    /// Children per state (the parent's), states AWS left out counted as zero.
    pub children: Vec<(JobState, u32)>,
}

/// A job as batch:DescribeJobs details it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobDetail {
    /// What the table shows.
    pub summary: JobSummary,
    /// The queue's ARN.
    pub queue: String,
    /// Attempts, first to last.
    pub attempts: Vec<Attempt>,
    /// The current (or last) log stream.
    pub log_stream: Option<String>,
    /// Array properties, for an array job or child.
    pub array: Option<ArrayStatus>,
    /// Parameters, sorted by name.
    pub parameters: Vec<(String, String)>,
    /// The command the container runs.
    pub command: Vec<String>,
}

impl JobDetail {
    /// Whether the job belongs to the queue named `queue` (a queue ARN ends in
    /// `:job-queue/<name>`).
    pub fn in_queue(&self, queue: &str) -> bool {
        self.queue == queue || self.queue.ends_with(&format!(":job-queue/{queue}"))
    }
}

/// One state's count. Counting pages through batch:ListJobs; past
/// [`COUNT_PAGES_MAX`] pages it stops, and `more` says there are more.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StateCount {
    /// The state.
    pub state: JobState,
    /// Jobs counted.
    pub count: u64,
    /// Whether counting stopped before the end.
    pub more: bool,
}

/// Jobs per state, every state in lifecycle order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobCounts {
    /// One entry per state of [`JobState::ALL`].
    pub states: Vec<StateCount>,
}

impl JobCounts {
    /// Counts from `(state, count, more)`; states left out are zero.
    pub fn from_states(counted: impl IntoIterator<Item = StateCount>) -> JobCounts {
        let counted: Vec<StateCount> = counted.into_iter().collect();
        JobCounts {
            states: JobState::ALL
                .into_iter()
                .map(|state| {
                    counted
                        .iter()
                        .find(|c| c.state == state)
                        .copied()
                        .unwrap_or(StateCount {
                            state,
                            count: 0,
                            more: false,
                        })
                })
                .collect(),
        }
    }

    /// The count of `state`.
    pub fn of(&self, state: JobState) -> u64 {
        self.states
            .iter()
            .find(|c| c.state == state)
            .map_or(0, |c| c.count)
    }

    /// Jobs in every state.
    pub fn total(&self) -> u64 {
        self.states.iter().map(|c| c.count).sum()
    }

    /// How a state's count reads: `1234`, or `20000+` when counting stopped early.
    pub fn label(c: &StateCount) -> String {
        if c.more {
            format!("{}+", c.count)
        } else {
            c.count.to_string()
        }
    }
}

/// ListJobs page size while counting (AWS's largest).
pub const COUNT_PAGE_SIZE: u32 = 1000;
/// ListJobs pages read per state while counting (so at most 20,000 jobs a state).
pub const COUNT_PAGES_MAX: u32 = 20;

/// One batch:ListJobs call of the queue view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobListQuery {
    /// The queue's name.
    pub queue: String,
    /// Only jobs in this state (ignored by AWS with a name filter; `None` with no name:
    /// every state, through the filter `AFTER_CREATED_AT` 0).
    pub state: Option<JobState>,
    /// Jobs whose name starts with this (the filter `JOB_NAME`, `<prefix>*`).
    pub name_prefix: Option<String>,
    /// maxResults.
    pub max_results: u32,
    /// AWS's nextToken from the previous page.
    pub next_token: Option<String>,
}

/// What the search box asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobSearch {
    /// Nothing: the state's jobs.
    None,
    /// One job by id (or ARN): batch:DescribeJobs.
    Id(String),
    /// Jobs whose name starts with this: ListJobs' `JOB_NAME` filter.
    Name(String),
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Reads the search box: a job ARN, a job id (a UUID, or `<uuid>:<index>` for an array
/// child) or else a name prefix (`*` at its end is dropped: it is added anyway).
pub fn job_search(text: &str) -> JobSearch {
    let text = text.trim();
    if text.is_empty() {
        return JobSearch::None;
    }
    let id = if text.starts_with("arn:") {
        text.rsplit_once(":job/").map_or(text, |(_, id)| id)
    } else {
        text
    };
    let (base, index) = id.split_once(':').unwrap_or((id, ""));
    if is_uuid(base) && (index.is_empty() || index.chars().all(|c| c.is_ascii_digit())) {
        return JobSearch::Id(id.to_ascii_lowercase());
    }
    JobSearch::Name(text.trim_end_matches('*').to_owned())
}

/// Where the next page of the table starts: AWS's nextToken, or (for an emulator that
/// ignores maxResults and answers everything at once, as moto does) how many jobs of
/// that whole answer to skip. Carried in the page links as text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PageToken {
    /// AWS's nextToken.
    Aws(String),
    /// Skip this many jobs of an answer that ignored maxResults.
    Skip(usize),
}

impl PageToken {
    /// The token as it goes in a link (`a.<token>` or `s.<n>`).
    pub fn encode(&self) -> String {
        match self {
            PageToken::Aws(t) => format!("a.{t}"),
            PageToken::Skip(n) => format!("s.{n}"),
        }
    }

    /// A token from a link; `None` for text no page link holds.
    pub fn decode(text: &str) -> Option<PageToken> {
        match text.trim().split_once('.')? {
            ("a", t) if !t.is_empty() => Some(PageToken::Aws(t.to_owned())),
            ("s", n) => n.parse().ok().map(PageToken::Skip),
            _ => None,
        }
    }

    /// One page of `answer` (a ListJobs answer to `asked` = maxResults sent with
    /// `token`'s nextToken, if it was AWS's) and the token of the next page.
    pub fn page<T>(
        token: Option<&PageToken>,
        mut answer: Vec<T>,
        asked: usize,
        aws_next: Option<String>,
    ) -> (Vec<T>, Option<PageToken>) {
        let skipping = matches!(token, Some(PageToken::Skip(_)));
        if answer.len() <= asked && !skipping {
            return (answer, aws_next.map(PageToken::Aws));
        }
        // The answer ignored maxResults: page through it ourselves.
        let skip = match token {
            Some(PageToken::Skip(n)) => (*n).min(answer.len()),
            _ => 0,
        };
        let end = (skip + asked).min(answer.len());
        let next = (end < answer.len()).then_some(PageToken::Skip(end));
        answer.truncate(end);
        answer.drain(..skip);
        (answer, next)
    }
}

/// One page of the job table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobPage {
    /// The page's jobs, in AWS's order.
    pub items: Vec<JobSummary>,
    /// The next page's token, if there is a next page.
    pub next: Option<PageToken>,
}

/// What stopping selected jobs did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StopJobsReport {
    /// Jobs cancelled (batch:CancelJob).
    pub cancelled: Vec<String>,
    /// Jobs terminated (batch:TerminateJob).
    pub terminated: Vec<String>,
    /// Jobs left alone, each with why (finished, not in the queue, unknown) or AWS's
    /// error.
    pub errors: Vec<String>,
    /// The requests sent (one per job stopped).
    #[serde(default)]
    pub requests: Vec<crate::domain::requests::AwsRequest>,
    /// The `console` command that does the same.
    #[serde(default)]
    pub command: String,
}

/// The latest counts of a watched queue, as its poller last read them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueSnapshot {
    /// Jobs per state (from the last successful poll).
    pub counts: JobCounts,
    /// When they were read (RFC 3339).
    pub polled_at: String,
    /// The last poll's error, if it failed (the counts are then older).
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_and_pick_cancel_or_terminate() {
        for s in JobState::ALL {
            assert_eq!(JobState::parse(s.key()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.key())
            );
        }
        assert_eq!(JobState::parse(" runnable "), Some(JobState::Runnable));
        assert_eq!(JobState::parse("DONE"), None);
        let stoppers: Vec<Option<Stopper>> = JobState::ALL.into_iter().map(stopper).collect();
        use Stopper::{Cancel, Terminate};
        assert_eq!(
            stoppers,
            [
                Some(Cancel),
                Some(Cancel),
                Some(Cancel),
                Some(Terminate),
                Some(Terminate),
                None,
                None
            ]
        );
    }

    #[test]
    fn counts_cover_every_state_in_order() {
        let c = JobCounts::from_states([
            StateCount {
                state: JobState::Failed,
                count: 3,
                more: false,
            },
            StateCount {
                state: JobState::Submitted,
                count: 20_000,
                more: true,
            },
        ]);
        assert_eq!(c.states.len(), 7);
        assert_eq!(c.states[0].state, JobState::Submitted);
        assert_eq!((c.of(JobState::Failed), c.of(JobState::Running)), (3, 0));
        assert_eq!(c.total(), 20_003);
        assert_eq!(JobCounts::label(&c.states[0]), "20000+");
        assert_eq!(JobCounts::label(&c.states[6]), "3");
    }

    #[test]
    fn the_search_box_reads_ids_arns_and_name_prefixes() {
        let id = "0f6d3a5e-1b2c-4d3e-8f90-a1b2c3d4e5f6";
        assert_eq!(job_search("  "), JobSearch::None);
        assert_eq!(job_search(id), JobSearch::Id(id.into()));
        assert_eq!(
            job_search(&id.to_uppercase()),
            JobSearch::Id(id.into()),
            "ids are lower case"
        );
        assert_eq!(
            job_search(&format!("{id}:17")),
            JobSearch::Id(format!("{id}:17"))
        );
        assert_eq!(
            job_search(&format!("arn:aws:batch:us-east-1:123456789012:job/{id}")),
            JobSearch::Id(id.into())
        );
        assert_eq!(job_search("shard-1*"), JobSearch::Name("shard-1".into()));
        assert_eq!(job_search("0f6d3a5e"), JobSearch::Name("0f6d3a5e".into()));
        assert_eq!(
            job_search(&format!("{id}:x")),
            JobSearch::Name(format!("{id}:x"))
        );
    }

    #[test]
    fn page_tokens_round_trip_and_page_answers_that_ignore_max_results() {
        for t in [PageToken::Aws("eyJ4Ijox.fQ==".into()), PageToken::Skip(40)] {
            assert_eq!(PageToken::decode(&t.encode()), Some(t));
        }
        for bad in ["", "x.1", "s.", "s.-1", "a.", "plain"] {
            assert_eq!(PageToken::decode(bad), None, "{bad}");
        }
        // AWS honours maxResults: its token is passed on.
        let (page, next) = PageToken::page(None, vec![1, 2, 3], 3, Some("t".into()));
        assert_eq!(
            (page, next),
            (vec![1, 2, 3], Some(PageToken::Aws("t".into())))
        );
        // An emulator answering 7 for 3: pages of 3, then the rest.
        let all: Vec<u32> = (1..=7).collect();
        let (page, next) = PageToken::page(None, all.clone(), 3, None);
        assert_eq!(
            (page, next.clone()),
            (vec![1, 2, 3], Some(PageToken::Skip(3)))
        );
        let (page, next) = PageToken::page(next.as_ref(), all.clone(), 3, None);
        assert_eq!(
            (page, next.clone()),
            (vec![4, 5, 6], Some(PageToken::Skip(6)))
        );
        let (page, next) = PageToken::page(next.as_ref(), all.clone(), 3, None);
        assert_eq!((page, next), (vec![7], None));
        // A skip past the end (the queue shrank): an empty page.
        let (page, next) = PageToken::page(Some(&PageToken::Skip(99)), all, 3, None);
        assert_eq!((page, next), (vec![], None));
    }
}
