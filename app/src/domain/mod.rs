//! The pure domain: the environment spec, its validation and the plan.
//!
//! No IO, no async, no AWS SDK types: this module compiles unchanged to WASM (where the
//! wizard validates as the user types) and for the server (which never trusts the browser).

pub mod access;
pub mod capacity;
pub mod console_links;
pub mod discovery;
pub mod export;
#[cfg(test)]
mod fixtures;
pub mod import;
pub mod names;
pub mod plan;
pub mod pricing;
pub mod queue;
pub mod regions;
pub mod requests;
pub mod resource;
pub mod run;
pub mod spec;
pub mod tasks;
pub mod tokens;
pub mod validate;
pub mod wizard;

pub use access::{LinkStatus, Operation, Permissions, Role, ShareLink, allows};
pub use plan::{Action, FieldChange, Plan, RecordedState, Step, destroy_plan, plan};
pub use resource::{Observed, RecordStatus, RecordedResource, ResourceKind, ResourceView};
pub use run::{AuditEntry, Revision, RunHistory, RunKind, RunRecord, RunState, RunStep};
pub use spec::{
    ClusterSpec, ComputeEnvironmentSpec, ComputeType, EnvironmentSpec, JobQueueSpec, Network,
    NewEnvironment, SCHEMA_VERSION,
};
pub use validate::{Problem, validate, validate_edit, validate_new_environment, warnings};
