//! Validation: every problem of a spec at once, each with its field path and rule.

use serde::{Deserialize, Serialize};

use super::names::{self, check_aws_name, check_environment_name, check_role_arn};
use super::regions;
use super::spec::{EnvironmentSpec, NewEnvironment};

/// One broken rule, located by its field path (e.g. `compute_environment.max_vcpus`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Dotted path of the field, as named in forms and the spec.
    pub field: String,
    /// A stable identifier of the rule (for tests, docs and the API).
    pub rule: String,
    /// What is wrong, for a person.
    pub message: String,
}

impl Problem {
    fn new(field: &str, rule: &str, message: impl Into<String>) -> Self {
        Problem {
            field: field.to_owned(),
            rule: rule.to_owned(),
            message: message.into(),
        }
    }
}

/// The largest max-vCPU value the console accepts for one compute environment; AWS's own
/// limit is the account's vCPU quota, which a spec cannot know.
pub const MAX_VCPUS_LIMIT: u32 = 10_000;

/// Checks the "new environment" form; returns every problem, keyed by form field name.
pub fn validate_new_environment(form: &NewEnvironment) -> Vec<Problem> {
    let mut out = Vec::new();
    if let Err(e) = check_environment_name(form.name.trim()) {
        out.push(Problem::new(
            "name",
            "console.environment-name",
            names::describe("The name", &e),
        ));
    }
    check_region(&form.region, "region", &mut out);
    if let Err(p) = parse_max_vcpus(&form.max_vcpus) {
        out.push(p);
    }
    let role = form.service_role.trim();
    if !role.is_empty()
        && let Err(msg) = check_role_arn(role)
    {
        out.push(Problem::new(
            "service_role",
            "aws.iam.role-arn",
            format!("The service role {msg}"),
        ));
    }
    out
}

/// Parses the max-vCPU field: a whole number from 1 to [`MAX_VCPUS_LIMIT`].
pub fn parse_max_vcpus(text: &str) -> Result<u32, Problem> {
    let rule = "batch.max-vcpus";
    let text = text.trim();
    if text.is_empty() {
        return Err(Problem::new("max_vcpus", rule, "Max vCPUs is required"));
    }
    match text.parse::<u32>() {
        Ok(0) => Err(Problem::new(
            "max_vcpus",
            rule,
            "Max vCPUs must be at least 1",
        )),
        Ok(n) if n > MAX_VCPUS_LIMIT => Err(Problem::new(
            "max_vcpus",
            rule,
            format!("Max vCPUs must be at most {MAX_VCPUS_LIMIT}"),
        )),
        Ok(n) => Ok(n),
        Err(_) => Err(Problem::new(
            "max_vcpus",
            rule,
            "Max vCPUs must be a whole number",
        )),
    }
}

fn check_region(region: &str, field: &str, out: &mut Vec<Problem>) {
    if region.is_empty() {
        out.push(Problem::new(field, "aws.region", "The region is required"));
    } else if !regions::is_known(region) {
        out.push(Problem::new(
            field,
            "aws.region",
            format!("'{region}' is not an AWS region this console supports"),
        ));
    }
}

/// Checks a whole spec against AWS's rules; an empty result means the spec can be planned.
pub fn validate(spec: &EnvironmentSpec) -> Vec<Problem> {
    let mut out = Vec::new();
    if let Err(e) = check_environment_name(&spec.name) {
        out.push(Problem::new(
            "name",
            "console.environment-name",
            names::describe("The name", &e),
        ));
    }
    check_region(&spec.region, "region", &mut out);

    // ECS CreateCluster: up to 255 letters, numbers, hyphens and underscores.
    if let Err(e) = check_aws_name(&spec.cluster.name, 255) {
        out.push(Problem::new(
            "cluster.name",
            "aws.ecs.cluster-name",
            names::describe("The cluster name", &e),
        ));
    }

    // Batch CreateComputeEnvironment: name up to 128 letters, numbers, '-' and '_'.
    let ce = &spec.compute_environment;
    if let Err(e) = check_aws_name(&ce.name, 128) {
        out.push(Problem::new(
            "compute_environment.name",
            "aws.batch.compute-environment-name",
            names::describe("The compute environment name", &e),
        ));
    }
    if ce.max_vcpus == 0 || ce.max_vcpus > MAX_VCPUS_LIMIT {
        out.push(Problem::new(
            "compute_environment.max_vcpus",
            "batch.max-vcpus",
            format!("Max vCPUs must be from 1 to {MAX_VCPUS_LIMIT}"),
        ));
    }
    if ce.subnets.is_empty() {
        out.push(Problem::new(
            "compute_environment.subnets",
            "aws.batch.subnets-required",
            "A compute environment needs at least one subnet",
        ));
    }
    if ce.subnets.len() > 16 {
        out.push(Problem::new(
            "compute_environment.subnets",
            "aws.batch.subnets-max",
            "A compute environment can use at most 16 subnets",
        ));
    }
    for (i, s) in ce.subnets.iter().enumerate() {
        if !is_ec2_id(s, "subnet") {
            out.push(Problem::new(
                &format!("compute_environment.subnets[{i}]"),
                "aws.ec2.subnet-id",
                format!("'{s}' is not a subnet id (subnet-<hex>)"),
            ));
        }
    }
    // Fargate compute resources must name at least one security group.
    if ce.security_group_ids.is_empty() {
        out.push(Problem::new(
            "compute_environment.security_group_ids",
            "aws.batch.fargate-security-group-required",
            "Fargate compute environments need at least one security group",
        ));
    }
    for (i, s) in ce.security_group_ids.iter().enumerate() {
        if !is_ec2_id(s, "sg") {
            out.push(Problem::new(
                &format!("compute_environment.security_group_ids[{i}]"),
                "aws.ec2.security-group-id",
                format!("'{s}' is not a security group id (sg-<hex>)"),
            ));
        }
    }
    if let Some(role) = &ce.service_role
        && let Err(msg) = check_role_arn(role)
    {
        out.push(Problem::new(
            "compute_environment.service_role",
            "aws.iam.role-arn",
            format!("The service role {msg}"),
        ));
    }

    // Batch CreateJobQueue: name up to 128; priority 0..=1000.
    let q = &spec.job_queue;
    if let Err(e) = check_aws_name(&q.name, 128) {
        out.push(Problem::new(
            "job_queue.name",
            "aws.batch.job-queue-name",
            names::describe("The job queue name", &e),
        ));
    }
    if q.priority > 1000 {
        out.push(Problem::new(
            "job_queue.priority",
            "aws.batch.job-queue-priority",
            "Job queue priority must be from 0 to 1000",
        ));
    }
    out
}

/// Whether `id` looks like an EC2 id with `prefix`: `<prefix>-` and 8 or 17 hex digits.
fn is_ec2_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|hex| {
            matches!(hex.len(), 8 | 17) && hex.chars().all(|c| c.is_ascii_hexdigit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::spec::Network;

    fn spec(name: &str) -> EnvironmentSpec {
        EnvironmentSpec::minimal(
            name,
            "us-east-1",
            16,
            None,
            Network {
                vpc_id: "vpc-12345678".into(),
                subnets: vec!["subnet-0123456789abcdef0".into()],
                security_group_ids: vec!["sg-12345678".into()],
            },
        )
    }

    fn form(name: &str, region: &str, vcpus: &str, role: &str) -> NewEnvironment {
        NewEnvironment {
            name: name.into(),
            region: region.into(),
            max_vcpus: vcpus.into(),
            service_role: role.into(),
        }
    }

    fn fields(problems: &[Problem]) -> Vec<&str> {
        problems.iter().map(|p| p.field.as_str()).collect()
    }

    #[test]
    fn valid_minimal_spec_has_no_problems() {
        assert_eq!(validate(&spec("inference")), vec![]);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut s = spec("inference");
        s.name = "bad name".into();
        s.region = "mars-1".into();
        s.compute_environment.subnets = vec!["subnet-zz".into()];
        s.compute_environment.security_group_ids.clear();
        s.compute_environment.max_vcpus = 0;
        s.job_queue.priority = 5000;
        let p = validate(&s);
        assert_eq!(
            fields(&p),
            vec![
                "name",
                "region",
                "compute_environment.max_vcpus",
                "compute_environment.subnets[0]",
                "compute_environment.security_group_ids",
                "job_queue.priority"
            ]
        );
    }

    #[test]
    fn new_environment_form_rules() {
        // (form, expected problem fields) - each case cites the rule it checks.
        let cases: &[(NewEnvironment, &[&str])] = &[
            (form("infer", "us-east-1", "16", ""), &[]),
            // Empty name: required.
            (form("", "us-east-1", "16", ""), &["name"]),
            // ECS/Batch names: letters, digits, '-' and '_' only.
            (form("my env", "us-east-1", "16", ""), &["name"]),
            (form("infer!", "us-east-1", "16", ""), &["name"]),
            // Console: the name starts with a letter or a digit.
            (form("-infer", "us-east-1", "16", ""), &["name"]),
            // Console: at most 64 characters so derived names fit Batch's 128.
            (form(&"a".repeat(65), "us-east-1", "16", ""), &["name"]),
            (form("infer", "", "16", ""), &["region"]),
            (form("infer", "us-east-9", "16", ""), &["region"]),
            (form("infer", "us-east-1", "", ""), &["max_vcpus"]),
            (form("infer", "us-east-1", "0", ""), &["max_vcpus"]),
            (form("infer", "us-east-1", "-3", ""), &["max_vcpus"]),
            (form("infer", "us-east-1", "1.5", ""), &["max_vcpus"]),
            (form("infer", "us-east-1", "10001", ""), &["max_vcpus"]),
            (form("infer", "us-east-1", "10000", ""), &[]),
            (
                form(
                    "infer",
                    "us-east-1",
                    "16",
                    "arn:aws:iam::123456789012:role/Batch",
                ),
                &[],
            ),
            (
                form("infer", "us-east-1", "16", "not-an-arn"),
                &["service_role"],
            ),
            (
                form("", "", "", "x"),
                &["name", "region", "max_vcpus", "service_role"],
            ),
        ];
        for (f, expected) in cases {
            assert_eq!(
                fields(&validate_new_environment(f)),
                *expected,
                "form {f:?}"
            );
        }
    }

    #[test]
    fn messages_name_the_rule() {
        let p = validate_new_environment(&form("my env", "us-east-1", "16", ""));
        assert_eq!(
            p[0].message,
            "The name may contain only letters, digits, '-' and '_' (no spaces)"
        );
        assert_eq!(p[0].rule, "console.environment-name");
    }

    #[test]
    fn ec2_ids() {
        assert!(is_ec2_id("subnet-0123456789abcdef0", "subnet"));
        assert!(is_ec2_id("sg-1234abcd", "sg"));
        assert!(!is_ec2_id("sg-1234abc", "sg"));
        assert!(!is_ec2_id("subnet-1234abcd", "sg"));
        assert!(!is_ec2_id("subnet-zzzzzzzz", "subnet"));
    }
}
