//! The Batch job-queue view: the submit-job form and its request, the jobs as the view
//! shows them (states, counts, detail), the table's query and its page tokens, and which
//! call (cancel or terminate) stops a job in each state.
//!
//! Pure: the adapter turns batch:ListJobs and batch:DescribeJobs answers into these
//! types; the engine pages and counts with them; the queue view shows them.

mod request;
mod view;

pub use request::{
    ARRAY_SIZE_MAX, ARRAY_SIZE_MIN, JOB_NAME_MAX, SUBMITTED_BY_TAG, SubmitJob, SubmitJobForm,
    cancel_reason, parse_submit_job,
};
pub use view::{
    ArrayStatus, Attempt, COUNT_PAGE_SIZE, COUNT_PAGES_MAX, JobCounts, JobDetail, JobListQuery,
    JobPage, JobSearch, JobState, JobSummary, PageToken, QueueSnapshot, StateCount, StopJobsReport,
    Stopper, job_search, stopper,
};
