//! Runs: one apply or destroy of an environment, as the UI and the store see it.

use serde::{Deserialize, Serialize};

pub mod live;

/// What a run does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RunKind {
    /// Apply the plan.
    Apply,
    /// Destroy the environment.
    Destroy,
    /// Show the plan (recorded when someone reviews it; changes nothing).
    Plan,
    /// Read every resource from AWS.
    Refresh,
    /// Record an existing resource (by ARN) as the environment's.
    Import,
}

impl RunKind {
    /// Storage key.
    pub fn key(self) -> &'static str {
        match self {
            RunKind::Apply => "apply",
            RunKind::Destroy => "destroy",
            RunKind::Plan => "plan",
            RunKind::Refresh => "refresh",
            RunKind::Import => "import",
        }
    }

    /// The kind of a storage key.
    pub fn from_key(key: &str) -> Option<RunKind> {
        [
            RunKind::Apply,
            RunKind::Destroy,
            RunKind::Plan,
            RunKind::Refresh,
            RunKind::Import,
        ]
        .into_iter()
        .find(|k| k.key() == key)
    }
}

/// Where a run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RunState {
    /// In progress.
    Running,
    /// Finished without error.
    Succeeded,
    /// Stopped on an error.
    Failed,
}

impl RunState {
    /// Storage key.
    pub fn key(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Succeeded => "succeeded",
            RunState::Failed => "failed",
        }
    }
}

/// A run: an apply, destroy, plan or refresh.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunRecord {
    /// Opaque id.
    pub id: String,
    /// Apply or destroy.
    pub kind: RunKind,
    /// Where it stands.
    pub state: RunState,
    /// Who started it (username).
    pub started_by: String,
    /// Start time (RFC 3339).
    pub started_at: String,
    /// The step being worked on, or the last one.
    pub current_step: Option<String>,
    /// The error that stopped it.
    pub error: Option<String>,
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// When (RFC 3339).
    pub at: String,
    /// Who (username, or the name tried for a failed sign-in).
    pub actor: String,
    /// What, e.g. `environment.apply`.
    pub action: String,
    /// Which environment, if any.
    pub environment_id: Option<String>,
    /// From which client address.
    pub address: String,
    /// Details for a person.
    pub detail: String,
}

/// One saved revision of an environment's spec (the spec itself is fetched apart).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Revision {
    /// 1 for the spec the environment was created with, then +1 per save.
    pub number: u64,
    /// Who saved it (username).
    pub author: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// Why, in the author's words.
    pub message: String,
}

/// One step of a run, timed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunStep {
    /// What it did, e.g. "create ECS cluster infer".
    pub step: String,
    /// Start (RFC 3339).
    pub started_at: String,
    /// End (RFC 3339); none while it runs (or if the process died during it).
    pub finished_at: Option<String>,
    /// The error that stopped the run here (AWS code, message and request id).
    pub error: Option<String>,
}

/// A run with its steps, oldest step first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunHistory {
    /// The run.
    pub run: RunRecord,
    /// Its steps.
    pub steps: Vec<RunStep>,
}
