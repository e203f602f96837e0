//! Stored or edited spec JSON -> parse -> validate -> plan: no panic on any input; plans
//! are deterministic; a spec the validator accepts plans only creations of resources it
//! has, each after its dependencies, and once applied plans nothing more.
#![no_main]

#[path = "../../src/domain/mod.rs"]
#[allow(dead_code, unused_imports)]
mod domain;

use domain::plan::settings_map;
use domain::{
    Action, EnvironmentSpec, RecordStatus, RecordedResource, RecordedState, plan, validate,
    warnings,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(spec) = EnvironmentSpec::from_json(text) else {
        return;
    };
    let problems = validate(&spec);
    let _ = warnings(&spec);
    let empty = RecordedState::default();
    let first = plan(&spec, &empty, &[]);
    assert_eq!(first, plan(&spec, &empty, &[]), "plans are deterministic");
    assert_eq!(first.fingerprint(), plan(&spec, &empty, &[]).fingerprint());
    if !problems.is_empty() {
        return;
    }
    // Only creations, of resources the spec has, under their names, dependencies first.
    for (i, step) in first.steps.iter().enumerate() {
        assert_eq!(step.action, Action::Create, "{step:?}");
        assert_eq!(spec.resource_name(step.kind), Some(step.name.as_str()));
        assert!(!step.name.is_empty());
        for dep in step.kind.depends_on() {
            if spec.resource_name(*dep).is_some() {
                let at = first.steps.iter().position(|s| s.kind == *dep);
                assert!(at.is_some_and(|j| j < i), "{:?} before {dep:?}", step.kind);
            }
        }
    }
    // Applied as planned, nothing is left to do.
    let applied = RecordedState {
        serial: 1,
        resources: first
            .steps
            .iter()
            .map(|s| RecordedResource {
                kind: s.kind,
                name: s.name.clone(),
                arn: Some(format!("arn:aws:fuzz:::{}", s.name)),
                status: RecordStatus::Created,
                settings: settings_map(&spec, s.kind),
            })
            .collect(),
    };
    let again = plan(&spec, &applied, &[]);
    assert!(!again.has_changes(), "{again:#?}");
    // A valid spec survives its own serialisation.
    let json = serde_json::to_string(&spec).expect("a spec serialises");
    assert_eq!(EnvironmentSpec::from_json(&json).as_ref(), Ok(&spec));
});
