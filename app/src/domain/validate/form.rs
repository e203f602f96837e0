//! The "new environment" form: typed strings, checked before a spec exists.

use super::Problem;
use crate::domain::names::{self, check_environment_name, check_role_arn};
use crate::domain::regions;
use crate::domain::spec::NewEnvironment;

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
    if let Some(p) = check_region(&form.region, "region") {
        out.push(p);
    }
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

/// A problem with `region`, if any.
pub(crate) fn check_region(region: &str, field: &str) -> Option<Problem> {
    if region.is_empty() {
        Some(Problem::new(field, "aws.region", "The region is required"))
    } else if !regions::is_known(region) {
        Some(Problem::new(
            field,
            "aws.region",
            format!("'{region}' is not an AWS region this console supports"),
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
