//! The "run tasks" form: what the user typed, checked against the environment's spec
//! and ECS's rules, and turned into the RunTask request the engine sends in batches.

use serde::{Deserialize, Serialize};

use crate::domain::spec::{Compatibility, EnvironmentSpec, NetworkMode};
use crate::domain::validate::{Problem, holds_aws_credentials, is_ec2_id};

/// The most tasks one request of the console starts (ten RunTask calls).
pub const MAX_TASKS_PER_REQUEST: u32 = 100;
/// ecs:RunTask `startedBy`: at most 36 letters, digits, `-`, `/` and `_`.
pub const STARTED_BY_MAX: usize = 36;
/// ecs:RunTask `overrides`: at most 8192 characters of JSON.
pub const OVERRIDES_MAX: usize = 8192;
/// ecs:StopTask `reason`: at most 255 characters.
pub const STOP_REASON_MAX: usize = 255;

/// The run-tasks form as typed: text, so each bad value is reported by its field
/// (fields left out of a request are empty).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunTasksForm {
    /// How many tasks (1-100).
    pub count: String,
    /// Task definition revision (empty: the latest active one).
    pub revision: String,
    /// `default` (the cluster's strategy), `fargate` or `strategy`.
    pub placement: String,
    /// With `strategy`: `provider:weight[:base]`, comma-separated.
    pub strategy: String,
    /// Command override: a JSON array of strings, or words separated by spaces.
    pub command: String,
    /// Environment overrides: `KEY=value`, one per line.
    pub environment: String,
    /// Container CPU units override.
    pub cpu: String,
    /// Container memory (MiB) override.
    pub memory: String,
    /// Container GPUs override.
    pub gpus: String,
    /// awsvpc subnets (empty: the environment's), comma- or space-separated.
    pub subnets: String,
    /// awsvpc security groups (empty: the environment's).
    pub security_groups: String,
    /// awsvpc: give each task a public IP.
    pub public_ip: bool,
}

/// One item of an explicit capacity-provider strategy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderShare {
    /// Capacity provider name (`FARGATE`, `FARGATE_SPOT` or the cluster's own).
    pub provider: String,
    /// Relative share (0-1000).
    pub weight: u32,
    /// Tasks placed here first (0-100000; at most one item has a base).
    pub base: u32,
}

/// Where the tasks are placed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Placement {
    /// The cluster's default capacity-provider strategy (neither launch type nor
    /// strategy is sent).
    ClusterDefault,
    /// The FARGATE launch type.
    Fargate,
    /// An explicit capacity-provider strategy.
    Strategy(Vec<ProviderShare>),
}

/// awsvpc network configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsVpc {
    /// Subnet ids (1-16).
    pub subnets: Vec<String>,
    /// Security group ids (0-5).
    pub security_groups: Vec<String>,
    /// Whether tasks get a public IP.
    pub public_ip: bool,
}

/// Overrides of the task definition's first container.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerOverride {
    /// The container's name.
    pub container: String,
    /// Replaces the command.
    pub command: Option<Vec<String>>,
    /// Added to (or replacing) the container's variables.
    pub environment: Vec<(String, String)>,
    /// CPU units.
    pub cpu: Option<u32>,
    /// Memory, MiB.
    pub memory: Option<u32>,
    /// GPUs.
    pub gpus: Option<u32>,
}

impl ContainerOverride {
    /// Whether anything is overridden.
    pub fn is_empty(&self) -> bool {
        self.command.is_none()
            && self.environment.is_empty()
            && self.cpu.is_none()
            && self.memory.is_none()
            && self.gpus.is_none()
    }
}

/// A checked request to run tasks of the environment's task definition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunTasks {
    /// The cluster's name.
    pub cluster: String,
    /// `family` (latest active revision) or `family:revision`.
    pub task_definition: String,
    /// How many tasks in all.
    pub count: u32,
    /// Where they go.
    pub placement: Placement,
    /// Container overrides.
    pub overrides: ContainerOverride,
    /// awsvpc network configuration (only with the awsvpc network mode).
    pub network: Option<AwsVpc>,
    /// RunTask's `startedBy`, naming the console user.
    pub started_by: String,
    /// Tags put on each task.
    pub tags: Vec<(String, String)>,
}

/// The tag naming the console user who started a task.
pub const STARTED_BY_TAG: &str = "console:started-by";

/// `console/<username>` with characters startedBy refuses replaced by `_`, cut to 36.
pub fn started_by(username: &str) -> String {
    let mut out = String::from("console/");
    out.extend(username.chars().map(|c| {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/') {
            c
        } else {
            '_'
        }
    }));
    out.chars().take(STARTED_BY_MAX).collect()
}

fn list(text: &str) -> Vec<String> {
    text.split([',', ' ', '\n', '\t', '\r'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn number(
    problems: &mut Vec<Problem>,
    field: &str,
    text: &str,
    what: &str,
    range: std::ops::RangeInclusive<u32>,
) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.parse::<u32>() {
        Ok(n) if range.contains(&n) => Some(n),
        _ => {
            problems.push(Problem::new(
                field,
                "console.run-number",
                format!(
                    "{what} must be a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
            ));
            None
        }
    }
}

fn parse_command(problems: &mut Vec<Problem>, text: &str) -> Option<Vec<String>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if text.starts_with('[') {
        match serde_json::from_str::<Vec<String>>(text) {
            Ok(args) if !args.is_empty() => Some(args),
            _ => {
                problems.push(Problem::new(
                    "command",
                    "console.command",
                    "The command must be a JSON array of strings, e.g. [\"python3\", \"-m\", \"infer\"], or words separated by spaces",
                ));
                None
            }
        }
    } else {
        Some(text.split_whitespace().map(str::to_owned).collect())
    }
}

fn parse_environment(problems: &mut Vec<Problem>, text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match line.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => {
                let (key, value) = (key.trim().to_owned(), value.to_owned());
                if holds_aws_credentials(&key, &value) {
                    problems.push(Problem::new(
                        "environment",
                        "console.no-aws-credentials",
                        format!("'{key}' holds AWS credentials: the task definition's task role gives the task its permissions"),
                    ));
                }
                out.push((key, value));
            }
            _ => problems.push(Problem::new(
                "environment",
                "console.env-var-name",
                format!("Line {}: write each variable as KEY=value", n + 1),
            )),
        }
    }
    out
}

fn parse_strategy(problems: &mut Vec<Problem>, text: &str) -> Vec<ProviderShare> {
    let bad = |problems: &mut Vec<Problem>, message: String| {
        problems.push(Problem::new("strategy", "aws.ecs.run-strategy", message));
    };
    let before = problems.len();
    let mut items = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let parts: Vec<&str> = item.split(':').map(str::trim).collect();
        let parsed = match parts.as_slice() {
            [p, w] => w.parse::<u32>().ok().map(|w| (p, w, 0)),
            [p, w, b] => w
                .parse::<u32>()
                .ok()
                .zip(b.parse::<u32>().ok())
                .map(|(w, b)| (p, w, b)),
            _ => None,
        };
        match parsed {
            Some((p, weight, base)) if !p.is_empty() && weight <= 1000 && base <= 100_000 => items
                .push(ProviderShare {
                    provider: (*p).to_owned(),
                    weight,
                    base,
                }),
            _ => bad(
                problems,
                format!(
                    "'{item}': write provider:weight or provider:weight:base (weight 0-1000, base 0-100000)"
                ),
            ),
        }
    }
    let reported = problems.len();
    if items.is_empty() {
        if reported == before {
            bad(
                problems,
                "Name at least one capacity provider, e.g. FARGATE:1".into(),
            );
        }
    } else if items.len() > 20 {
        bad(
            problems,
            "A strategy has at most 20 capacity providers".into(),
        );
    } else if items.iter().filter(|i| i.base > 0).count() > 1 {
        bad(
            problems,
            "Only one capacity provider of a strategy can have a base".into(),
        );
    } else if items.iter().all(|i| i.weight == 0) {
        bad(
            problems,
            "At least one capacity provider needs a weight above 0".into(),
        );
    }
    let fargate = |i: &ProviderShare| i.provider == "FARGATE" || i.provider == "FARGATE_SPOT";
    if items.iter().any(fargate) && !items.iter().all(fargate) {
        bad(
            problems,
            "FARGATE providers cannot be mixed with Auto Scaling group providers".into(),
        );
    }
    items
}

/// Checks `form` against the environment's spec and ECS's rules; `username` names the
/// starter. Every problem is returned, each naming its field and rule.
pub fn parse_run_tasks(
    form: &RunTasksForm,
    spec: &EnvironmentSpec,
    username: &str,
) -> Result<RunTasks, Vec<Problem>> {
    let mut problems = Vec::new();
    let Some(task) = &spec.task_definition else {
        return Err(vec![Problem::new(
            "task_definition",
            "console.task-definition-required",
            "This environment has no task definition: add one to its spec to run tasks",
        )]);
    };
    let count = if form.count.trim().is_empty() {
        problems.push(Problem::new(
            "count",
            "console.run-count",
            "How many tasks? Give a number from 1 to 100",
        ));
        None
    } else {
        number(
            &mut problems,
            "count",
            &form.count,
            "The count",
            1..=MAX_TASKS_PER_REQUEST,
        )
    };
    let revision = number(
        &mut problems,
        "revision",
        &form.revision,
        "The revision",
        1..=u32::MAX,
    );
    let fargate_ok = task
        .requires_compatibilities
        .contains(&Compatibility::Fargate);
    let placement = match form.placement.trim() {
        "" | "default" => {
            if spec.capacity.is_none() {
                problems.push(Problem::new(
                    "placement",
                    "console.placement-default-strategy",
                    if fargate_ok {
                        "The cluster has no default capacity provider strategy: choose Fargate"
                    } else {
                        "The cluster has no default capacity provider strategy: name capacity providers"
                    },
                ));
            }
            Placement::ClusterDefault
        }
        "fargate" => Placement::Fargate,
        "strategy" => Placement::Strategy(parse_strategy(&mut problems, &form.strategy)),
        other => {
            problems.push(Problem::new(
                "placement",
                "console.placement",
                format!("'{other}' is not a placement: default, fargate or strategy"),
            ));
            Placement::ClusterDefault
        }
    };
    let on_fargate = match &placement {
        Placement::Fargate => true,
        Placement::Strategy(items) => items.iter().any(|i| i.provider.starts_with("FARGATE")),
        Placement::ClusterDefault => false,
    };
    if on_fargate && !fargate_ok {
        problems.push(Problem::new(
            "placement",
            "aws.ecs.fargate-compatibility",
            "The task definition does not list FARGATE in its compatibilities",
        ));
    }
    let container = task
        .containers
        .first()
        .map(|c| c.name.clone())
        .unwrap_or_default();
    let overrides = ContainerOverride {
        container,
        command: parse_command(&mut problems, &form.command),
        environment: parse_environment(&mut problems, &form.environment),
        cpu: number(&mut problems, "cpu", &form.cpu, "CPU units", 0..=196_608),
        memory: number(
            &mut problems,
            "memory",
            &form.memory,
            "Memory (MiB)",
            6..=u32::MAX,
        ),
        gpus: number(&mut problems, "gpus", &form.gpus, "GPUs", 0..=64),
    };
    // A container may not ask for more than its task has.
    for (field, asked, limit, what) in [
        ("cpu", overrides.cpu, task.cpu, "CPU units"),
        ("memory", overrides.memory, task.memory, "MiB of memory"),
    ] {
        if let (Some(asked), Some(limit)) = (asked, limit)
            && asked > limit
        {
            problems.push(Problem::new(
                field,
                "aws.ecs.container-within-task",
                format!("The container cannot have more than the task's {limit} {what}"),
            ));
        }
    }
    if on_fargate && overrides.gpus.is_some_and(|g| g > 0) {
        problems.push(Problem::new(
            "gpus",
            "aws.ecs.fargate-gpu",
            "Fargate has no GPUs: place GPU tasks on the cluster's EC2 capacity",
        ));
    }
    if let Ok(json) = serde_json::to_string(&overrides)
        && json.len() > OVERRIDES_MAX
    {
        problems.push(Problem::new(
            "command",
            "aws.ecs.overrides-size",
            format!(
                "The overrides come to {} characters; ECS takes at most {OVERRIDES_MAX}",
                json.len()
            ),
        ));
    }
    let network = if task.network_mode == NetworkMode::Awsvpc {
        let mut subnets = list(&form.subnets);
        if subnets.is_empty() {
            subnets = spec.network.subnets.clone();
        }
        let mut groups = list(&form.security_groups);
        if groups.is_empty() {
            groups = spec.network.security_group_ids.clone();
        }
        if subnets.is_empty() || subnets.len() > 16 {
            problems.push(Problem::new(
                "subnets",
                "aws.ecs.awsvpc-subnets",
                "awsvpc tasks need 1 to 16 subnets",
            ));
        }
        if let Some(bad) = subnets.iter().find(|s| !is_ec2_id(s, "subnet")) {
            problems.push(Problem::new(
                "subnets",
                "aws.ec2.subnet-id",
                format!("'{bad}' is not a subnet id (subnet-0123abcd)"),
            ));
        }
        if groups.len() > 5 {
            problems.push(Problem::new(
                "security_groups",
                "aws.ecs.awsvpc-security-groups",
                "awsvpc tasks take at most 5 security groups",
            ));
        }
        if let Some(bad) = groups.iter().find(|s| !is_ec2_id(s, "sg")) {
            problems.push(Problem::new(
                "security_groups",
                "aws.ec2.security-group-id",
                format!("'{bad}' is not a security group id (sg-0123abcd)"),
            ));
        }
        Some(AwsVpc {
            subnets,
            security_groups: groups,
            public_ip: form.public_ip,
        })
    } else {
        if !form.subnets.trim().is_empty() || !form.security_groups.trim().is_empty() {
            problems.push(Problem::new(
                "subnets",
                "console.network-needs-awsvpc",
                "Subnets and security groups apply only to awsvpc tasks; this task definition's network mode is not awsvpc",
            ));
        }
        None
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(RunTasks {
        cluster: spec.cluster.name.clone(),
        task_definition: match revision {
            Some(r) => format!("{}:{r}", task.family),
            None => task.family.clone(),
        },
        count: count.unwrap_or(1),
        placement,
        overrides,
        network,
        started_by: started_by(username),
        tags: vec![(STARTED_BY_TAG.to_owned(), username.to_owned())],
    })
}

/// Checks a StopTask reason: at most 255 characters (empty: the console's default).
pub fn stop_reason(text: &str, username: &str) -> Result<String, Problem> {
    let text = text.trim();
    let reason = if text.is_empty() {
        format!("Stopped by {username} in the console")
    } else {
        text.to_owned()
    };
    if reason.chars().count() > STOP_REASON_MAX {
        return Err(Problem::new(
            "reason",
            "aws.ecs.stop-reason",
            format!("The reason is at most {STOP_REASON_MAX} characters"),
        ));
    }
    Ok(reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{network, roles};
    use crate::domain::spec::presets::Preset;

    fn spec(preset: Preset) -> EnvironmentSpec {
        preset.spec("infer", "us-east-1", network(), &roles())
    }

    fn form(count: &str, placement: &str) -> RunTasksForm {
        RunTasksForm {
            count: count.into(),
            placement: placement.into(),
            ..RunTasksForm::default()
        }
    }

    fn rules(result: Result<RunTasks, Vec<Problem>>) -> Vec<(String, String)> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|p| (p.field, p.rule))
            .collect()
    }

    #[test]
    fn fargate_request_uses_the_environment_network_and_names_the_user() {
        let run = parse_run_tasks(
            &RunTasksForm {
                command: r#"["python3", "-m", "infer", "--batch", "a b"]"#.into(),
                environment: "MODEL=small\n\nTHREADS = 4\n".into(),
                memory: "1024".into(),
                ..form("25", "fargate")
            },
            &spec(Preset::CpuFargate),
            "ana@example.com",
        )
        .unwrap();
        assert_eq!(run.cluster, "infer");
        assert_eq!(run.task_definition, "infer-task");
        assert_eq!(run.count, 25);
        assert_eq!(run.placement, Placement::Fargate);
        assert_eq!(run.started_by, "console/ana_example_com");
        assert_eq!(
            run.tags,
            vec![(STARTED_BY_TAG.to_owned(), "ana@example.com".to_owned())]
        );
        let o = &run.overrides;
        assert_eq!(o.container, "inference");
        assert_eq!(
            o.command.as_deref().unwrap(),
            ["python3", "-m", "infer", "--batch", "a b"]
        );
        assert_eq!(
            o.environment,
            vec![
                ("MODEL".into(), "small".into()),
                ("THREADS".into(), " 4".into())
            ]
        );
        assert_eq!((o.cpu, o.memory, o.gpus), (None, Some(1024), None));
        let net = run.network.unwrap();
        assert_eq!(net.subnets, network().subnets);
        assert_eq!(net.security_groups, network().security_group_ids);
        assert!(!net.public_ip);
    }

    #[test]
    fn revision_words_and_explicit_network() {
        let run = parse_run_tasks(
            &RunTasksForm {
                revision: "3".into(),
                command: "python3 -m infer".into(),
                subnets: "subnet-aaaaaaaa, subnet-bbbbbbbb".into(),
                security_groups: "sg-cccccccc".into(),
                public_ip: true,
                ..form("1", "default")
            },
            &spec(Preset::GpuG5),
            "bob",
        )
        .unwrap();
        assert_eq!(run.task_definition, "infer-task:3");
        assert_eq!(run.placement, Placement::ClusterDefault);
        assert_eq!(run.overrides.command.unwrap(), ["python3", "-m", "infer"]);
        let net = run.network.unwrap();
        assert_eq!(net.subnets, ["subnet-aaaaaaaa", "subnet-bbbbbbbb"]);
        assert_eq!(net.security_groups, ["sg-cccccccc"]);
        assert!(net.public_ip);
    }

    #[test]
    fn each_bad_value_names_its_field_and_rule() {
        let fargate = spec(Preset::CpuFargate);
        let gpu = spec(Preset::GpuG5);
        type Case<'a> = (RunTasksForm, &'a EnvironmentSpec, &'a [(&'a str, &'a str)]);
        let cases: Vec<Case> = vec![
            (
                form("", "fargate"),
                &fargate,
                &[("count", "console.run-count")],
            ),
            (
                form("0", "fargate"),
                &fargate,
                &[("count", "console.run-number")],
            ),
            (
                form("101", "fargate"),
                &fargate,
                &[("count", "console.run-number")],
            ),
            (
                form("two", "fargate"),
                &fargate,
                &[("count", "console.run-number")],
            ),
            (
                form("1", "default"),
                &fargate,
                &[("placement", "console.placement-default-strategy")],
            ),
            (
                form("1", "somewhere"),
                &fargate,
                &[("placement", "console.placement")],
            ),
            (
                form("1", "fargate"),
                &gpu,
                &[("placement", "aws.ecs.fargate-compatibility")],
            ),
            (
                RunTasksForm {
                    strategy: "".into(),
                    ..form("1", "strategy")
                },
                &gpu,
                &[("strategy", "aws.ecs.run-strategy")],
            ),
            (
                RunTasksForm {
                    strategy: "infer-cp:1:5, other:1:2".into(),
                    ..form("1", "strategy")
                },
                &gpu,
                &[("strategy", "aws.ecs.run-strategy")],
            ),
            (
                RunTasksForm {
                    strategy: "infer-cp:0".into(),
                    ..form("1", "strategy")
                },
                &gpu,
                &[("strategy", "aws.ecs.run-strategy")],
            ),
            (
                RunTasksForm {
                    strategy: "infer-cp:2000".into(),
                    ..form("1", "strategy")
                },
                &gpu,
                &[("strategy", "aws.ecs.run-strategy")],
            ),
            (
                RunTasksForm {
                    strategy: "FARGATE:1,infer-cp:1".into(),
                    ..form("1", "strategy")
                },
                &gpu,
                &[
                    ("strategy", "aws.ecs.run-strategy"),
                    ("placement", "aws.ecs.fargate-compatibility"),
                ],
            ),
            (
                RunTasksForm {
                    revision: "0".into(),
                    ..form("1", "fargate")
                },
                &fargate,
                &[("revision", "console.run-number")],
            ),
            (
                RunTasksForm {
                    command: "[\"a\", 1]".into(),
                    ..form("1", "fargate")
                },
                &fargate,
                &[("command", "console.command")],
            ),
            (
                RunTasksForm {
                    environment: "JUSTAKEY".into(),
                    ..form("1", "fargate")
                },
                &fargate,
                &[("environment", "console.env-var-name")],
            ),
            (
                RunTasksForm {
                    environment: "AWS_SECRET_ACCESS_KEY=abc".into(),
                    ..form("1", "fargate")
                },
                &fargate,
                &[("environment", "console.no-aws-credentials")],
            ),
            (
                RunTasksForm {
                    memory: "4096".into(),
                    ..form("1", "fargate")
                },
                &fargate,
                &[("memory", "aws.ecs.container-within-task")],
            ),
            (
                RunTasksForm {
                    gpus: "1".into(),
                    ..form("1", "fargate")
                },
                &fargate,
                &[("gpus", "aws.ecs.fargate-gpu")],
            ),
            (
                RunTasksForm {
                    command: "x".repeat(9000),
                    ..form("1", "fargate")
                },
                &fargate,
                &[("command", "aws.ecs.overrides-size")],
            ),
            (
                RunTasksForm {
                    subnets: "subnet-xyz".into(),
                    ..form("1", "fargate")
                },
                &fargate,
                &[("subnets", "aws.ec2.subnet-id")],
            ),
            (
                RunTasksForm {
                    security_groups:
                        "sg-11111111 sg-22222222 sg-33333333 sg-44444444 sg-55555555 sg-66666666"
                            .into(),
                    ..form("1", "fargate")
                },
                &fargate,
                &[("security_groups", "aws.ecs.awsvpc-security-groups")],
            ),
        ];
        for (form, spec, expected) in cases {
            let got = rules(parse_run_tasks(&form, spec, "ana"));
            let expected: Vec<(String, String)> = expected
                .iter()
                .map(|(f, r)| ((*f).to_owned(), (*r).to_owned()))
                .collect();
            assert_eq!(got, expected, "{form:?}");
        }
    }

    #[test]
    fn no_task_definition_and_non_awsvpc_networks() {
        let mut batch_only = spec(Preset::SpotBatch);
        batch_only.task_definition = None;
        assert_eq!(
            rules(parse_run_tasks(&form("1", "fargate"), &batch_only, "ana")),
            [(
                "task_definition".to_owned(),
                "console.task-definition-required".to_owned()
            )]
        );
        let mut bridge = spec(Preset::GpuG5);
        if let Some(t) = bridge.task_definition.as_mut() {
            t.network_mode = NetworkMode::Bridge;
        }
        assert_eq!(
            parse_run_tasks(&form("2", "default"), &bridge, "ana")
                .unwrap()
                .network,
            None
        );
        assert_eq!(
            rules(parse_run_tasks(
                &RunTasksForm {
                    subnets: "subnet-aaaaaaaa".into(),
                    ..form("2", "default")
                },
                &bridge,
                "ana"
            )),
            [(
                "subnets".to_owned(),
                "console.network-needs-awsvpc".to_owned()
            )]
        );
    }

    #[test]
    fn started_by_fits_ecs_rules_and_stop_reasons_are_bounded() {
        let s = started_by(&"é".repeat(60));
        assert_eq!(s.chars().count(), STARTED_BY_MAX);
        assert!(
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-/_".contains(c))
        );
        assert_eq!(
            stop_reason("  ", "ana").unwrap(),
            "Stopped by ana in the console"
        );
        assert_eq!(stop_reason("drain", "ana").unwrap(), "drain");
        assert_eq!(
            stop_reason(&"x".repeat(256), "ana").unwrap_err().rule,
            "aws.ecs.stop-reason"
        );
    }
}
