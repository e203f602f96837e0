//! Running inference tasks on the ECS side: the run-tasks request and its batches, the
//! task view's data, and why tasks cannot be placed.
//!
//! Pure: the adapter turns ecs:RunTask and ecs:DescribeTasks answers and the capacity it
//! reads into these types; the engine batches and the task view shows them.

mod diagnose;
mod request;
mod view;

pub use diagnose::{
    CapacityFacts, Diagnosis, RUN_TASK_MAX, RunTaskAnswer, TaskFailure, batches, diagnose,
    explain_fargate,
};
pub use request::{
    AwsVpc, ContainerOverride, MAX_TASKS_PER_REQUEST, Placement, ProviderShare, RunTasks,
    RunTasksForm, STARTED_BY_TAG, STOP_REASON_MAX, parse_run_tasks, started_by, stop_reason,
};
pub use view::{
    ContainerState, TaskStatus, TaskSummary, count_by_status, is_task_ref, select, task_id,
};
