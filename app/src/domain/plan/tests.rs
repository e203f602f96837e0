//! Plan tests: cases, properties (proptest) and snapshots (insta) of typical edits.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::domain::fixtures::{network, roles};
use crate::domain::spec::presets::Preset;
use crate::domain::spec::{AllocationStrategy, ComputeType};
use crate::domain::validate;

fn minimal() -> EnvironmentSpec {
    EnvironmentSpec::minimal("infer", "us-east-1", 16, None, network())
}

fn preset(p: Preset) -> EnvironmentSpec {
    Preset::spec(p, "infer", "us-east-1", network(), &roles())
}

/// The in-memory model of AWS the executor's effect is checked against: applying a plan
/// records every created, updated or replaced resource with the desired settings, and
/// removes deleted ones.
fn apply(desired: &EnvironmentSpec, recorded: &RecordedState, plan: &Plan) -> RecordedState {
    let mut resources: BTreeMap<ResourceKind, RecordedResource> = recorded
        .resources
        .iter()
        .map(|r| (r.kind, r.clone()))
        .collect();
    for step in &plan.steps {
        match step.action {
            Action::Create | Action::Update | Action::Replace => {
                resources.insert(
                    step.kind,
                    RecordedResource {
                        kind: step.kind,
                        name: step.name.clone(),
                        arn: Some(format!("arn:aws:test:::{}", step.name)),
                        status: RecordStatus::Created,
                        settings: settings_map(desired, step.kind),
                    },
                );
            }
            Action::Delete => {
                resources.remove(&step.kind);
            }
            Action::NoChange => {}
        }
    }
    RecordedState {
        serial: recorded.serial + plan.steps.len() as u64,
        resources: resources.into_values().collect(),
    }
}

fn applied(spec: &EnvironmentSpec) -> RecordedState {
    let first = plan(spec, &RecordedState::default(), &[]);
    apply(spec, &RecordedState::default(), &first)
}

fn actions(p: &Plan) -> Vec<(ResourceKind, Action)> {
    p.steps.iter().map(|s| (s.kind, s.action)).collect()
}

#[test]
fn fresh_environment_creates_everything_in_dependency_order() {
    let p = plan(&minimal(), &RecordedState::default(), &[]);
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
    let spec = minimal();
    assert!(!plan(&spec, &applied(&spec), &[]).has_changes());
}

#[test]
fn entries_without_recorded_settings_are_assumed_as_desired() {
    let spec = minimal();
    let mut state = applied(&spec);
    for r in &mut state.resources {
        r.settings.clear();
    }
    assert!(!plan(&spec, &state, &[]).has_changes());
}

#[test]
fn pending_resource_is_created_again_with_a_note() {
    let state = RecordedState {
        serial: 1,
        resources: vec![RecordedResource {
            kind: ResourceKind::Cluster,
            name: "infer".into(),
            arn: None,
            status: RecordStatus::Pending,
            settings: BTreeMap::new(),
        }],
    };
    let p = plan(&minimal(), &state, &[]);
    assert_eq!(p.steps[0].action, Action::Create);
    assert!(p.steps[0].note.as_deref().unwrap().contains("adopted"));
    assert_eq!(p.serial, 1);
}

#[test]
fn max_vcpus_is_updated_in_place() {
    let spec = minimal();
    let state = applied(&spec);
    let mut edited = spec.clone();
    edited.compute_environment.max_vcpus = 64;
    let p = plan(&edited, &state, &[]);
    let step = &p.steps[1];
    assert_eq!(step.action, Action::Update);
    assert_eq!(
        step.changes,
        vec![FieldChange {
            field: "computeResources.maxvCpus".into(),
            old: Some("16".into()),
            new: Some("64".into()),
            forces_replacement: None
        }]
    );
}

#[test]
fn best_fit_instance_types_force_replacement_with_the_reason() {
    let mut spec = preset(Preset::GpuG5);
    spec.compute_environment.allocation_strategy = Some(AllocationStrategy::BestFit);
    let state = applied(&spec);
    let mut edited = spec.clone();
    edited.compute_environment.instance_types = vec!["g6.xlarge".into()];
    let p = plan(&edited, &state, &[]);
    let step = p
        .steps
        .iter()
        .find(|s| s.kind == ResourceKind::ComputeEnvironment)
        .unwrap();
    assert_eq!(step.action, Action::Replace);
    assert_eq!(step.replace_order, Some(ReplaceOrder::DeleteBeforeCreate));
    assert_eq!(
        step.changes[0].forces_replacement.as_deref(),
        Some("a BEST_FIT compute environment cannot change its instances in place")
    );
}

#[test]
fn a_renamed_queue_is_deleted_before_the_new_one_is_created() {
    let spec = minimal();
    let state = applied(&spec);
    let mut edited = spec.clone();
    edited.job_queue.as_mut().unwrap().name = "infer-queue-2".into();
    let step = &plan(&edited, &state, &[]).steps[2];
    assert_eq!(step.action, Action::Replace);
    assert_eq!(step.replace_order, Some(ReplaceOrder::DeleteBeforeCreate));
}

#[test]
fn what_depends_on_a_replaced_resource_is_replaced_with_it() {
    // The compute environment's type cannot change: it is deleted and created again,
    // and its queue with it.
    let spec = minimal();
    let state = applied(&spec);
    let mut edited = spec.clone();
    edited.compute_environment.compute_type = ComputeType::FargateSpot;
    let p = plan(&edited, &state, &[]);
    let actions: Vec<_> = p.steps.iter().map(|s| (s.kind, s.action)).collect();
    assert_eq!(
        actions,
        [
            (ResourceKind::Cluster, Action::NoChange),
            (ResourceKind::ComputeEnvironment, Action::Replace),
            (ResourceKind::JobQueue, Action::Replace),
        ]
    );
    let queue = &p.steps[2];
    assert_eq!(queue.replace_order, Some(ReplaceOrder::DeleteBeforeCreate));
    assert_eq!(
        queue.changes[0].forces_replacement.as_deref(),
        Some(
            "its Batch compute environment infer-ce is replaced: deleted with it first, then created again"
        )
    );
    // A renamed cluster takes the cluster's capacity providers along; the group's
    // launch template learns the new name in place.
    let spec = preset(Preset::GpuG5);
    let state = applied(&spec);
    let mut edited = spec.clone();
    edited.cluster.name = "infer-2".into();
    let p = plan(&edited, &state, &[]);
    let action = |k| p.steps.iter().find(|s| s.kind == k).map(|s| s.action);
    assert_eq!(action(ResourceKind::Cluster), Some(Action::Replace));
    assert_eq!(
        action(ResourceKind::ClusterCapacityProviders),
        Some(Action::Replace)
    );
    assert_eq!(action(ResourceKind::AutoScalingGroup), Some(Action::Update));
    assert_eq!(
        action(ResourceKind::CapacityProvider),
        Some(Action::NoChange)
    );
}

#[test]
fn a_changed_job_definition_is_a_new_revision() {
    let spec = preset(Preset::CpuFargate);
    let state = applied(&spec);
    let mut edited = spec.clone();
    edited.job_definition.as_mut().unwrap().memory = 4096;
    let p = plan(&edited, &state, &[]);
    let step = p
        .steps
        .iter()
        .find(|s| s.kind == ResourceKind::JobDefinition)
        .unwrap();
    assert_eq!(step.action, Action::Replace);
    assert_eq!(step.replace_order, Some(ReplaceOrder::CreateBeforeDelete));
    assert_eq!(step.changes.len(), 1);
    assert!(
        step.changes[0]
            .forces_replacement
            .as_deref()
            .unwrap()
            .contains("new revision")
    );
}

#[test]
fn capacity_provider_scaling_is_updated_but_its_group_forces_replacement() {
    let spec = preset(Preset::GpuG5);
    let state = applied(&spec);
    let mut edited = spec.clone();
    edited
        .capacity
        .as_mut()
        .unwrap()
        .provider
        .managed_scaling
        .target_capacity = 90;
    let p = plan(&edited, &state, &[]);
    let cp = p
        .steps
        .iter()
        .find(|s| s.kind == ResourceKind::CapacityProvider)
        .unwrap();
    assert_eq!(cp.action, Action::Update);
    let mut moved = spec.clone();
    moved.capacity.as_mut().unwrap().auto_scaling_group = crate::domain::spec::AutoScalingGroupSource::Existing {
        arn: "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:1:autoScalingGroupName/other".into(),
        protect_from_scale_in: true,
    };
    let p = plan(&moved, &state, &[]);
    let cp = p
        .steps
        .iter()
        .find(|s| s.kind == ResourceKind::CapacityProvider)
        .unwrap();
    assert_eq!(cp.action, Action::Replace);
    // The group the console created is no longer wanted: deleted, last.
    assert_eq!(
        p.steps.last().map(|s| (s.kind, s.action)),
        Some((ResourceKind::AutoScalingGroup, Action::Delete))
    );
}

#[test]
fn drift_is_reported_per_field() {
    let spec = minimal();
    let state = applied(&spec);
    let observed = Observed {
        arn: "arn".into(),
        status: "VALID".into(),
        state: Some("ENABLED".into()),
        status_reason: None,
        settings: BTreeMap::from([
            ("computeResources.maxvCpus".to_owned(), "32".to_owned()),
            ("state".to_owned(), "ENABLED".to_owned()),
        ]),
        tags: BTreeMap::new(),
    };
    let p = plan(
        &spec,
        &state,
        &[(ResourceKind::ComputeEnvironment, observed)],
    );
    assert_eq!(
        p.drift,
        vec![Drift {
            kind: ResourceKind::ComputeEnvironment,
            field: "computeResources.maxvCpus".into(),
            recorded: "16".into(),
            observed: "32".into()
        }]
    );
}

#[test]
fn destroy_runs_in_reverse_dependency_order() {
    let state = applied(&minimal());
    assert_eq!(
        actions(&destroy_plan(&state)),
        vec![
            (ResourceKind::JobQueue, Action::Delete),
            (ResourceKind::ComputeEnvironment, Action::Delete),
            (ResourceKind::Cluster, Action::Delete),
        ]
    );
    assert_eq!(destroy_plan(&RecordedState::default()).steps, vec![]);
}

#[test]
fn fingerprint_changes_with_the_plan() {
    let a = plan(&minimal(), &RecordedState::default(), &[]);
    let mut s = minimal();
    s.compute_environment.max_vcpus = 32;
    let b = plan(&s, &RecordedState::default(), &[]);
    assert_eq!(
        a.fingerprint(),
        plan(&minimal(), &RecordedState::default(), &[]).fingerprint()
    );
    assert_ne!(a.fingerprint(), b.fingerprint());
}

// --- snapshots of typical edits ---

fn edit_plan(base: EnvironmentSpec, edit: impl FnOnce(&mut EnvironmentSpec)) -> Plan {
    let state = applied(&base);
    let mut edited = base;
    edit(&mut edited);
    assert_eq!(validate(&edited), vec![], "the edit keeps the spec valid");
    plan(&edited, &state, &[])
}

#[test]
fn snapshots_of_preset_plans() {
    for p in Preset::ALL {
        let name = format!("create_{p:?}").to_lowercase();
        insta::assert_yaml_snapshot!(name, plan(&preset(p), &RecordedState::default(), &[]));
    }
}

#[test]
fn snapshots_of_typical_edits() {
    insta::assert_yaml_snapshot!(
        "edit_scale_max_vcpus",
        edit_plan(preset(Preset::CpuFargate), |s| s
            .compute_environment
            .max_vcpus = 256)
    );
    insta::assert_yaml_snapshot!(
        "edit_change_instance_types_progressive",
        edit_plan(preset(Preset::GpuG5), |s| s
            .compute_environment
            .instance_types =
            vec!["g6.xlarge".into(), "g6.2xlarge".into()])
    );
    insta::assert_yaml_snapshot!(
        "edit_switch_to_spot",
        edit_plan(preset(Preset::GpuG5), |s| {
            s.compute_environment.compute_type = ComputeType::Spot;
            s.compute_environment.allocation_strategy =
                Some(AllocationStrategy::SpotCapacityOptimized);
        })
    );
    insta::assert_yaml_snapshot!(
        "edit_remove_the_queue",
        edit_plan(preset(Preset::SpotBatch), |s| s.job_queue = None)
    );
    insta::assert_yaml_snapshot!(
        "edit_rename_and_disable_queue",
        edit_plan(minimal(), |s| {
            let q = s.job_queue.as_mut().unwrap();
            q.name = "infer-batch".into();
            q.enabled = false;
        })
    );
}

// --- properties ---

fn arb_spec() -> impl Strategy<Value = EnvironmentSpec> {
    (
        prop::sample::select(vec![
            None,
            Some(Preset::GpuG5),
            Some(Preset::CpuFargate),
            Some(Preset::SpotBatch),
        ]),
        4u32..=1024,
        any::<bool>(),
        0u32..=1000,
        any::<bool>(),
        any::<bool>(),
        prop::collection::btree_map("[a-z]{1,8}", "[a-z0-9]{0,8}", 0..4),
        prop::sample::select(vec![Some("infer-queue"), Some("queue-b"), None]),
    )
        .prop_map(
            |(p, max_vcpus, insights, priority, queue_on, ce_on, tags, queue)| {
                let mut s = p.map_or_else(minimal, preset);
                s.compute_environment.max_vcpus = max_vcpus;
                s.cluster.container_insights = insights;
                match queue {
                    Some(name) => {
                        let q = s.job_queue.as_mut().unwrap();
                        q.priority = priority;
                        q.enabled = queue_on;
                        q.name = name.into();
                    }
                    None => s.job_queue = None,
                }
                s.compute_environment.enabled = ce_on;
                s.tags = tags;
                s
            },
        )
}

/// A journal in any state: some resources recorded (pending or created) with the
/// settings of some other spec.
fn arb_state() -> impl Strategy<Value = RecordedState> {
    (
        arb_spec(),
        prop::collection::vec((any::<bool>(), any::<bool>()), ResourceKind::ALL.len()),
        0u64..100,
    )
        .prop_map(|(other, picks, serial)| {
            let resources = ResourceKind::ALL
                .into_iter()
                .zip(picks)
                .filter(|(kind, (present, _))| *present && other.resource_name(*kind).is_some())
                .map(|(kind, (_, created))| RecordedResource {
                    kind,
                    name: other.resource_name(kind).unwrap_or_default().to_owned(),
                    arn: created.then(|| "arn:aws:test".to_owned()),
                    status: if created {
                        RecordStatus::Created
                    } else {
                        RecordStatus::Pending
                    },
                    settings: if created {
                        settings_map(&other, kind)
                    } else {
                        BTreeMap::new()
                    },
                })
                .collect();
            RecordedState { serial, resources }
        })
}

proptest! {
    #[test]
    fn applying_a_plan_then_planning_again_yields_no_steps(spec in arb_spec(), state in arb_state()) {
        prop_assume!(validate(&spec).is_empty());
        let first = plan(&spec, &state, &[]);
        let after = apply(&spec, &state, &first);
        let again = plan(&spec, &after, &[]);
        prop_assert!(!again.has_changes(), "{:#?}", again);
    }

    #[test]
    fn every_step_comes_after_its_dependencies(spec in arb_spec(), state in arb_state()) {
        let p = plan(&spec, &state, &[]);
        for (i, step) in p.steps.iter().enumerate() {
            if step.action == Action::Delete {
                continue;
            }
            for dep in step.kind.depends_on() {
                let j = p.steps.iter().position(|s| s.kind == *dep && s.action != Action::Delete);
                prop_assert!(j.is_some_and(|j| j < i), "{:?} before its dependency {:?}", step.kind, dep);
            }
        }
        // Deletes come last, in reverse dependency order.
        let deletes: Vec<_> = p.steps.iter().skip_while(|s| s.action != Action::Delete).collect();
        prop_assert!(deletes.iter().all(|s| s.action == Action::Delete));
    }

    #[test]
    fn plans_are_deterministic(spec in arb_spec(), state in arb_state()) {
        let a = plan(&spec, &state, &[]);
        let b = plan(&spec.clone(), &state.clone(), &[]);
        prop_assert_eq!(a.fingerprint(), b.fingerprint());
        prop_assert_eq!(a, b);
    }
}
