//! Data the server functions return to the pages.

use serde::{Deserialize, Serialize};

use crate::domain::plan::Drift;
use crate::domain::spec::SpecChange;
use crate::domain::{
    AuditEntry, EnvironmentSpec, LinkStatus, Permissions, Plan, Problem, ResourceView, Revision,
    Role, RunRecord, ShareLink,
};

/// The AWS side of the console, for the header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsInfo {
    /// True when the console talks to the local AWS emulator, not to AWS.
    pub sandbox: bool,
    /// The emulator's endpoint, in sandbox mode.
    pub endpoint: Option<String>,
    /// The account id the console acts as.
    pub account: Option<String>,
    /// The principal ARN the console acts as.
    pub principal: Option<String>,
    /// Why the identity could not be read, if it could not.
    pub identity_error: Option<String>,
    /// Region offered first in forms.
    pub default_region: String,
    /// Batch service role offered in forms (the sandbox's; empty means service-linked).
    pub default_service_role: Option<String>,
}

/// The signed-in user and the AWS side, for the header and the forms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// The signed-in user's name, if any.
    pub username: Option<String>,
    /// True when a single sign-on proxy signs users in (no local sign-in or sign-out).
    pub single_sign_on: bool,
    /// The AWS side.
    pub aws: AwsInfo,
}

/// One line of the environment list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentSummary {
    /// Id (for links).
    pub id: String,
    /// Name.
    pub name: String,
    /// Region.
    pub region: String,
    /// The signed-in user's role on it.
    pub role: Role,
    /// Number of resources the journal records as created.
    pub resources: usize,
    /// The latest run, if any.
    pub run: Option<RunRecord>,
}

/// One page of the environments a user sees.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnvironmentList {
    /// This page's environments: owned first (newest first), then shared.
    pub items: Vec<EnvironmentSummary>,
    /// How many environments match (all pages).
    pub total: usize,
    /// This page's number, from 1.
    pub page: usize,
    /// How many pages there are (at least 1).
    pub pages: usize,
    /// The name filter applied (empty: none).
    pub search: String,
}

/// Environments per page of the list.
pub const ENVIRONMENTS_PER_PAGE: usize = 50;

/// Everything the environment page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnvironmentPage {
    /// Id.
    pub id: String,
    /// The spec.
    pub spec: EnvironmentSpec,
    /// Each resource, recorded and as AWS reports it now.
    pub resources: Vec<ResourceView>,
    /// Why AWS could not be read, if it could not.
    pub aws_error: Option<String>,
    /// Where AWS differs from what the console applied.
    pub drift: Vec<Drift>,
    /// The latest audit log lines about the environment, newest first.
    pub activity: Vec<AuditEntry>,
    /// The latest run.
    pub run: Option<RunRecord>,
    /// What the signed-in user may do here.
    pub permissions: Permissions,
    /// The spec's revision number.
    pub revision: u64,
    /// The latest runs with their timed steps, newest first.
    pub runs: Vec<crate::domain::RunHistory>,
    /// The AWS requests destroy would make now.
    pub destroy_requests: Vec<crate::domain::requests::AwsRequest>,
    /// The `console` command that destroys it.
    pub destroy_command: String,
}

/// The review page: the spec and the plan that apply will execute.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Review {
    /// Environment id.
    pub id: String,
    /// The spec.
    pub spec: EnvironmentSpec,
    /// The plan.
    pub plan: Plan,
    /// The plan's fingerprint, sent back by the apply form.
    pub fingerprint: String,
    /// Settings AWS accepts that deserve a second look.
    pub warnings: Vec<Problem>,
    /// What the signed-in user may do here.
    pub permissions: Permissions,
    /// The spec's revision number.
    pub revision: u64,
    /// The hourly cost at the environment's maximum size.
    pub cost: crate::domain::pricing::CostEstimate,
    /// Each plan step's AWS requests, in the order the engine makes them.
    pub requests: Vec<Vec<crate::domain::requests::AwsRequest>>,
    /// Each plan step's resource with every setting the spec gives it, as
    /// `(field, value)` in the order AWS takes them (redacted like the spec).
    pub settings: Vec<Vec<(String, String)>>,
    /// The `console` commands that plan and apply the same.
    pub commands: Vec<String>,
}

/// The history page: revisions, and the diff between two of them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// Environment id.
    pub id: String,
    /// Environment name.
    pub name: String,
    /// What the signed-in user may do here.
    pub permissions: Permissions,
    /// Newest first.
    pub revisions: Vec<Revision>,
    /// The compared revisions and their differences, if two were chosen.
    pub diff: Option<RevisionDiff>,
}

/// The differences from one revision to another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionDiff {
    /// The older side.
    pub from: u64,
    /// The newer side.
    pub to: u64,
    /// Field by field (secret values redacted for those who may not see them).
    pub changes: Vec<SpecChange>,
}

/// The spec editor: the current revision as JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecEditor {
    /// Environment id.
    pub id: String,
    /// Environment name.
    pub name: String,
    /// The revision being edited (sent back as the base of the save).
    pub revision: u64,
    /// The spec, pretty-printed JSON.
    pub spec_json: String,
}

/// The share dialog: links and the one just created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sharing {
    /// Environment id.
    pub id: String,
    /// Environment name.
    pub name: String,
    /// Every link with its status now, newest first.
    pub links: Vec<(ShareLink, LinkStatus)>,
    /// The path of a link created just before (shown once: the token is not stored).
    pub created: Option<String>,
}

/// What a share link's page shows before it is accepted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkLanding {
    /// The environment it opens.
    pub environment_id: String,
    /// Its name.
    pub environment_name: String,
    /// Who shared it.
    pub created_by: String,
    /// The role it grants.
    pub role: Role,
    /// Whether it still works.
    pub status: LinkStatus,
    /// The redacted config (only while the link is live).
    pub spec: Option<EnvironmentSpec>,
}

/// Tasks shown per page of the task view.
pub const TASKS_PER_PAGE: usize = 50;

/// The task view of an environment's cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskPage {
    /// Environment id.
    pub id: String,
    /// Environment name.
    pub name: String,
    /// The cluster.
    pub cluster: String,
    /// The task definition family (none: tasks cannot be run).
    pub family: Option<String>,
    /// Whether the task definition can run on Fargate.
    pub fargate: bool,
    /// Whether the cluster has a default capacity-provider strategy (EC2 capacity).
    pub cluster_strategy: bool,
    /// Tasks per status, every status in lifecycle order.
    pub counts: Vec<(crate::domain::tasks::TaskStatus, usize)>,
    /// The status filter.
    pub status: Option<crate::domain::tasks::TaskStatus>,
    /// The search text.
    pub search: String,
    /// Tasks matching the filter and search.
    pub matching: usize,
    /// This page (from 1) and the number of pages.
    pub page: usize,
    /// Pages.
    pub pages: usize,
    /// This page's tasks, newest first.
    pub items: Vec<crate::domain::tasks::TaskSummary>,
    /// Why tasks wait in PROVISIONING, if they do.
    pub diagnoses: Vec<crate::domain::tasks::Diagnosis>,
    /// Why AWS could not be read, if it could not.
    pub aws_error: Option<String>,
    /// What the signed-in user may do.
    pub permissions: Permissions,
}

/// What a run-tasks request did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunTasksResult {
    /// The ecs:RunTask requests made.
    pub requests: Vec<crate::domain::requests::AwsRequest>,
    /// The REST API request that does the same.
    pub command: String,
    /// Tasks asked for.
    pub requested: u32,
    /// Tasks started.
    pub started: usize,
    /// ecs:RunTask calls made.
    pub calls: u32,
    /// Tasks AWS could not place, with its reasons.
    pub failures: Vec<crate::domain::tasks::TaskFailure>,
    /// Why, in plain words.
    pub diagnoses: Vec<crate::domain::tasks::Diagnosis>,
    /// The AWS error that stopped the batches, if any (with the failing call).
    pub error: Option<String>,
}

/// What a stop-tasks request did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StopTasksResult {
    /// The ecs:StopTask requests sent.
    #[serde(default)]
    pub requests: Vec<crate::domain::requests::AwsRequest>,
    /// The REST API request that does the same.
    #[serde(default)]
    pub command: String,
    /// Tasks stopped.
    pub stopped: usize,
    /// Tasks that could not be stopped, each with AWS's error.
    pub errors: Vec<String>,
}

/// A chart as SVG markup (light palette; the stylesheet repaints it in a dark scheme).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartSvg {
    /// The chart's title (also its accessible name).
    pub title: String,
    /// The SVG markup.
    pub svg: String,
}

/// The capacity view of an environment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityPage {
    /// Environment id.
    pub id: String,
    /// Environment name.
    pub name: String,
    /// What AWS reports now (None: AWS could not be read).
    pub now: Option<crate::domain::capacity::CapacitySample>,
    /// Why AWS could not be read, if it could not.
    pub aws_error: Option<String>,
    /// `hour` or `day`.
    pub window: String,
    /// Samples in the window.
    pub samples: usize,
    /// The charts over the window.
    pub charts: Vec<ChartSvg>,
}
