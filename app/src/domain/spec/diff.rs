//! Field-by-field differences between two specs (for the revision history).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::EnvironmentSpec;

/// One field that differs between two specs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SpecChange {
    /// Dotted path of the field, e.g. `compute_environment.max_vcpus` or
    /// `task_definition.containers[0].image`.
    pub path: String,
    /// The value in the older spec (none: the field was added).
    pub old: Option<String>,
    /// The value in the newer spec (none: the field was removed).
    pub new: Option<String>,
}

/// Every field whose value differs from `old` to `new`, in path order.
///
/// Lists of plain values (subnets, instance types, commands) compare as one value; lists
/// of objects (containers, strategy items) compare item by item. Absent and `null` are
/// the same.
pub fn diff_specs(old: &EnvironmentSpec, new: &EnvironmentSpec) -> Vec<SpecChange> {
    let (a, b) = (flatten_spec(old), flatten_spec(new));
    let mut paths: Vec<&String> = a.keys().chain(b.keys()).collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .filter_map(|path| {
            let (old, new) = (a.get(path), b.get(path));
            (old != new).then(|| SpecChange {
                path: path.clone(),
                old: old.cloned(),
                new: new.cloned(),
            })
        })
        .collect()
}

fn flatten_spec(spec: &EnvironmentSpec) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Ok(json) = serde_json::to_value(spec) {
        flatten(&json, String::new(), &mut out);
    }
    out
}

fn flatten(value: &Value, path: String, out: &mut BTreeMap<String, String>) {
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (k, v) in map {
                flatten(v, join(k), out);
            }
        }
        Value::Array(items) if items.iter().any(|i| i.is_object() || i.is_array()) => {
            for (i, v) in items.iter().enumerate() {
                flatten(v, format!("{path}[{i}]"), out);
            }
        }
        Value::String(s) => {
            out.insert(path, s.clone());
        }
        other => {
            out.insert(path, other.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{network, roles};
    use crate::domain::spec::presets::Preset;

    fn gpu() -> EnvironmentSpec {
        Preset::GpuG5.spec("gpu", "us-east-1", network(), &roles())
    }

    #[test]
    fn a_spec_does_not_differ_from_itself() {
        assert_eq!(diff_specs(&gpu(), &gpu()), vec![]);
    }

    #[test]
    fn changed_added_and_removed_fields_are_named_by_path() {
        let old = gpu();
        let mut new = gpu();
        new.compute_environment.max_vcpus = old.compute_environment.max_vcpus + 64;
        new.tags.insert("team".into(), "ml".into());
        new.job_queue = None;
        if let Some(t) = &mut new.task_definition {
            t.containers[0].image = "repo/infer:2".into();
        }
        let changes = diff_specs(&old, &new);
        let find = |p: &str| changes.iter().find(|c| c.path == p).cloned();
        assert_eq!(
            find("compute_environment.max_vcpus"),
            Some(SpecChange {
                path: "compute_environment.max_vcpus".into(),
                old: Some(old.compute_environment.max_vcpus.to_string()),
                new: Some((old.compute_environment.max_vcpus + 64).to_string()),
            })
        );
        assert_eq!(find("tags.team").unwrap().old, None);
        assert_eq!(find("job_queue.name").unwrap().new, None);
        assert_eq!(
            find("task_definition.containers[0].image")
                .unwrap()
                .new
                .as_deref(),
            Some("repo/infer:2")
        );
        let mut sorted = changes.clone();
        sorted.sort_by(|a, b| a.path.cmp(&b.path));
        assert_eq!(changes, sorted);
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// The diff is symmetric (old and new swap), and empty exactly when the specs
        /// serialise the same.
        #[test]
        fn diff_is_symmetric(vcpus in 1u32..10_000, priority in 0u32..1000, tag in "[a-z]{1,8}") {
            let old = gpu();
            let mut new = gpu();
            new.compute_environment.max_vcpus = vcpus;
            if let Some(q) = &mut new.job_queue { q.priority = priority; }
            new.tags.insert(tag, "x".into());
            let forward = diff_specs(&old, &new);
            let back: Vec<_> = diff_specs(&new, &old)
                .into_iter()
                .map(|c| SpecChange { path: c.path, old: c.new, new: c.old })
                .collect();
            proptest::prop_assert_eq!(&forward, &back);
            proptest::prop_assert!(!forward.is_empty());
        }
    }
}
