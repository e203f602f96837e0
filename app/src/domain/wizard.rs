//! The new-environment wizard: the spec edited one concern at a time.
//!
//! A draft is a whole [`EnvironmentSpec`] (from a preset, a blank spec or a shared
//! template); each step shows some of its fields, writes what was typed back into it
//! ([`apply_step`]) and is checked by the same [`validate`] as everything else, keeping
//! only the problems of the step's fields ([`step_problems`]) - so the browser (WASM) and
//! the server agree on every message.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::spec::EnvironmentSpec;
use super::{Problem, validate};

/// The wizard's steps, in order (the review page follows the last).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Name, region, the role to act as, tags.
    Basics,
    /// VPC, subnets, security groups.
    Network,
    /// The ECS cluster and its EC2 capacity (Auto Scaling group, capacity provider).
    Cluster,
    /// The Batch compute environment.
    Compute,
    /// The job queue, and the task and job definitions of the inference container.
    Workload,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 5] = [
        Step::Basics,
        Step::Network,
        Step::Cluster,
        Step::Compute,
        Step::Workload,
    ];

    /// Its URL segment.
    pub fn key(self) -> &'static str {
        match self {
            Step::Basics => "basics",
            Step::Network => "network",
            Step::Cluster => "cluster",
            Step::Compute => "compute",
            Step::Workload => "workload",
        }
    }

    /// The step of a URL segment.
    pub fn from_key(key: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Its title.
    pub fn title(self) -> &'static str {
        match self {
            Step::Basics => "Basics and target account",
            Step::Network => "Network",
            Step::Cluster => "ECS cluster and capacity provider",
            Step::Compute => "Batch compute environment",
            Step::Workload => "Job queue, task and job definitions",
        }
    }

    /// The step after this one, if any.
    pub fn next(self) -> Option<Step> {
        let i = Step::ALL.iter().position(|s| *s == self)?;
        Step::ALL.get(i + 1).copied()
    }

    /// The step before this one, if any.
    pub fn previous(self) -> Option<Step> {
        let i = Step::ALL.iter().position(|s| *s == self)?;
        i.checked_sub(1).map(|i| Step::ALL[i])
    }

    /// The spec fields (paths, as problems name them) this step owns.
    fn prefixes(self) -> &'static [&'static str] {
        match self {
            Step::Basics => &["name", "region", "assume_role", "tags"],
            Step::Network => &["network"],
            Step::Cluster => &["cluster", "capacity"],
            Step::Compute => &["compute_environment"],
            Step::Workload => &["job_queue", "task_definition", "job_definition"],
        }
    }

    /// Whether `field` (a problem's path) belongs to this step.
    pub fn owns(self, field: &str) -> bool {
        self.prefixes().iter().any(|p| {
            field == *p
                || field
                    .strip_prefix(p)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        })
    }

    /// The fields this step shows.
    pub fn fields(self) -> &'static [Field] {
        match self {
            Step::Basics => BASICS,
            Step::Network => NETWORK,
            Step::Cluster => CLUSTER,
            Step::Compute => COMPUTE,
            Step::Workload => WORKLOAD,
        }
    }
}

/// How a field is typed and stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Text (empty: the field is left out where the spec allows).
    Text,
    /// A whole number.
    Number,
    /// A whole number that may be left empty (left out of the spec).
    OptionalNumber,
    /// A decimal number (Batch vCPUs).
    Decimal,
    /// Values separated by commas or spaces.
    List,
    /// `KEY=value`, one per line.
    Pairs,
    /// A checkbox.
    Flag,
    /// One of a few values.
    Choice(&'static [&'static str]),
    /// Whether an optional part of the spec is included (a checkbox).
    Include,
}

/// What a picker lists from the account (discovery).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Picker {
    /// VPCs.
    Vpc,
    /// Subnets (with their availability zone).
    Subnets,
    /// Security groups.
    SecurityGroups,
    /// Instance types offered in the region (GPU ones marked).
    InstanceTypes,
    /// IAM roles.
    Roles,
    /// IAM instance profiles.
    InstanceProfiles,
    /// Regions.
    Regions,
}

/// One field of a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    /// Its path in the spec, as problems name it (`capacity.provider.name`).
    pub path: &'static str,
    /// Its label.
    pub label: &'static str,
    /// How it is typed.
    pub kind: Kind,
    /// What the account has for it, if a picker helps.
    pub picker: Option<Picker>,
    /// For fields inside an optional part: the `Include` field's path.
    pub within: Option<&'static str>,
}

const fn f(path: &'static str, label: &'static str, kind: Kind) -> Field {
    Field {
        path,
        label,
        kind,
        picker: None,
        within: None,
    }
}

const fn picked(path: &'static str, label: &'static str, kind: Kind, picker: Picker) -> Field {
    Field {
        path,
        label,
        kind,
        picker: Some(picker),
        within: None,
    }
}

const fn inside(field: Field, within: &'static str) -> Field {
    Field {
        within: Some(within),
        ..field
    }
}

const BASICS: &[Field] = &[
    f("name", "Environment name", Kind::Text),
    picked("region", "Region", Kind::Text, Picker::Regions),
    picked(
        "assume_role.role_arn",
        "Role to assume in the target account (empty: the console's own)",
        Kind::Text,
        Picker::Roles,
    ),
    f("assume_role.external_id", "External id", Kind::Text),
    f("tags", "Tags (KEY=value, one per line)", Kind::Pairs),
];

const NETWORK: &[Field] = &[
    picked("network.vpc_id", "VPC", Kind::Text, Picker::Vpc),
    picked("network.subnets", "Subnets", Kind::List, Picker::Subnets),
    picked(
        "network.security_group_ids",
        "Security groups",
        Kind::List,
        Picker::SecurityGroups,
    ),
];

const CAPACITY: &str = "capacity";

const CLUSTER: &[Field] = &[
    f("cluster.name", "Cluster name", Kind::Text),
    f(
        "cluster.container_insights",
        "Container Insights",
        Kind::Flag,
    ),
    f(
        "capacity",
        "EC2 capacity: an Auto Scaling group behind a capacity provider",
        Kind::Include,
    ),
    inside(
        f(
            "capacity.auto_scaling_group.name",
            "Auto Scaling group name",
            Kind::Text,
        ),
        CAPACITY,
    ),
    inside(
        picked(
            "capacity.auto_scaling_group.instance_types",
            "Instance types",
            Kind::List,
            Picker::InstanceTypes,
        ),
        CAPACITY,
    ),
    inside(
        f(
            "capacity.auto_scaling_group.min_size",
            "Minimum size",
            Kind::Number,
        ),
        CAPACITY,
    ),
    inside(
        f(
            "capacity.auto_scaling_group.max_size",
            "Maximum size",
            Kind::Number,
        ),
        CAPACITY,
    ),
    inside(
        f(
            "capacity.auto_scaling_group.desired_capacity",
            "Desired capacity",
            Kind::Number,
        ),
        CAPACITY,
    ),
    inside(
        picked(
            "capacity.auto_scaling_group.instance_profile",
            "Instance profile",
            Kind::Text,
            Picker::InstanceProfiles,
        ),
        CAPACITY,
    ),
    inside(
        f(
            "capacity.auto_scaling_group.protect_from_scale_in",
            "Protect instances from scale-in",
            Kind::Flag,
        ),
        CAPACITY,
    ),
    inside(
        f(
            "capacity.provider.name",
            "Capacity provider name",
            Kind::Text,
        ),
        CAPACITY,
    ),
    inside(
        f(
            "capacity.provider.managed_scaling.target_capacity",
            "Managed scaling target capacity (%)",
            Kind::Number,
        ),
        CAPACITY,
    ),
    inside(
        f(
            "capacity.provider.managed_termination_protection",
            "Managed termination protection",
            Kind::Flag,
        ),
        CAPACITY,
    ),
];

const COMPUTE: &[Field] = &[
    f(
        "compute_environment.name",
        "Compute environment name",
        Kind::Text,
    ),
    f(
        "compute_environment.compute_type",
        "Type",
        Kind::Choice(&["EC2", "SPOT", "FARGATE", "FARGATE_SPOT"]),
    ),
    f(
        "compute_environment.min_vcpus",
        "Minimum vCPUs",
        Kind::Number,
    ),
    f(
        "compute_environment.max_vcpus",
        "Maximum vCPUs",
        Kind::Number,
    ),
    picked(
        "compute_environment.instance_types",
        "Instance types (EC2 and Spot)",
        Kind::List,
        Picker::InstanceTypes,
    ),
    picked(
        "compute_environment.instance_role",
        "Instance role (EC2 and Spot: an instance profile)",
        Kind::Text,
        Picker::InstanceProfiles,
    ),
    picked(
        "compute_environment.service_role",
        "Batch service role (empty: the service-linked role)",
        Kind::Text,
        Picker::Roles,
    ),
];

const TASK: &str = "task_definition";
const JOB: &str = "job_definition";
const QUEUE: &str = "job_queue";

const WORKLOAD: &[Field] = &[
    f("job_queue", "A Batch job queue", Kind::Include),
    inside(f("job_queue.name", "Job queue name", Kind::Text), QUEUE),
    inside(f("job_queue.priority", "Priority", Kind::Number), QUEUE),
    f(
        "task_definition",
        "An ECS task definition of the inference container",
        Kind::Include,
    ),
    inside(f("task_definition.family", "Task family", Kind::Text), TASK),
    inside(
        f(
            "task_definition.cpu",
            "Task CPU units",
            Kind::OptionalNumber,
        ),
        TASK,
    ),
    inside(
        f(
            "task_definition.memory",
            "Task memory (MiB)",
            Kind::OptionalNumber,
        ),
        TASK,
    ),
    inside(
        f(
            "task_definition.containers[0].image",
            "Container image",
            Kind::Text,
        ),
        TASK,
    ),
    inside(
        f(
            "task_definition.containers[0].gpus",
            "Container GPUs",
            Kind::Number,
        ),
        TASK,
    ),
    inside(
        picked(
            "task_definition.execution_role",
            "Task execution role",
            Kind::Text,
            Picker::Roles,
        ),
        TASK,
    ),
    inside(
        picked(
            "task_definition.task_role",
            "Task role (empty: none)",
            Kind::Text,
            Picker::Roles,
        ),
        TASK,
    ),
    f(
        "job_definition",
        "A Batch job definition of the inference container",
        Kind::Include,
    ),
    inside(
        f("job_definition.name", "Job definition name", Kind::Text),
        JOB,
    ),
    inside(f("job_definition.image", "Image", Kind::Text), JOB),
    inside(f("job_definition.vcpus", "vCPUs", Kind::Decimal), JOB),
    inside(
        f("job_definition.memory", "Memory (MiB)", Kind::Number),
        JOB,
    ),
    inside(f("job_definition.gpus", "GPUs", Kind::Number), JOB),
    inside(
        picked(
            "job_definition.job_role",
            "Job role",
            Kind::Text,
            Picker::Roles,
        ),
        JOB,
    ),
    inside(
        picked(
            "job_definition.execution_role",
            "Execution role (Fargate)",
            Kind::Text,
            Picker::Roles,
        ),
        JOB,
    ),
];

/// One choice a picker offers: the value written, and what the person reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickOption {
    /// The value (an id, an ARN, a type).
    pub value: String,
    /// The label (with the zone, the trusted services, "GPU").
    pub label: String,
}

/// What `picker` offers from `found` (subnets and security groups of `vpc_id` only).
pub fn options(
    found: &super::discovery::Discovery,
    picker: Picker,
    vpc_id: &str,
) -> Vec<PickOption> {
    let o = |value: &str, label: String| PickOption {
        value: value.to_owned(),
        label,
    };
    match picker {
        Picker::Vpc => found
            .vpcs
            .iter()
            .map(|v| {
                o(
                    &v.id,
                    format!(
                        "{} {}{}",
                        v.id,
                        v.cidr,
                        if v.default { " (default)" } else { "" }
                    ),
                )
            })
            .collect(),
        Picker::Subnets => found
            .subnets
            .iter()
            .filter(|s| s.vpc_id == vpc_id)
            .map(|s| {
                o(
                    &s.id,
                    format!("{} {} {}", s.id, s.availability_zone, s.cidr),
                )
            })
            .collect(),
        Picker::SecurityGroups => found
            .security_groups
            .iter()
            .filter(|g| g.vpc_id == vpc_id)
            .map(|g| o(&g.id, format!("{} {}", g.id, g.name)))
            .collect(),
        Picker::InstanceTypes => found
            .instance_types
            .iter()
            .map(|t| {
                o(
                    &t.name,
                    format!("{}{}", t.name, if t.gpu { " (GPU)" } else { "" }),
                )
            })
            .collect(),
        Picker::Roles => found
            .roles
            .iter()
            .map(|r| {
                let trusts = if r.trusted_services.is_empty() {
                    String::new()
                } else {
                    format!(" (trusts {})", r.trusted_services.join(", "))
                };
                o(&r.arn, format!("{}{trusts}", r.name))
            })
            .collect(),
        Picker::InstanceProfiles => found
            .instance_profiles
            .iter()
            .map(|p| o(&p.arn, p.name.clone()))
            .collect(),
        Picker::Regions => super::regions::REGIONS
            .iter()
            .map(|(code, name)| o(code, format!("{code} {name}")))
            .collect(),
    }
}

/// The presets the wizard starts from: `(key, label)`.
pub fn presets() -> Vec<(&'static str, &'static str)> {
    use super::spec::presets::Preset;
    Preset::ALL
        .into_iter()
        .map(|p| (preset_key(p), p.label()))
        .collect()
}

/// A preset's key in the start form.
pub fn preset_key(p: super::spec::presets::Preset) -> &'static str {
    use super::spec::presets::Preset;
    match p {
        Preset::GpuG5 => "gpu_g5",
        Preset::CpuFargate => "cpu_fargate",
        Preset::SpotBatch => "spot_batch",
    }
}

/// The preset of a key.
pub fn preset_of(key: &str) -> Option<super::spec::presets::Preset> {
    super::spec::presets::Preset::ALL
        .into_iter()
        .find(|p| preset_key(*p) == key)
}

/// One segment of a field path: a key, with an index for `name[0]`.
fn segments(path: &str) -> Vec<(&str, Option<usize>)> {
    path.split('.')
        .map(|s| match s.split_once('[') {
            Some((key, rest)) => (key, rest.trim_end_matches(']').parse().ok()),
            None => (s, None),
        })
        .collect()
}

/// The value at `path` in a spec's JSON, if there is one.
pub fn get<'a>(json: &'a Value, path: &str) -> Option<&'a Value> {
    let mut node = json;
    for (key, index) in segments(path) {
        node = node.get(key)?;
        if let Some(i) = index {
            node = node.get(i)?;
        }
    }
    Some(node)
}

/// The slot at `path`, made (as objects) where missing; `None` if an indexed list is
/// too short or a value in the way is not an object.
fn slot<'a>(json: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    let mut node = json;
    for (key, index) in segments(path) {
        if node.is_null() {
            *node = Value::Object(serde_json::Map::new());
        }
        node = node.as_object_mut()?.entry(key).or_insert(Value::Null);
        if let Some(i) = index {
            node = node.get_mut(i)?;
        }
    }
    Some(node)
}

/// How a field's value reads in its input.
pub fn display(json: &Value, field: &Field) -> String {
    let value = get(json, field.path);
    match (field.kind, value) {
        (Kind::Include, v) => (!v.is_none_or(Value::is_null)).to_string(),
        (Kind::Flag, v) => v.and_then(Value::as_bool).unwrap_or(false).to_string(),
        (_, None | Some(Value::Null)) => String::new(),
        (_, Some(Value::String(s))) => s.clone(),
        (Kind::List, Some(Value::Array(items))) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        (Kind::Pairs, Some(Value::Object(map))) => map
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("\n"),
        (_, Some(other)) => other.to_string(),
    }
}

fn problem(field: &Field, rule: &str, message: impl Into<String>) -> Problem {
    Problem::new(field.path, rule, message)
}

/// The JSON value of what was typed in `field`, or the problem with it.
fn parse(field: &Field, raw: &str) -> Result<Value, Problem> {
    let raw = raw.trim();
    match field.kind {
        Kind::Text | Kind::Choice(_) if raw.is_empty() => Ok(Value::Null),
        Kind::Text => Ok(Value::String(raw.to_owned())),
        Kind::Choice(options) => {
            if options.contains(&raw) {
                Ok(Value::String(raw.to_owned()))
            } else {
                Err(problem(
                    field,
                    "console.choice",
                    format!("{} must be one of {}", field.label, options.join(", ")),
                ))
            }
        }
        Kind::OptionalNumber if raw.is_empty() => Ok(Value::Null),
        Kind::Number if raw.is_empty() => Err(problem(
            field,
            "console.required",
            format!("{} is required", field.label),
        )),
        Kind::Number | Kind::OptionalNumber => raw.parse::<u32>().map(Value::from).map_err(|_| {
            problem(
                field,
                "console.whole-number",
                format!("{} must be a whole number", field.label),
            )
        }),
        Kind::Decimal => raw
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| {
                problem(
                    field,
                    "console.number",
                    format!("{} must be a number", field.label),
                )
            }),
        Kind::List => Ok(Value::Array(
            raw.split([',', ' ', '\n'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        )),
        Kind::Pairs => {
            let mut map = serde_json::Map::new();
            for (n, line) in raw.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                let Some((k, v)) = line.split_once('=') else {
                    return Err(problem(
                        field,
                        "console.pair-format",
                        format!("Line {}: write KEY=value", n + 1),
                    ));
                };
                map.insert(k.trim().to_owned(), Value::String(v.trim().to_owned()));
            }
            Ok(Value::Object(map))
        }
        Kind::Flag | Kind::Include => Ok(Value::Bool(matches!(raw, "true" | "on" | "1"))),
    }
}

/// Writes the step's `form` (field path -> what was typed; a checkbox left out is off)
/// into `draft`, adding an included optional part from `template`, and reads the spec
/// back. Every field that cannot be read is reported; nothing else is checked here.
pub fn apply_step(
    draft: &EnvironmentSpec,
    template: &EnvironmentSpec,
    step: Step,
    form: &dyn Fn(&str) -> Option<String>,
) -> Result<EnvironmentSpec, Vec<Problem>> {
    let mut json = serde_json::to_value(draft)
        .map_err(|e| vec![Problem::new("spec", "console.spec", e.to_string())])?;
    let template = serde_json::to_value(template).unwrap_or(Value::Null);
    let old_name = draft.name.clone();
    let mut problems = Vec::new();
    let fields = step.fields();
    // Included parts first, so that their fields have somewhere to go.
    let mut added = Vec::new();
    for field in fields.iter().filter(|f| f.kind == Kind::Include) {
        let on = form(field.path).is_some_and(|v| matches!(v.as_str(), "true" | "on" | "1"));
        let present = get(&json, field.path).is_some_and(|v| !v.is_null());
        if on && !present {
            let part = get(&template, field.path).cloned().unwrap_or(Value::Null);
            if let Some(s) = slot(&mut json, field.path) {
                *s = part;
            }
            added.push(field.path);
        } else if !on && let Some(s) = slot(&mut json, field.path) {
            *s = Value::Null;
        }
    }
    for field in fields.iter().filter(|f| f.kind != Kind::Include) {
        let included = field
            .within
            .is_none_or(|part| get(&json, part).is_some_and(|v| !v.is_null()));
        if !included {
            continue;
        }
        // A part just added starts from its defaults (the step shows its fields next).
        if field.within.is_some_and(|part| added.contains(&part)) {
            continue;
        }
        let raw = form(field.path).unwrap_or_default();
        match parse(field, &raw) {
            Ok(value) => {
                // The role to assume is one object: no ARN, no role.
                if field.path == "assume_role.role_arn" && value.is_null() {
                    if let Some(s) = slot(&mut json, "assume_role") {
                        *s = Value::Null;
                    }
                    continue;
                }
                if field.path == "assume_role.external_id"
                    && get(&json, "assume_role").is_none_or(Value::is_null)
                {
                    continue;
                }
                match slot(&mut json, field.path) {
                    Some(s) => *s = value,
                    None => problems.push(problem(
                        field,
                        "console.spec",
                        "This field cannot be set here",
                    )),
                }
            }
            Err(p) => problems.push(p),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut spec: EnvironmentSpec = serde_json::from_value(json).map_err(|e| {
        vec![Problem::new(
            "spec",
            "console.spec",
            format!("The spec cannot be read: {e}"),
        )]
    })?;
    // A new name renames the resources named after the old one.
    if spec.name != old_name && !old_name.is_empty() {
        let name = spec.name.clone();
        spec.name = old_name;
        spec = rename(&spec, &name);
    }
    Ok(spec)
}

/// The spec with its name changed and the resources named after it renamed alike.
pub fn rename(spec: &EnvironmentSpec, new_name: &str) -> EnvironmentSpec {
    let external_id = spec
        .assume_role
        .as_ref()
        .and_then(|r| r.external_id.clone());
    let environment_task: Option<Vec<_>> = spec
        .task_definition
        .as_ref()
        .map(|t| t.containers.iter().map(|c| c.environment.clone()).collect());
    let environment_job = spec.job_definition.as_ref().map(|j| j.environment.clone());
    // The copy's renaming, keeping what a copy leaves out (secrets are the user's own here).
    let mut out = super::access::spec_for_copy(spec, new_name);
    if let Some(role) = &mut out.assume_role {
        role.external_id = external_id;
    }
    if let (Some(t), Some(envs)) = (&mut out.task_definition, environment_task) {
        for (c, env) in t.containers.iter_mut().zip(envs) {
            c.environment = env;
        }
    }
    if let (Some(j), Some(env)) = (&mut out.job_definition, environment_job) {
        j.environment = env;
    }
    out
}

/// The problems of `spec` that belong to `step`.
pub fn step_problems(spec: &EnvironmentSpec, step: Step) -> Vec<Problem> {
    validate(spec)
        .into_iter()
        .filter(|p| step.owns(&p.field))
        .collect()
}

/// The message of the problem of `field` (or inside it), if any.
pub fn message_for<'a>(problems: &'a [Problem], path: &str) -> Option<&'a str> {
    problems
        .iter()
        .find(|p| {
            p.field == path
                || p.field
                    .strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with('[') || rest.starts_with('.'))
        })
        .map(|p| p.message.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::spec::Network;
    use crate::domain::spec::presets::{Preset, PresetRoles};

    fn roles() -> PresetRoles {
        PresetRoles {
            instance_profile: "arn:aws:iam::123456789012:instance-profile/ecs".into(),
            execution_role: "arn:aws:iam::123456789012:role/exec".into(),
            job_role: "arn:aws:iam::123456789012:role/job".into(),
        }
    }

    fn network() -> Network {
        Network {
            vpc_id: "vpc-12345678".into(),
            subnets: vec!["subnet-12345678".into()],
            security_group_ids: vec!["sg-12345678".into()],
        }
    }

    fn gpu() -> EnvironmentSpec {
        Preset::GpuG5.spec("infer", "us-east-1", network(), &roles())
    }

    fn form_of(spec: &EnvironmentSpec, step: Step) -> Vec<(String, String)> {
        let json = serde_json::to_value(spec).unwrap();
        step.fields()
            .iter()
            .map(|f| (f.path.to_owned(), display(&json, f)))
            .collect()
    }

    fn apply(
        draft: &EnvironmentSpec,
        step: Step,
        form: &[(String, String)],
    ) -> Result<EnvironmentSpec, Vec<Problem>> {
        apply_step(draft, &gpu(), step, &|path| {
            form.iter().find(|(p, _)| p == path).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn every_field_path_is_in_the_spec_and_owned_by_its_step() {
        let json = serde_json::to_value(gpu()).unwrap();
        for step in Step::ALL {
            for field in step.fields() {
                assert!(step.owns(field.path), "{step:?} {}", field.path);
                let optional = field.path.starts_with("assume_role");
                assert!(
                    optional || get(&json, field.path).is_some(),
                    "{}",
                    field.path
                );
            }
        }
    }

    #[test]
    fn a_step_written_back_unchanged_leaves_the_spec_as_it_was() {
        let spec = gpu();
        for step in Step::ALL {
            assert_eq!(
                apply(&spec, step, &form_of(&spec, step)).unwrap(),
                spec,
                "{step:?}"
            );
        }
    }

    #[test]
    fn typed_values_are_checked_by_the_shared_rules_and_named_by_field() {
        let spec = gpu();
        let mut form = form_of(&spec, Step::Cluster);
        for (path, value) in &mut form {
            if path == "capacity.auto_scaling_group.max_size" {
                *value = "x".into();
            }
        }
        let problems = apply(&spec, Step::Cluster, &form).unwrap_err();
        assert_eq!(problems[0].field, "capacity.auto_scaling_group.max_size");
        assert_eq!(problems[0].rule, "console.whole-number");
        // A number that reads but breaks AWS's rule: the validator's problem, this step's.
        for (path, value) in &mut form {
            if path == "capacity.auto_scaling_group.max_size" {
                *value = "0".into();
            }
        }
        let edited = apply(&spec, Step::Cluster, &form).unwrap();
        let problems = step_problems(&edited, Step::Cluster);
        assert!(
            problems
                .iter()
                .any(|p| p.field.starts_with("capacity.auto_scaling_group")),
            "{problems:?}"
        );
        assert!(step_problems(&edited, Step::Basics).is_empty());
        assert!(
            message_for(&problems, "capacity.auto_scaling_group.max_size").is_some()
                || message_for(&problems, "capacity.auto_scaling_group.desired_capacity").is_some()
        );
    }

    #[test]
    fn renaming_renames_the_resources_named_after_it() {
        let spec = gpu();
        let mut form = form_of(&spec, Step::Basics);
        form[0].1 = "vision".into();
        let renamed = apply(&spec, Step::Basics, &form).unwrap();
        assert_eq!(renamed.name, "vision");
        assert_eq!(renamed.cluster.name, "vision");
        assert_eq!(
            renamed.compute_environment.name,
            spec.compute_environment.name.replacen("infer", "vision", 1)
        );
    }

    #[test]
    fn optional_parts_are_added_from_the_template_and_removed() {
        let mut blank = gpu();
        blank.capacity = None;
        blank.task_definition = None;
        let mut form = form_of(&blank, Step::Cluster);
        for (path, value) in &mut form {
            if path == "capacity" {
                *value = "on".into();
            }
        }
        let with = apply(&blank, Step::Cluster, &form).unwrap();
        assert_eq!(with.capacity, gpu().capacity);
        let form = form_of(&with, Step::Cluster)
            .into_iter()
            .filter(|(p, _)| p != "capacity")
            .collect::<Vec<_>>();
        let without = apply(&with, Step::Cluster, &form).unwrap();
        assert_eq!(without.capacity, None);
        // No role ARN: no role to assume at all.
        let mut form = form_of(&gpu(), Step::Basics);
        form[2].1 = "arn:aws:iam::123456789012:role/target".into();
        let with_role = apply(&gpu(), Step::Basics, &form).unwrap();
        assert_eq!(
            with_role.assume_role.unwrap().role_arn,
            "arn:aws:iam::123456789012:role/target"
        );
        let mut form = form_of(&gpu(), Step::Basics);
        form[3].1 = "ignored-without-a-role".into();
        assert_eq!(
            apply(&gpu(), Step::Basics, &form).unwrap().assume_role,
            None
        );
    }

    #[test]
    fn steps_go_forward_and_back_in_order() {
        assert_eq!(Step::Basics.next(), Some(Step::Network));
        assert_eq!(Step::Workload.next(), None);
        assert_eq!(Step::Basics.previous(), None);
        assert_eq!(Step::from_key("compute"), Some(Step::Compute));
        assert!(Step::Cluster.owns("capacity.provider.name"));
        assert!(!Step::Cluster.owns("capacityx"));
        assert!(Step::Workload.owns("task_definition.containers[0].image"));
    }
}
