//! The plan: what applying (or destroying) an environment will do, step by step.
//!
//! Pure and deterministic: the same inputs give the same plan, in the browser and on the
//! server. The review page shows a plan; apply executes exactly that plan (its
//! fingerprint is checked).

use serde::{Deserialize, Serialize};

use super::resource::{RecordStatus, RecordedResource, ResourceKind};
use super::spec::EnvironmentSpec;

/// What a step does to its resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Create it (or, after an interrupted run, adopt it if AWS already has it).
    Create,
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
            Action::NoChange => "no change",
            Action::Delete => "delete",
        }
    }
}

/// One resource's step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Which resource.
    pub kind: ResourceKind,
    /// Its AWS name.
    pub name: String,
    /// What happens to it.
    pub action: Action,
    /// The settings the step sends, as `(field, value)`, for the review page.
    pub settings: Vec<(String, String)>,
    /// What the step means for running work, or why it is needed.
    pub note: Option<String>,
}

/// An ordered list of steps: dependencies first; deletes in reverse dependency order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The steps, in execution order.
    pub steps: Vec<Step>,
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

fn settings_of(spec: &EnvironmentSpec, kind: ResourceKind) -> Vec<(String, String)> {
    let s = |k: &str, v: String| (k.to_owned(), v);
    match kind {
        ResourceKind::Cluster => vec![
            s("clusterName", spec.cluster.name.clone()),
            s(
                "containerInsights",
                if spec.cluster.container_insights {
                    "enabled"
                } else {
                    "disabled"
                }
                .into(),
            ),
        ],
        ResourceKind::ComputeEnvironment => {
            let ce = &spec.compute_environment;
            vec![
                s("computeEnvironmentName", ce.name.clone()),
                s("type", "MANAGED".into()),
                s("computeResources.type", ce.compute_type.as_aws().into()),
                s("computeResources.maxvCpus", ce.max_vcpus.to_string()),
                s("computeResources.subnets", ce.subnets.join(", ")),
                s(
                    "computeResources.securityGroupIds",
                    ce.security_group_ids.join(", "),
                ),
                s(
                    "serviceRole",
                    ce.service_role
                        .clone()
                        .unwrap_or_else(|| "AWSServiceRoleForBatch (service-linked)".into()),
                ),
            ]
        }
        ResourceKind::JobQueue => vec![
            s("jobQueueName", spec.job_queue.name.clone()),
            s("priority", spec.job_queue.priority.to_string()),
            s(
                "state",
                if spec.job_queue.enabled {
                    "ENABLED"
                } else {
                    "DISABLED"
                }
                .into(),
            ),
            s(
                "computeEnvironmentOrder",
                format!("1: {}", spec.compute_environment.name),
            ),
        ],
    }
}

/// Plans bringing AWS from what the journal `recorded` to `desired`.
///
/// A resource recorded as created is unchanged (the first slice has no edits); one that
/// is missing or only pending is created (the executor adopts a pending one that AWS
/// already has, so an interrupted run never creates a duplicate).
pub fn plan(desired: &EnvironmentSpec, recorded: &[RecordedResource]) -> Plan {
    let steps = ResourceKind::ALL
        .into_iter()
        .map(|kind| {
            let name = desired.resource_name(kind).to_owned();
            let existing = recorded.iter().find(|r| r.kind == kind);
            let (action, note) = match existing.map(|r| r.status) {
                Some(RecordStatus::Created) => (Action::NoChange, None),
                Some(RecordStatus::Pending) => (
                    Action::Create,
                    Some("an earlier run was interrupted here; an existing resource of this name is adopted".into()),
                ),
                None => (Action::Create, None),
            };
            Step {
                kind,
                settings: settings_of(desired, kind),
                name,
                action,
                note,
            }
        })
        .collect();
    Plan { steps }
}

/// Plans deleting everything the journal records, in reverse dependency order.
pub fn destroy_plan(recorded: &[RecordedResource]) -> Plan {
    let steps = ResourceKind::ALL
        .into_iter()
        .rev()
        .filter_map(|kind| recorded.iter().find(|r| r.kind == kind))
        .map(|r| Step {
            kind: r.kind,
            name: r.name.clone(),
            action: Action::Delete,
            settings: Vec::new(),
            note: Some(match r.kind {
                ResourceKind::JobQueue => {
                    "disabled first: it stops accepting jobs, then running jobs finish or are cancelled".into()
                }
                ResourceKind::ComputeEnvironment => {
                    "disabled first, then deleted once no queue uses it".into()
                }
                ResourceKind::Cluster => "deleted last".into(),
            }),
        })
        .collect();
    Plan { steps }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::spec::Network;

    fn spec() -> EnvironmentSpec {
        EnvironmentSpec::minimal(
            "infer",
            "us-east-1",
            16,
            None,
            Network {
                vpc_id: "vpc-12345678".into(),
                subnets: vec!["subnet-12345678".into()],
                security_group_ids: vec!["sg-12345678".into()],
            },
        )
    }

    fn rec(kind: ResourceKind, status: RecordStatus) -> RecordedResource {
        RecordedResource {
            kind,
            name: format!("{kind:?}"),
            arn: Some("arn:aws:x".into()),
            status,
        }
    }

    fn actions(p: &Plan) -> Vec<(ResourceKind, Action)> {
        p.steps.iter().map(|s| (s.kind, s.action)).collect()
    }

    #[test]
    fn fresh_environment_creates_everything_in_dependency_order() {
        let p = plan(&spec(), &[]);
        assert_eq!(
            actions(&p),
            vec![
                (ResourceKind::Cluster, Action::Create),
                (ResourceKind::ComputeEnvironment, Action::Create),
                (ResourceKind::JobQueue, Action::Create),
            ]
        );
        assert_eq!(p.steps[1].name, "infer-ce");
        assert!(p.has_changes());
    }

    #[test]
    fn applied_environment_plans_no_changes() {
        let recorded: Vec<_> = ResourceKind::ALL
            .into_iter()
            .map(|k| rec(k, RecordStatus::Created))
            .collect();
        let p = plan(&spec(), &recorded);
        assert!(!p.has_changes());
    }

    #[test]
    fn pending_resource_is_created_again_with_a_note() {
        let p = plan(
            &spec(),
            &[rec(ResourceKind::Cluster, RecordStatus::Pending)],
        );
        assert_eq!(p.steps[0].action, Action::Create);
        assert!(p.steps[0].note.as_deref().unwrap().contains("adopted"));
    }

    #[test]
    fn destroy_runs_in_reverse_dependency_order() {
        let recorded: Vec<_> = ResourceKind::ALL
            .into_iter()
            .map(|k| rec(k, RecordStatus::Created))
            .collect();
        assert_eq!(
            actions(&destroy_plan(&recorded)),
            vec![
                (ResourceKind::JobQueue, Action::Delete),
                (ResourceKind::ComputeEnvironment, Action::Delete),
                (ResourceKind::Cluster, Action::Delete),
            ]
        );
        assert_eq!(destroy_plan(&[]).steps, vec![]);
    }

    #[test]
    fn fingerprint_changes_with_the_plan() {
        let a = plan(&spec(), &[]);
        let mut s = spec();
        s.compute_environment.max_vcpus = 32;
        let b = plan(&s, &[]);
        assert_eq!(a.fingerprint(), plan(&spec(), &[]).fingerprint());
        assert_ne!(a.fingerprint(), b.fingerprint());
    }
}
