//! The task view's data: ECS tasks as the console shows them, counted by last status,
//! filtered and searched.

use serde::{Deserialize, Serialize};

/// An ECS task's last status, in lifecycle order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TaskStatus {
    /// Waiting for capacity (a capacity provider is scaling out) or for its network
    /// interface.
    Provisioning,
    /// Placed; pulling images.
    Pending,
    /// Attaching to load balancers, service discovery.
    Activating,
    /// Running.
    Running,
    /// Detaching before it stops.
    Deactivating,
    /// Its containers are stopping.
    Stopping,
    /// Releasing its network interface.
    Deprovisioning,
    /// Stopped (ECS keeps stopped tasks for about an hour).
    Stopped,
}

impl TaskStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [TaskStatus; 8] = [
        TaskStatus::Provisioning,
        TaskStatus::Pending,
        TaskStatus::Activating,
        TaskStatus::Running,
        TaskStatus::Deactivating,
        TaskStatus::Stopping,
        TaskStatus::Deprovisioning,
        TaskStatus::Stopped,
    ];

    /// AWS's name, e.g. `RUNNING`.
    pub fn key(self) -> &'static str {
        match self {
            TaskStatus::Provisioning => "PROVISIONING",
            TaskStatus::Pending => "PENDING",
            TaskStatus::Activating => "ACTIVATING",
            TaskStatus::Running => "RUNNING",
            TaskStatus::Deactivating => "DEACTIVATING",
            TaskStatus::Stopping => "STOPPING",
            TaskStatus::Deprovisioning => "DEPROVISIONING",
            TaskStatus::Stopped => "STOPPED",
        }
    }

    /// The status named `key` (any case), if it is one.
    pub fn parse(key: &str) -> Option<TaskStatus> {
        TaskStatus::ALL
            .into_iter()
            .find(|s| s.key().eq_ignore_ascii_case(key.trim()))
    }

    /// Whether a task in this status can still be stopped.
    pub fn stoppable(self) -> bool {
        !matches!(
            self,
            TaskStatus::Stopping | TaskStatus::Deprovisioning | TaskStatus::Stopped
        )
    }
}

/// One container of a task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContainerState {
    /// Container name.
    pub name: String,
    /// Its last status.
    pub last_status: String,
    /// Its exit code, once it stopped.
    pub exit_code: Option<i32>,
    /// Why it stopped, if ECS says.
    pub reason: Option<String>,
}

/// An ECS task as the task view shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskSummary {
    /// Task ARN.
    pub arn: String,
    /// Its last status (`None`: a status this console does not know, kept in `raw_status`).
    pub status: Option<TaskStatus>,
    /// The status as AWS gave it.
    pub raw_status: String,
    /// The status ECS is taking it to (`RUNNING` or `STOPPED`).
    pub desired_status: String,
    /// The task definition revision's ARN.
    pub task_definition_arn: String,
    /// The capacity provider it was placed through, if any.
    pub capacity_provider: Option<String>,
    /// `EC2`, `FARGATE` or `EXTERNAL`, if known.
    pub launch_type: Option<String>,
    /// The container instance it runs on (EC2).
    pub container_instance_arn: Option<String>,
    /// Who started it (RunTask's `startedBy`).
    pub started_by: Option<String>,
    /// Created at (RFC 3339).
    pub created_at: Option<String>,
    /// Started at (RFC 3339).
    pub started_at: Option<String>,
    /// Stopped at (RFC 3339).
    pub stopped_at: Option<String>,
    /// Why it stopped: `TaskFailedToStart`, `EssentialContainerExited`, `UserInitiated`...
    pub stop_code: Option<String>,
    /// The stop reason, e.g. the reason given to StopTask.
    pub stopped_reason: Option<String>,
    /// Task CPU units, if known.
    #[serde(default)]
    pub cpu: Option<u32>,
    /// Task memory (MiB), if known.
    #[serde(default)]
    pub memory: Option<u32>,
    /// Its containers.
    pub containers: Vec<ContainerState>,
}

impl TaskSummary {
    /// The task's id: the last part of its ARN.
    pub fn id(&self) -> &str {
        task_id(&self.arn)
    }
}

/// The id in a task ARN (`arn:aws:ecs:region:account:task/cluster/ID`), or the text itself.
pub fn task_id(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// Whether `text` can name an ECS task: its id (32 hex digits, or a UUID as older tasks
/// and the emulator have) or an ARN ending in one.
pub fn is_task_ref(text: &str) -> bool {
    let id = task_id(text);
    if id.len() != text.len() && !text.starts_with("arn:") {
        return false;
    }
    let hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    match id.len() {
        32 => hex(id),
        36 => {
            let parts: Vec<&str> = id.split('-').collect();
            parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12]) && parts.iter().all(|p| hex(p))
        }
        _ => false,
    }
}

/// How many tasks are in each status, in lifecycle order (every status, zeros included).
pub fn count_by_status(tasks: &[TaskSummary]) -> Vec<(TaskStatus, usize)> {
    TaskStatus::ALL
        .into_iter()
        .map(|s| (s, tasks.iter().filter(|t| t.status == Some(s)).count()))
        .collect()
}

/// The tasks in `status` (all when `None`) whose id, ARN, task definition or starter
/// contains `search` (any case), newest first.
pub fn select<'a>(
    tasks: &'a [TaskSummary],
    status: Option<TaskStatus>,
    search: &str,
) -> Vec<&'a TaskSummary> {
    let needle = search.trim().to_lowercase();
    let mut out: Vec<&TaskSummary> = tasks
        .iter()
        .filter(|t| status.is_none_or(|s| t.status == Some(s)))
        .filter(|t| {
            needle.is_empty()
                || [
                    Some(t.arn.as_str()),
                    Some(t.task_definition_arn.as_str()),
                    t.started_by.as_deref(),
                ]
                .into_iter()
                .flatten()
                .any(|field| field.to_lowercase().contains(&needle))
        })
        .collect();
    // RFC 3339 UTC times compare as text; ties by ARN so pages are stable.
    out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.arn.cmp(&b.arn)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_references_are_ids_or_arns_ending_in_one() {
        let hex = "0123456789abcdef0123456789abcdef";
        let uuid = "01234567-89ab-cdef-0123-456789abcdef";
        for ok in [
            hex.to_owned(),
            uuid.to_owned(),
            format!("arn:aws:ecs:us-east-1:123456789012:task/infer/{hex}"),
            format!("arn:aws:ecs:us-east-1:123456789012:task/{uuid}"),
        ] {
            assert!(is_task_ref(&ok), "{ok}");
        }
        for bad in [
            "",
            "abc",
            "not-a-task",
            &hex[1..],
            "0123456789abcdef0123456789abcdeg",
            "0123456789-abcdef-0123-456789abcdef",
            "infer/0123456789abcdef0123456789abcdef",
            "3b5d5b093ecb-40fd-a25a-51bf6b3f1825-",
            "arn:aws:ecs:us-east-1:123456789012:task/infer/abc",
            "arn:aws:ecs:us-east-1:123456789012:task/infer/",
        ] {
            assert!(!is_task_ref(bad), "{bad}");
        }
    }

    fn task(id: &str, status: &str, created: &str, started_by: &str) -> TaskSummary {
        TaskSummary {
            arn: format!("arn:aws:ecs:us-east-1:123456789012:task/infer/{id}"),
            status: TaskStatus::parse(status),
            raw_status: status.into(),
            desired_status: "RUNNING".into(),
            task_definition_arn: "arn:aws:ecs:us-east-1:123456789012:task-definition/infer-task:3"
                .into(),
            capacity_provider: None,
            launch_type: Some("FARGATE".into()),
            container_instance_arn: None,
            started_by: Some(started_by.into()),
            created_at: Some(created.into()),
            started_at: None,
            stopped_at: None,
            stop_code: None,
            stopped_reason: None,
            cpu: None,
            memory: None,
            containers: Vec::new(),
        }
    }

    #[test]
    fn statuses_round_trip_and_unknown_ones_are_kept_raw() {
        for s in TaskStatus::ALL {
            assert_eq!(TaskStatus::parse(s.key()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.key())
            );
        }
        assert_eq!(TaskStatus::parse("running"), Some(TaskStatus::Running));
        assert_eq!(TaskStatus::parse("EXPLODED"), None);
        assert!(TaskStatus::Running.stoppable());
        assert!(TaskStatus::Provisioning.stoppable());
        assert!(!TaskStatus::Stopped.stoppable());
    }

    #[test]
    fn counts_cover_every_status_and_selection_filters_searches_and_orders() {
        let tasks = vec![
            task("aaa111", "RUNNING", "2026-11-30T10:00:00Z", "console/ana"),
            task("bbb222", "STOPPED", "2026-11-30T10:05:00Z", "console/ana"),
            task("ccc333", "RUNNING", "2026-11-30T10:10:00Z", "console/bob"),
            task(
                "ddd444",
                "PROVISIONING",
                "2026-11-30T09:00:00Z",
                "console/bob",
            ),
        ];
        let counts = count_by_status(&tasks);
        assert_eq!(counts.len(), 8);
        assert_eq!(counts[0], (TaskStatus::Provisioning, 1));
        assert_eq!(counts[3], (TaskStatus::Running, 2));
        assert_eq!(counts[7], (TaskStatus::Stopped, 1));
        let ids = |v: Vec<&TaskSummary>| v.iter().map(|t| t.id().to_owned()).collect::<Vec<_>>();
        assert_eq!(
            ids(select(&tasks, None, "")),
            ["ccc333", "bbb222", "aaa111", "ddd444"]
        );
        assert_eq!(
            ids(select(&tasks, Some(TaskStatus::Running), "")),
            ["ccc333", "aaa111"]
        );
        assert_eq!(ids(select(&tasks, None, "BOB")), ["ccc333", "ddd444"]);
        assert_eq!(ids(select(&tasks, None, "bbb2")), ["bbb222"]);
        assert_eq!(
            ids(select(&tasks, Some(TaskStatus::Stopped), "bob")),
            Vec::<String>::new()
        );
        assert_eq!(task_id("plain"), "plain");
    }
}
