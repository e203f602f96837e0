//! Data the server functions return to the pages.

use serde::{Deserialize, Serialize};

use crate::domain::plan::Drift;
use crate::domain::{AuditEntry, EnvironmentSpec, Plan, Problem, ResourceView, RunRecord};

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
    /// Number of resources the journal records as created.
    pub resources: usize,
    /// The latest run, if any.
    pub run: Option<RunRecord>,
}

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
}
