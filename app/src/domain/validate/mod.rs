//! Validation: every problem of a spec at once, each with its field path and the AWS (or
//! console) rule it breaks. The same code runs in the browser and on the server.

mod aws_ids;
#[cfg(test)]
mod cases;
mod compute;
mod definitions;
mod fargate;
mod form;
mod instance_types;

use serde::{Deserialize, Serialize};

pub use aws_ids::{is_ec2_id, is_instance_profile, is_role_arn};
pub(crate) use definitions::holds_aws_credentials;
pub use fargate::{FARGATE_TASK_SIZES, fargate_memory_allowed};
pub use form::{MAX_VCPUS_LIMIT, parse_max_vcpus, validate_new_environment};
pub use instance_types::{is_gpu_instance_type, is_instance_type};

use super::names::{self, check_aws_name, check_role_arn};
use super::spec::EnvironmentSpec;

/// One broken rule, located by its field path (e.g. `compute_environment.max_vcpus`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// Dotted path of the field, as named in forms and the spec.
    pub field: String,
    /// A stable identifier of the rule (for tests, docs and the API).
    pub rule: String,
    /// What is wrong, for a person.
    pub message: String,
}

impl Problem {
    /// A problem of `field` breaking `rule`.
    pub fn new(field: &str, rule: &str, message: impl Into<String>) -> Self {
        Problem {
            field: field.to_owned(),
            rule: rule.to_owned(),
            message: message.into(),
        }
    }
}

/// Collects problems as the checks run.
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub(crate) problems: Vec<Problem>,
}

impl Report {
    pub(crate) fn add(&mut self, field: &str, rule: &str, message: impl Into<String>) {
        self.problems.push(Problem::new(field, rule, message));
    }

    /// Checks an AWS resource name with [`check_aws_name`] and reports under `field`.
    pub(crate) fn name(&mut self, field: &str, rule: &str, what: &str, value: &str, max: usize) {
        if let Err(e) = check_aws_name(value, max) {
            self.add(field, rule, names::describe(what, &e));
        }
    }

    /// Reports an optional IAM role ARN that is set but malformed.
    pub(crate) fn role(&mut self, field: &str, what: &str, value: Option<&String>) {
        if let Some(v) = value
            && let Err(msg) = check_role_arn(v)
        {
            self.add(field, "aws.iam.role-arn", format!("{what} {msg}"));
        }
    }

    /// Adds a problem unless `ok`.
    pub(crate) fn check(&mut self, ok: bool, field: &str, rule: &str, message: impl Into<String>) {
        if !ok {
            self.add(field, rule, message);
        }
    }
}

/// Checks a whole spec against AWS's rules; an empty result means it can be planned.
pub fn validate(spec: &EnvironmentSpec) -> Vec<Problem> {
    let mut r = Report::default();
    compute::target_and_network(spec, &mut r);
    compute::cluster(spec, &mut r);
    compute::capacity(spec, &mut r);
    compute::compute_environment(spec, &mut r);
    compute::job_queue(spec, &mut r);
    definitions::task_definition(spec, &mut r);
    definitions::job_definition(spec, &mut r);
    r.problems
}

/// Settings AWS accepts but that deserve a second look (cost, availability).
pub fn warnings(spec: &EnvironmentSpec) -> Vec<Problem> {
    let mut r = Report::default();
    let ce = &spec.compute_environment;
    r.check(
        ce.max_vcpus <= 1024,
        "compute_environment.max_vcpus",
        "console.cost-max-vcpus",
        format!(
            "Max vCPUs {} can cost a lot at full scale; check the account's vCPU quota and budget",
            ce.max_vcpus
        ),
    );
    if let Some(c) = &spec.capacity {
        r.check(
            c.provider.managed_scaling.target_capacity < 100 || !c.provider.managed_scaling.enabled,
            "capacity.provider.managed_scaling.target_capacity",
            "console.no-spare-capacity",
            "Target capacity 100 keeps no spare instances: new tasks wait for instances to launch",
        );
    }
    if ce.compute_type == super::spec::ComputeType::Spot
        && ce.bid_percentage.is_some_and(|b| b < 50)
    {
        r.add(
            "compute_environment.bid_percentage",
            "console.low-bid",
            "A bid under 50% of On-Demand often finds no Spot capacity",
        );
    }
    r.problems
}

/// Checks a new revision of an existing environment: every rule of [`validate`], and
/// the name and region stay (they name the environment's resources in AWS; copy the
/// environment to change them).
pub fn validate_edit(current: &EnvironmentSpec, edited: &EnvironmentSpec) -> Vec<Problem> {
    let mut r = Report::default();
    r.check(
        edited.name == current.name,
        "name",
        "console.name-immutable",
        format!(
            "The name cannot change after creation (it is {}); copy the environment to use another name",
            current.name
        ),
    );
    r.check(
        edited.region == current.region,
        "region",
        "console.region-immutable",
        format!(
            "The region cannot change after creation (it is {}); copy the environment to use another region",
            current.region
        ),
    );
    r.problems.extend(validate(edited));
    r.problems
}
