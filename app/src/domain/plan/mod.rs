//! The plan: what applying (or destroying) an environment will do, step by step.
//!
//! Pure and deterministic: the same inputs give the same plan, in the browser and on the
//! server. Desired spec + recorded state (the journal: what the console applied) ->
//! one step per resource with its field changes; observed state (what AWS reports) ->
//! drift. The review page shows a plan; apply executes exactly that plan (its
//! fingerprint and the journal serial it was made from are checked).

mod settings;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use settings::{OnChange, Setting, settings};

use super::resource::{Observed, RecordStatus, RecordedResource, ResourceKind};
use super::spec::EnvironmentSpec;

/// What a step does to its resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Action {
    /// Create it (or, after an interrupted run, adopt it if AWS already has it).
    Create,
    /// Change some settings in place.
    Update,
    /// Make a new one and delete the old one (a setting AWS cannot change).
    Replace,
    /// It exists as specified.
    NoChange,
    /// Delete it.
    Delete,
}

impl Action {
    /// A person's word for the action.
    pub fn label(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::NoChange => "no change",
            Action::Delete => "delete",
        }
    }
}

/// One field that changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldChange {
    /// The AWS field.
    pub field: String,
    /// Its applied value (none: not set before).
    pub old: Option<String>,
    /// Its new value (none: removed).
    pub new: Option<String>,
    /// Why changing it forces a replacement, if it does.
    pub forces_replacement: Option<String>,
}

/// How a replacement proceeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ReplaceOrder {
    /// The new one is created first, then the old one deleted (definitions: a new
    /// revision, then the old one deregistered).
    CreateBeforeDelete,
    /// The old one (and whatever depends on it) is deleted first, then created anew:
    /// every other resource, since the journal holds one resource of each kind, and a
    /// crash between a create and a delete must leave nothing unrecorded.
    DeleteBeforeCreate,
}

/// One resource's step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Step {
    /// Which resource.
    pub kind: ResourceKind,
    /// Its AWS name (the desired one; the recorded one for deletes).
    pub name: String,
    /// What happens to it.
    pub action: Action,
    /// For creates: every setting sent, as `(field, value)`.
    pub settings: Vec<(String, String)>,
    /// For updates and replacements: the fields that change.
    pub changes: Vec<FieldChange>,
    /// For replacements: the order of create and delete.
    pub replace_order: Option<ReplaceOrder>,
    /// What the step means for running work, or why it is needed.
    pub note: Option<String>,
}

/// A field whose value in AWS differs from what the console applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Drift {
    /// The resource.
    pub kind: ResourceKind,
    /// The field.
    pub field: String,
    /// What the console applied.
    pub recorded: String,
    /// What AWS reports.
    pub observed: String,
}

/// An ordered list of steps: dependencies first; deletes last, in reverse order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Plan {
    /// The journal serial the plan was made from; apply refuses a newer journal.
    pub serial: u64,
    /// The steps, in execution order.
    pub steps: Vec<Step>,
    /// Differences between AWS and the journal, per field.
    pub drift: Vec<Drift>,
}

impl Plan {
    /// Whether the plan changes anything.
    pub fn has_changes(&self) -> bool {
        self.steps.iter().any(|s| s.action != Action::NoChange)
    }

    /// A stable fingerprint of the plan (FNV-1a over its JSON), so that apply can refuse a
    /// plan other than the one the user reviewed.
    pub fn fingerprint(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in json.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        format!("{hash:016x}")
    }
}

/// What the journal holds for an environment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedState {
    /// Increases with every journal write.
    pub serial: u64,
    /// The resources.
    pub resources: Vec<RecordedResource>,
}

/// The settings map of a resource, as the journal records it.
pub fn settings_map(spec: &EnvironmentSpec, kind: ResourceKind) -> BTreeMap<String, String> {
    settings(spec, kind)
        .unwrap_or_default()
        .into_iter()
        .map(|s| (s.field.to_owned(), s.value))
        .collect()
}

fn effect(kind: ResourceKind, action: Action) -> Option<String> {
    let text = match (kind, action) {
        (ResourceKind::ComputeEnvironment, Action::Replace) => {
            "deleted first: its jobs are terminated and its job queue goes with it (jobs in the queue are cancelled); submit again once the new one is VALID"
        }
        (ResourceKind::ComputeEnvironment, Action::Update) => {
            "in-place update: running jobs keep running; new instances use the new settings"
        }
        (ResourceKind::JobQueue, Action::Replace) => {
            "the old queue stops accepting jobs; jobs still in it are cancelled when it is deleted"
        }
        (ResourceKind::JobQueue, Action::Update) => "jobs in the queue are kept",
        (ResourceKind::Cluster, Action::Replace) => {
            "tasks on the old cluster stop when it is deleted"
        }
        (ResourceKind::JobQueue, Action::Delete) => {
            "disabled first: it stops accepting jobs, then running jobs finish or are cancelled"
        }
        (ResourceKind::ComputeEnvironment, Action::Delete) => {
            "disabled first, then deleted once no queue uses it"
        }
        (ResourceKind::Cluster, Action::Delete) => "deleted after everything in it",
        (ResourceKind::CapacityProvider, Action::Replace) => {
            "tasks placed through the old provider keep running until its instances are drained"
        }
        (ResourceKind::CapacityProvider, Action::Delete) => {
            "removed from the cluster first; instances it manages are drained"
        }
        (ResourceKind::AutoScalingGroup, Action::Update) => {
            "running instances are kept; new sizes and types apply to later launches"
        }
        (ResourceKind::AutoScalingGroup, Action::Delete) => "its instances are terminated",
        (ResourceKind::AutoScalingGroup, Action::Replace) => {
            "its instances are terminated; the new group launches new ones"
        }
        (ResourceKind::ClusterCapacityProviders, Action::Replace) => {
            "until they are put back, new tasks without a strategy of their own cannot be placed"
        }
        (ResourceKind::TaskDefinition, Action::Replace) => {
            "running tasks keep their revision; new tasks use the new one"
        }
        (ResourceKind::JobDefinition, Action::Replace) => {
            "running jobs keep their revision; new jobs use the new one"
        }
        (ResourceKind::TaskDefinition | ResourceKind::JobDefinition, Action::Delete) => {
            "deregistered: running work continues, no new work can use it"
        }
        _ => return None,
    };
    Some(text.to_owned())
}

fn diff(desired: &[Setting], recorded: &BTreeMap<String, String>) -> Vec<FieldChange> {
    desired
        .iter()
        .filter_map(|s| {
            let old = recorded.get(s.field);
            (old != Some(&s.value)).then(|| FieldChange {
                field: s.field.to_owned(),
                old: old.cloned(),
                new: Some(s.value.clone()),
                forces_replacement: match s.on_change {
                    OnChange::Replace(why) => Some(why.to_owned()),
                    OnChange::Update => None,
                },
            })
        })
        .collect()
}

/// Plans bringing AWS from the journal `recorded` to `desired`, and reports where
/// `observed` (AWS now, if read) drifted from the journal.
///
/// - missing or pending in the journal: create (a pending entry that AWS already has is
///   adopted by the executor, never created twice);
/// - recorded with other settings: update in place, or replace if any changed field
///   cannot be updated (each such field says why);
/// - recorded without settings (applied by an older console): assumed as desired.
pub fn plan(
    desired: &EnvironmentSpec,
    recorded: &RecordedState,
    observed: &[(ResourceKind, Observed)],
) -> Plan {
    let mut steps = Vec::new();
    for kind in ResourceKind::ALL {
        let (Some(wanted), Some(name)) = (settings(desired, kind), desired.resource_name(kind))
        else {
            continue;
        };
        let name = name.to_owned();
        let entry = recorded.resources.iter().find(|r| r.kind == kind);
        let step = match entry {
            None | Some(RecordedResource { status: RecordStatus::Pending, .. }) => Step {
                kind,
                name,
                action: Action::Create,
                settings: wanted.iter().map(|s| (s.field.to_owned(), s.value.clone())).collect(),
                changes: Vec::new(),
                replace_order: None,
                note: entry.map(|_| {
                    "an earlier run was interrupted here; an existing resource of this name is adopted".into()
                }),
            },
            Some(r) => {
                let changes = if r.settings.is_empty() { Vec::new() } else { diff(&wanted, &r.settings) };
                let action = if changes.is_empty() {
                    Action::NoChange
                } else if changes.iter().any(|c| c.forces_replacement.is_some()) {
                    Action::Replace
                } else {
                    Action::Update
                };
                Step {
                    kind,
                    replace_order: (action == Action::Replace).then(|| replace_order(kind)),
                    note: effect(kind, action),
                    name,
                    action,
                    settings: Vec::new(),
                    changes,
                }
            }
        };
        steps.push(step);
    }
    // What depends on a resource that is deleted and created again goes with it (a job
    // queue with its compute environment, a capacity provider with its group, the
    // cluster's providers with the cluster or the provider): deleted first, created
    // after. Steps are in dependency order, so one pass carries it through chains.
    for i in 0..steps.len() {
        let (done, rest) = steps.split_at_mut(i);
        let step = &mut rest[0];
        let recreated = |k: ResourceKind| {
            done.iter().find(|d| {
                d.kind == k
                    && d.action == Action::Replace
                    && d.replace_order == Some(ReplaceOrder::DeleteBeforeCreate)
            })
        };
        let Some(dep) = step.kind.depends_on().iter().find_map(|d| recreated(*d)) else {
            continue;
        };
        if !matches!(step.action, Action::NoChange | Action::Update) {
            continue;
        }
        let why = format!(
            "its {} {} is replaced: deleted with it first, then created again",
            dep.kind.label(),
            dep.name
        );
        step.changes.insert(
            0,
            FieldChange {
                field: dependency_field(step.kind).into(),
                old: None,
                new: None,
                forces_replacement: Some(why),
            },
        );
        step.action = Action::Replace;
        step.replace_order = Some(ReplaceOrder::DeleteBeforeCreate);
        step.note = effect(step.kind, Action::Replace);
    }
    // Journal entries the spec no longer has are deleted, last, in reverse order.
    for kind in ResourceKind::ALL.into_iter().rev() {
        if settings(desired, kind).is_none()
            && let Some(r) = recorded.resources.iter().find(|r| r.kind == kind)
        {
            steps.push(delete_step(r));
        }
    }
    let drift = observed
        .iter()
        .filter_map(|(kind, o)| {
            let r = recorded.resources.iter().find(|r| r.kind == *kind)?;
            Some(o.settings.iter().filter_map(move |(field, value)| {
                let applied = r.settings.get(field)?;
                (applied != value).then(|| Drift {
                    kind: *kind,
                    field: field.clone(),
                    recorded: applied.clone(),
                    observed: value.clone(),
                })
            }))
        })
        .flatten()
        .collect();
    Plan {
        serial: recorded.serial,
        steps,
        drift,
    }
}

/// How `kind` is replaced: definitions by a new revision first; the rest deleted first.
fn replace_order(kind: ResourceKind) -> ReplaceOrder {
    match kind {
        ResourceKind::TaskDefinition | ResourceKind::JobDefinition => {
            ReplaceOrder::CreateBeforeDelete
        }
        _ => ReplaceOrder::DeleteBeforeCreate,
    }
}

/// The field by which `kind` refers to what it depends on.
fn dependency_field(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::JobQueue => "computeEnvironmentOrder",
        ResourceKind::CapacityProvider => "autoScalingGroupProvider.autoScalingGroupArn",
        ResourceKind::ClusterCapacityProviders => "cluster",
        _ => "(dependency)",
    }
}

fn delete_step(r: &RecordedResource) -> Step {
    Step {
        kind: r.kind,
        name: r.name.clone(),
        action: Action::Delete,
        settings: Vec::new(),
        changes: Vec::new(),
        replace_order: None,
        note: effect(r.kind, Action::Delete),
    }
}

/// Plans deleting everything the journal records, in reverse dependency order.
pub fn destroy_plan(recorded: &RecordedState) -> Plan {
    let steps = ResourceKind::ALL
        .into_iter()
        .rev()
        .filter_map(|kind| recorded.resources.iter().find(|r| r.kind == kind))
        .map(delete_step)
        .collect();
    Plan {
        serial: recorded.serial,
        steps,
        drift: Vec::new(),
    }
}

// Property and snapshot tests need proptest and insta, which are native-only.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
