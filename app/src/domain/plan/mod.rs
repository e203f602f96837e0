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
pub enum ReplaceOrder {
    /// The new one is created first (its name differs), then the old one deleted.
    CreateBeforeDelete,
    /// The old one is deleted first, because the new one takes its name.
    DeleteBeforeCreate,
}

/// One resource's step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
            "running jobs on the old compute environment finish or are terminated with it; queued jobs wait in RUNNABLE until the new one is VALID"
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
                    replace_order: (action == Action::Replace).then(|| {
                        // Definitions get a new revision under the same name first.
                        let revisioned = matches!(kind, ResourceKind::TaskDefinition | ResourceKind::JobDefinition);
                        if r.name == name && !revisioned {
                            ReplaceOrder::DeleteBeforeCreate
                        } else {
                            ReplaceOrder::CreateBeforeDelete
                        }
                    }),
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
    // A job queue whose compute environment is replaced is re-pointed at the new one.
    let ce_replaced = steps
        .iter()
        .any(|s| s.kind == ResourceKind::ComputeEnvironment && s.action == Action::Replace);
    if ce_replaced
        && let Some(q) = steps
            .iter_mut()
            .find(|s| s.kind == ResourceKind::JobQueue && s.action == Action::NoChange)
    {
        let order = settings(desired, ResourceKind::JobQueue)
            .unwrap_or_default()
            .into_iter()
            .find(|s| s.field == "computeEnvironmentOrder")
            .map(|s| s.value);
        q.action = Action::Update;
        q.changes.push(FieldChange {
            field: "computeEnvironmentOrder".into(),
            old: order.clone(),
            new: order.map(|o| format!("{o} (the replacement)")),
            forces_replacement: None,
        });
        q.note = Some(
            "its compute environment is replaced: the queue is disabled while the old one is removed, then re-pointed and enabled; queued jobs wait in RUNNABLE".into(),
        );
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
