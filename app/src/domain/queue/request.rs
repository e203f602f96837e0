//! The "submit a job" form: what the user typed, checked against the environment's spec
//! and Batch's rules, and turned into the batch:SubmitJob request.

use serde::{Deserialize, Serialize};

use crate::domain::EnvironmentSpec;
use crate::domain::spec::Platform;
use crate::domain::validate::{Problem, fargate_memory_allowed, holds_aws_credentials};

/// batch:SubmitJob `jobName`: at most 128 characters.
pub const JOB_NAME_MAX: usize = 128;
/// The smallest array job (AWS: 2).
pub const ARRAY_SIZE_MIN: u32 = 2;
/// The largest array job (AWS: 10,000).
pub const ARRAY_SIZE_MAX: u32 = 10_000;
/// The longest cancel or terminate reason the console sends.
pub const REASON_MAX: usize = 1024;
/// The tag naming the console user who submitted a job.
pub const SUBMITTED_BY_TAG: &str = "console:submitted-by";
/// Fargate's vCPU values for Batch jobs.
const FARGATE_VCPUS: [&str; 7] = ["0.25", "0.5", "1", "2", "4", "8", "16"];

/// The submit-job form as typed: text, so each bad value is reported by its field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmitJobForm {
    /// Job name.
    pub name: String,
    /// Array size (empty: a single job; else 2-10000 child jobs).
    pub array_size: String,
    /// Parameters: `KEY=value`, one per line (they fill `Ref::KEY` in the command).
    pub parameters: String,
    /// Command override: a JSON array of strings, or words separated by spaces.
    pub command: String,
    /// vCPUs override (Fargate: 0.25, 0.5, 1, 2, 4, 8 or 16; EC2: a whole number).
    pub vcpus: String,
    /// Memory (MiB) override.
    pub memory: String,
}

/// A checked batch:SubmitJob request for the environment's queue and job definition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitJob {
    /// The job queue's name.
    pub queue: String,
    /// The job definition's name (its latest active revision).
    pub job_definition: String,
    /// Job name.
    pub name: String,
    /// Array size, for an array job.
    pub array_size: Option<u32>,
    /// Parameters, in the order typed.
    pub parameters: Vec<(String, String)>,
    /// Command override.
    pub command: Option<Vec<String>>,
    /// vCPUs override, as Batch takes it (`"0.25"`, `"2"`).
    pub vcpus: Option<String>,
    /// Memory override, MiB.
    pub memory: Option<u32>,
    /// Tags put on the job.
    pub tags: Vec<(String, String)>,
}

/// Whether `name` is a Batch job name: 1-128 letters, digits, `-` and `_`, starting with
/// a letter or digit.
fn job_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("Name the job".into());
    }
    if name.chars().count() > JOB_NAME_MAX {
        return Some(format!("A job name is at most {JOB_NAME_MAX} characters"));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Some("A job name starts with a letter or a digit".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_')))
    {
        return Some(format!(
            "'{c}' is not allowed: a job name has letters, digits, '-' and '_'"
        ));
    }
    None
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

fn parse_parameters(problems: &mut Vec<Problem>, text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            problems.push(Problem::new(
                "parameters",
                "console.parameter-format",
                format!("Line {}: write each parameter as KEY=value", n + 1),
            ));
            continue;
        };
        let key = key.trim();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
        {
            problems.push(Problem::new(
                "parameters",
                "console.parameter-name",
                format!(
                    "Line {}: a parameter name has letters, digits, '-' and '_' (it is used as Ref::NAME)",
                    n + 1
                ),
            ));
            continue;
        }
        if out.iter().any(|(k, _)| k == key) {
            problems.push(Problem::new(
                "parameters",
                "console.parameter-duplicate",
                format!("Line {}: '{key}' is given twice", n + 1),
            ));
            continue;
        }
        if holds_aws_credentials(key, value) {
            problems.push(Problem::new(
                "parameters",
                "console.no-aws-credentials",
                format!(
                    "'{key}' holds AWS credentials: the job role gives the job its permissions"
                ),
            ));
        }
        out.push((key.to_owned(), value.to_owned()));
    }
    out
}

/// Checks `form` against the environment's spec and Batch's rules; `username` names the
/// submitter (tagged on the job). Every problem is returned, each naming its field and
/// rule.
pub fn parse_submit_job(
    form: &SubmitJobForm,
    spec: &EnvironmentSpec,
    username: &str,
) -> Result<SubmitJob, Vec<Problem>> {
    let Some(queue) = &spec.job_queue else {
        return Err(vec![Problem::new(
            "job_queue",
            "console.job-queue-required",
            "This environment has no job queue: add one to its spec to submit jobs",
        )]);
    };
    let Some(definition) = &spec.job_definition else {
        return Err(vec![Problem::new(
            "job_definition",
            "console.job-definition-required",
            "This environment has no job definition: add one to its spec to submit jobs",
        )]);
    };
    let mut problems = Vec::new();
    let name = form.name.trim();
    if let Some(message) = job_name_problem(name) {
        problems.push(Problem::new("name", "aws.batch.job-name", message));
    }
    let array_size = match form.array_size.trim() {
        "" => None,
        text => match text.parse::<u32>() {
            Ok(n) if (ARRAY_SIZE_MIN..=ARRAY_SIZE_MAX).contains(&n) => Some(n),
            _ => {
                problems.push(Problem::new(
                    "array_size",
                    "aws.batch.array-size",
                    format!(
                        "An array job has {ARRAY_SIZE_MIN} to {ARRAY_SIZE_MAX} child jobs (empty: a single job)"
                    ),
                ));
                None
            }
        },
    };
    let parameters = parse_parameters(&mut problems, &form.parameters);
    let command = parse_command(&mut problems, &form.command);
    let fargate = definition.platform == Platform::Fargate;
    let vcpus = match form.vcpus.trim() {
        "" => None,
        text if fargate => {
            let normal = text.parse::<f64>().ok().and_then(|v| {
                FARGATE_VCPUS
                    .iter()
                    .find(|f| f.parse::<f64>().ok() == Some(v))
                    .copied()
            });
            if normal.is_none() {
                problems.push(Problem::new(
                    "vcpus",
                    "aws.batch.fargate-vcpus",
                    "On Fargate a job has 0.25, 0.5, 1, 2, 4, 8 or 16 vCPUs",
                ));
            }
            normal.map(str::to_owned)
        }
        text => match text.parse::<u32>() {
            Ok(n) if n >= 1 => Some(n.to_string()),
            _ => {
                problems.push(Problem::new(
                    "vcpus",
                    "aws.batch.ec2-vcpus",
                    "On EC2 a job has a whole number of vCPUs, at least 1",
                ));
                None
            }
        },
    };
    let memory = match form.memory.trim() {
        "" => None,
        text => match text.parse::<u32>() {
            Ok(n) if n >= 4 => Some(n),
            _ => {
                problems.push(Problem::new(
                    "memory",
                    "aws.batch.memory",
                    "Memory is a whole number of MiB, at least 4",
                ));
                None
            }
        },
    };
    let vcpus_bad = !form.vcpus.trim().is_empty() && vcpus.is_none();
    let memory_bad = !form.memory.trim().is_empty() && memory.is_none();
    if fargate && (vcpus.is_some() || memory.is_some()) && !vcpus_bad && !memory_bad {
        let cpu = vcpus
            .as_deref()
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(definition.vcpus);
        // Whole CPU units: 0.25 vCPU is 256.
        let units = (cpu * 1024.0).round() as u32;
        let mib = memory.unwrap_or(definition.memory);
        if !fargate_memory_allowed(units, mib) {
            problems.push(Problem::new(
                "memory",
                "aws.batch.fargate-memory",
                format!("Fargate does not offer {mib} MiB with {cpu} vCPU"),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(SubmitJob {
        queue: queue.name.clone(),
        job_definition: definition.name.clone(),
        name: name.to_owned(),
        array_size,
        parameters,
        command,
        vcpus,
        memory,
        tags: vec![(SUBMITTED_BY_TAG.to_owned(), username.to_owned())],
    })
}

/// The reason sent with batch:CancelJob or batch:TerminateJob (Batch requires one): the
/// text typed, or "Cancelled by <user> in the console".
pub fn cancel_reason(text: &str, username: &str) -> Result<String, Problem> {
    let text = text.trim();
    let reason = if text.is_empty() {
        format!("Cancelled by {username} in the console")
    } else {
        text.to_owned()
    };
    if reason.chars().count() > REASON_MAX {
        return Err(Problem::new(
            "reason",
            "console.cancel-reason",
            format!("The reason is at most {REASON_MAX} characters"),
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

    fn form(name: &str) -> SubmitJobForm {
        SubmitJobForm {
            name: name.into(),
            ..SubmitJobForm::default()
        }
    }

    /// The (field, rule) of each problem.
    fn problems(form: &SubmitJobForm, spec: &EnvironmentSpec) -> Vec<(String, String)> {
        parse_submit_job(form, spec, "ana")
            .expect_err("refused")
            .into_iter()
            .map(|p| (p.field, p.rule))
            .collect()
    }

    fn one(field: &str, rule: &str) -> Vec<(String, String)> {
        vec![(field.into(), rule.into())]
    }

    #[test]
    fn a_good_form_becomes_the_request_for_the_environments_queue_and_definition() {
        let spec = spec(Preset::CpuFargate);
        let f = SubmitJobForm {
            name: " shard-1_of_50 ".into(),
            array_size: "10000".into(),
            parameters: "model=small\n\n  input = s3://bucket/in \n".into(),
            command: r#"["python3", "-m", "infer", "Ref::model"]"#.into(),
            vcpus: "1".into(),
            memory: "2048".into(),
        };
        let job = parse_submit_job(&f, &spec, "ana").unwrap();
        assert_eq!(job.queue, spec.job_queue.as_ref().unwrap().name);
        assert_eq!(
            job.job_definition,
            spec.job_definition.as_ref().unwrap().name
        );
        assert_eq!(job.name, "shard-1_of_50");
        assert_eq!(job.array_size, Some(10_000));
        assert_eq!(
            job.parameters,
            [
                ("model".to_owned(), "small".to_owned()),
                ("input".to_owned(), " s3://bucket/in".to_owned())
            ]
        );
        assert_eq!(
            job.command.as_deref().unwrap(),
            ["python3", "-m", "infer", "Ref::model"]
        );
        assert_eq!((job.vcpus.as_deref(), job.memory), (Some("1"), Some(2048)));
        assert_eq!(job.tags, [(SUBMITTED_BY_TAG.to_owned(), "ana".to_owned())]);
        // Words, no overrides, a single job.
        let job = parse_submit_job(
            &SubmitJobForm {
                command: "echo hello".into(),
                ..form("a")
            },
            &spec,
            "ana",
        )
        .unwrap();
        assert_eq!(job.command.unwrap(), ["echo", "hello"]);
        assert_eq!((job.array_size, job.vcpus, job.memory), (None, None, None));
        // Fargate's vCPU values are normalised ("0.50" -> "0.5").
        let job = parse_submit_job(
            &SubmitJobForm {
                vcpus: "0.50".into(),
                memory: "1024".into(),
                ..form("a")
            },
            &spec,
            "ana",
        )
        .unwrap();
        assert_eq!(job.vcpus.as_deref(), Some("0.5"));
    }

    #[test]
    fn each_bad_value_names_its_field_and_rule() {
        let fargate = spec(Preset::CpuFargate);
        let ec2 = spec(Preset::GpuG5);
        let long = "a".repeat(129);
        for (name, expected) in [
            ("", "aws.batch.job-name"),
            ("-starts-with-dash", "aws.batch.job-name"),
            ("has space", "aws.batch.job-name"),
            ("dot.ted", "aws.batch.job-name"),
            (long.as_str(), "aws.batch.job-name"),
        ] {
            assert_eq!(
                problems(&form(name), &fargate),
                one("name", expected),
                "{name}"
            );
        }
        assert!(parse_submit_job(&form(&"a".repeat(128)), &fargate, "ana").is_ok());
        for size in ["1", "0", "10001", "-2", "two", "2.5"] {
            let f = SubmitJobForm {
                array_size: size.into(),
                ..form("a")
            };
            assert_eq!(
                problems(&f, &fargate),
                one("array_size", "aws.batch.array-size"),
                "{size}"
            );
        }
        for size in ["2", "10000"] {
            let f = SubmitJobForm {
                array_size: size.into(),
                ..form("a")
            };
            assert!(parse_submit_job(&f, &fargate, "ana").is_ok(), "{size}");
        }
        for (text, rule) in [
            ("no equals sign", "console.parameter-format"),
            ("=value", "console.parameter-name"),
            ("bad key=value", "console.parameter-name"),
            ("a=1\na=2", "console.parameter-duplicate"),
            (
                "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "console.no-aws-credentials",
            ),
        ] {
            let f = SubmitJobForm {
                parameters: text.into(),
                ..form("a")
            };
            assert_eq!(problems(&f, &fargate), one("parameters", rule), "{text}");
        }
        let f = SubmitJobForm {
            command: "[\"unterminated".into(),
            ..form("a")
        };
        assert_eq!(problems(&f, &fargate), one("command", "console.command"));
        for (vcpus, memory, spec, field, rule) in [
            ("3", "", &fargate, "vcpus", "aws.batch.fargate-vcpus"),
            ("0.1", "", &fargate, "vcpus", "aws.batch.fargate-vcpus"),
            ("0.5", "", &ec2, "vcpus", "aws.batch.ec2-vcpus"),
            ("0", "", &ec2, "vcpus", "aws.batch.ec2-vcpus"),
            ("", "3", &ec2, "memory", "aws.batch.memory"),
            ("", "lots", &fargate, "memory", "aws.batch.memory"),
            // 0.25 vCPU offers 512, 1024 or 2048 MiB.
            (
                "0.25",
                "4096",
                &fargate,
                "memory",
                "aws.batch.fargate-memory",
            ),
        ] {
            let f = SubmitJobForm {
                vcpus: vcpus.into(),
                memory: memory.into(),
                ..form("a")
            };
            assert_eq!(problems(&f, spec), one(field, rule), "{vcpus} {memory}");
        }
        // EC2 takes any whole vCPUs and memory the instance may have.
        let f = SubmitJobForm {
            vcpus: "3".into(),
            memory: "3000".into(),
            ..form("a")
        };
        assert!(parse_submit_job(&f, &ec2, "ana").is_ok());
        // Every problem at once.
        let f = SubmitJobForm {
            name: "".into(),
            array_size: "1".into(),
            parameters: "x".into(),
            command: "[".into(),
            vcpus: "3".into(),
            memory: "1".into(),
        };
        let fields: Vec<String> = problems(&f, &fargate).into_iter().map(|p| p.0).collect();
        assert_eq!(
            fields,
            [
                "name",
                "array_size",
                "parameters",
                "command",
                "vcpus",
                "memory"
            ]
        );
        // No queue or no definition: nothing to submit to.
        let mut none = fargate.clone();
        none.job_definition = None;
        assert_eq!(
            problems(&form("a"), &none),
            one("job_definition", "console.job-definition-required")
        );
        none.job_queue = None;
        assert_eq!(
            problems(&form("a"), &none),
            one("job_queue", "console.job-queue-required")
        );
    }

    #[test]
    fn cancel_reasons_default_to_the_user_and_are_bounded() {
        assert_eq!(
            cancel_reason("  ", "ana").unwrap(),
            "Cancelled by ana in the console"
        );
        assert_eq!(
            cancel_reason(" wrong input ", "ana").unwrap(),
            "wrong input"
        );
        let p = cancel_reason(&"x".repeat(REASON_MAX + 1), "ana").unwrap_err();
        assert_eq!(
            (p.field.as_str(), p.rule.as_str()),
            ("reason", "console.cancel-reason")
        );
    }
}
