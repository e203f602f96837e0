//! Formats of AWS identifiers: EC2 ids and IAM ARNs.

use crate::domain::names::check_role_arn;

/// Whether `id` looks like an EC2 id with `prefix`: `<prefix>-` and 8 or 17 hex digits.
pub fn is_ec2_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|hex| {
            matches!(hex.len(), 8 | 17) && hex.chars().all(|c| c.is_ascii_hexdigit())
        })
}

/// Whether `arn` is an IAM role ARN.
pub fn is_role_arn(arn: &str) -> bool {
    check_role_arn(arn).is_ok()
}

/// Whether `value` names an instance profile: its ARN
/// (`arn:aws:iam::<account>:instance-profile/<name>`) or a bare name, as Batch accepts.
pub fn is_instance_profile(value: &str) -> bool {
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.len() <= 128
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
    };
    match value.strip_prefix("arn:") {
        None => name_ok(value),
        Some(rest) => {
            let parts: Vec<&str> = rest.splitn(5, ':').collect();
            matches!(parts.as_slice(), [partition, "iam", "", account, resource]
                if matches!(*partition, "aws" | "aws-cn" | "aws-us-gov")
                    && account.len() == 12
                    && account.chars().all(|c| c.is_ascii_digit())
                    && resource.strip_prefix("instance-profile/").is_some_and(|p| name_ok(p.rsplit('/').next().unwrap_or_default())))
        }
    }
}

/// Whether `arn` is an ARN of `service` in `region` whose resource starts with `prefix`
/// (e.g. `batch`, `compute-environment/`).
pub fn is_arn_of(arn: &str, service: &str, resource_prefix: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, s, region, account, resource]
        if partition.starts_with("aws")
            && *s == service
            && !region.is_empty()
            && account.len() == 12
            && account.chars().all(|c| c.is_ascii_digit())
            && resource.strip_prefix(resource_prefix).is_some_and(|n| !n.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_arns() {
        assert!(is_ec2_id("subnet-0123456789abcdef0", "subnet"));
        assert!(is_ec2_id("sg-1234abcd", "sg"));
        assert!(!is_ec2_id("sg-1234abc", "sg"));
        assert!(!is_ec2_id("subnet-1234abcd", "sg"));
        assert!(is_instance_profile("ecsInstanceRole"));
        assert!(is_instance_profile(
            "arn:aws:iam::123456789012:instance-profile/ecsInstanceRole"
        ));
        assert!(!is_instance_profile(
            "arn:aws:iam::123456789012:role/ecsInstanceRole"
        ));
        assert!(is_arn_of(
            "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:0a1b:autoScalingGroupName/g",
            "autoscaling",
            "autoScalingGroup:"
        ));
        assert!(!is_arn_of(
            "arn:aws:batch::123456789012:compute-environment/x",
            "batch",
            "compute-environment/"
        ));
    }
}
