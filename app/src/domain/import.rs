//! Importing an existing resource into an environment by ARN: which of the spec's
//! resources the ARN names, or why it cannot be imported.

use super::plan::RecordedState;
use super::resource::{RecordStatus, ResourceKind};
use super::spec::EnvironmentSpec;
use super::validate::Problem;

/// What an importable ARN names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArnParts {
    /// The resource kind.
    pub kind: ResourceKind,
    /// Region.
    pub region: String,
    /// Account id.
    pub account: String,
    /// The resource's name (definitions: the family or name, without revision).
    pub name: String,
}

/// Parses the ARN of a cluster, compute environment, job queue, task definition or job
/// definition.
pub fn parse_arn(arn: &str) -> Result<ArnParts, String> {
    let parts: Vec<&str> = arn.trim().splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return Err("must be an ARN: arn:aws:<service>:<region>:<account>:<resource>".into());
    };
    if *prefix != "arn" || !matches!(*partition, "aws" | "aws-cn" | "aws-us-gov") {
        return Err("must start with arn:aws: (or arn:aws-cn:, arn:aws-us-gov:)".into());
    }
    if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
        return Err("the account id in the ARN must be 12 digits".into());
    }
    let (kind_key, rest) = resource
        .split_once('/')
        .ok_or_else(|| format!("'{resource}' names no resource type"))?;
    let kind = match (*service, kind_key) {
        ("ecs", "cluster") => ResourceKind::Cluster,
        ("ecs", "task-definition") => ResourceKind::TaskDefinition,
        ("batch", "compute-environment") => ResourceKind::ComputeEnvironment,
        ("batch", "job-queue") => ResourceKind::JobQueue,
        ("batch", "job-definition") => ResourceKind::JobDefinition,
        (service, what) => {
            return Err(format!(
                "{service} {what} cannot be imported (clusters, compute environments, job queues, task and job definitions can)"
            ));
        }
    };
    let name = match kind {
        // `family:revision`
        ResourceKind::TaskDefinition | ResourceKind::JobDefinition => {
            rest.split(':').next().unwrap_or_default()
        }
        _ => rest,
    };
    if name.is_empty() || region.is_empty() {
        return Err("the ARN has no region or no name".into());
    }
    Ok(ArnParts {
        kind,
        region: (*region).to_owned(),
        account: (*account).to_owned(),
        name: name.to_owned(),
    })
}

/// Checks that `arn` names one of `spec`'s resources that the journal does not hold yet;
/// every problem is reported on the `arn` field.
pub fn check_import(
    spec: &EnvironmentSpec,
    recorded: &RecordedState,
    arn: &str,
) -> Result<ArnParts, Problem> {
    let problem = |rule: &str, message: String| Problem::new("arn", rule, message);
    let parts = parse_arn(arn).map_err(|m| problem("aws.arn", format!("The ARN {m}")))?;
    if parts.region != spec.region {
        return Err(problem(
            "console.import-region",
            format!(
                "The resource is in {}, the environment in {}",
                parts.region, spec.region
            ),
        ));
    }
    let Some(wanted) = spec.resource_name(parts.kind) else {
        return Err(problem(
            "console.import-kind",
            format!("The spec has no {}; add it first", parts.kind.label()),
        ));
    };
    if wanted != parts.name {
        return Err(problem(
            "console.import-name",
            format!(
                "The spec names its {} {wanted}, not {}; edit the spec to use that name first",
                parts.kind.label(),
                parts.name
            ),
        ));
    }
    if recorded
        .resources
        .iter()
        .any(|r| r.kind == parts.kind && r.status == RecordStatus::Created)
    {
        return Err(problem(
            "console.import-recorded",
            format!(
                "The environment already has its {} {wanted}",
                parts.kind.label()
            ),
        ));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::network;

    fn spec() -> EnvironmentSpec {
        EnvironmentSpec::minimal("infer", "us-east-1", 16, None, network())
    }

    #[test]
    fn arns_of_every_importable_kind_parse() {
        let cases = [
            (
                "arn:aws:ecs:us-east-1:123456789012:cluster/infer",
                ResourceKind::Cluster,
                "infer",
            ),
            (
                "arn:aws:batch:us-east-1:123456789012:compute-environment/infer-ce",
                ResourceKind::ComputeEnvironment,
                "infer-ce",
            ),
            (
                "arn:aws:batch:us-east-1:123456789012:job-queue/infer-queue",
                ResourceKind::JobQueue,
                "infer-queue",
            ),
            (
                "arn:aws:ecs:us-east-1:123456789012:task-definition/infer:7",
                ResourceKind::TaskDefinition,
                "infer",
            ),
            (
                "arn:aws:batch:us-east-1:123456789012:job-definition/infer-job:2",
                ResourceKind::JobDefinition,
                "infer-job",
            ),
        ];
        for (arn, kind, name) in cases {
            let p = parse_arn(arn).unwrap();
            assert_eq!(
                (p.kind, p.name.as_str(), p.region.as_str()),
                (kind, name, "us-east-1")
            );
        }
        for bad in [
            "",
            "arn:aws:ecs:us-east-1:123:cluster/x",
            "arn:aws:s3:::bucket",
            "arn:aws:ecs:us-east-1:123456789012:service/x",
            "not an arn",
        ] {
            assert!(parse_arn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn imports_must_name_a_resource_of_the_spec_not_yet_recorded() {
        let s = spec();
        let none = RecordedState::default();
        let ok = check_import(
            &s,
            &none,
            "arn:aws:ecs:us-east-1:123456789012:cluster/infer",
        );
        assert_eq!(ok.unwrap().kind, ResourceKind::Cluster);
        let rule =
            |arn: &str, recorded: &RecordedState| check_import(&s, recorded, arn).unwrap_err().rule;
        assert_eq!(
            rule("arn:aws:ecs:eu-west-1:123456789012:cluster/infer", &none),
            "console.import-region"
        );
        assert_eq!(
            rule("arn:aws:ecs:us-east-1:123456789012:cluster/other", &none),
            "console.import-name"
        );
        assert_eq!(
            rule(
                "arn:aws:ecs:us-east-1:123456789012:task-definition/infer:1",
                &none
            ),
            "console.import-kind"
        );
        assert_eq!(rule("nonsense", &none), "aws.arn");
        let recorded = RecordedState {
            serial: 1,
            resources: vec![crate::domain::RecordedResource {
                kind: ResourceKind::Cluster,
                name: "infer".into(),
                arn: Some("arn".into()),
                status: RecordStatus::Created,
                settings: Default::default(),
            }],
        };
        assert_eq!(
            rule(
                "arn:aws:ecs:us-east-1:123456789012:cluster/infer",
                &recorded
            ),
            "console.import-recorded"
        );
    }
}
