//! Name and identifier rules of AWS and of the console, as small pure checks.

/// Why a name breaks a rule; rendered into a [`super::Problem`] by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameError {
    /// Empty.
    Empty,
    /// Longer than the limit.
    TooLong {
        /// The limit in characters.
        max: usize,
    },
    /// A character outside the allowed set.
    BadChar(char),
    /// Does not start with a letter or digit.
    BadStart,
}

/// Checks `name` against "1 to `max` characters out of letters, digits, `-` and `_`",
/// the rule shared by ECS cluster names (max 255) and Batch compute environment and job
/// queue names (max 128).
pub fn check_aws_name(name: &str, max: usize) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.chars().count() > max {
        return Err(NameError::TooLong { max });
    }
    match name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        Some(c) => Err(NameError::BadChar(c)),
        None => Ok(()),
    }
}

/// The longest environment name: the derived names (`<name>-queue`, `<name>-ce`) must stay
/// within Batch's 128-character limit, and shorter names read better in the AWS console.
pub const ENVIRONMENT_NAME_MAX: usize = 64;

/// An environment name: 1-64 letters, digits, `-` or `_`, starting with a letter or digit.
/// Every AWS resource name of the environment is derived from it, so a valid environment
/// name always yields valid resource names.
pub fn check_environment_name(name: &str) -> Result<(), NameError> {
    check_aws_name(name, ENVIRONMENT_NAME_MAX)?;
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(NameError::BadStart);
    }
    Ok(())
}

/// Renders a [`NameError`] for a person, naming what was being checked.
pub fn describe(what: &str, err: &NameError) -> String {
    match err {
        NameError::Empty => format!("{what} is required"),
        NameError::TooLong { max } => format!("{what} must be at most {max} characters"),
        NameError::BadChar(' ') => {
            format!("{what} may contain only letters, digits, '-' and '_' (no spaces)")
        }
        NameError::BadChar(c) => {
            format!("{what} may contain only letters, digits, '-' and '_' (found '{c}')")
        }
        NameError::BadStart => format!("{what} must start with a letter or a digit"),
    }
}

/// Checks an IAM role ARN: `arn:<partition>:iam::<12-digit account>:role/<path/><name>`.
pub fn check_role_arn(arn: &str) -> Result<(), String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return Err("must be an IAM role ARN: arn:aws:iam::<account id>:role/<name>".into());
    };
    if *prefix != "arn" || !matches!(*partition, "aws" | "aws-cn" | "aws-us-gov") {
        return Err("must start with arn:aws: (or arn:aws-cn:, arn:aws-us-gov:)".into());
    }
    if *service != "iam" {
        return Err(format!(
            "must be an IAM ARN (service 'iam', found '{service}')"
        ));
    }
    if !region.is_empty() {
        return Err("IAM ARNs have no region: expected arn:aws:iam::<account id>:role/...".into());
    }
    if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
        return Err("the account id in the ARN must be 12 digits".into());
    }
    let Some(role) = resource.strip_prefix("role/") else {
        return Err("must name a role (resource 'role/<name>')".into());
    };
    let name = role.rsplit('/').next().unwrap_or_default();
    if name.is_empty() || name.len() > 64 {
        return Err("the role name must be 1-64 characters".into());
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
    {
        return Err("the role name may contain only letters, digits and +=,.@_-".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_names() {
        assert_eq!(check_aws_name("a-b_C9", 128), Ok(()));
        assert_eq!(check_aws_name("", 128), Err(NameError::Empty));
        assert_eq!(
            check_aws_name(&"a".repeat(129), 128),
            Err(NameError::TooLong { max: 128 })
        );
        assert_eq!(check_aws_name(&"a".repeat(128), 128), Ok(()));
        assert_eq!(check_aws_name("my env", 128), Err(NameError::BadChar(' ')));
        assert_eq!(check_aws_name("café", 128), Err(NameError::BadChar('é')));
    }

    #[test]
    fn environment_names() {
        assert_eq!(check_environment_name("inference-1"), Ok(()));
        assert_eq!(check_environment_name("-lead"), Err(NameError::BadStart));
        assert_eq!(check_environment_name("_lead"), Err(NameError::BadStart));
        assert_eq!(
            check_environment_name(&"a".repeat(65)),
            Err(NameError::TooLong { max: 64 })
        );
        assert_eq!(check_environment_name("bad!"), Err(NameError::BadChar('!')));
    }

    #[test]
    fn role_arns() {
        assert_eq!(
            check_role_arn("arn:aws:iam::123456789012:role/BatchService"),
            Ok(())
        );
        assert_eq!(
            check_role_arn("arn:aws:iam::123456789012:role/service-role/AWSBatch"),
            Ok(())
        );
        assert!(check_role_arn("arn:aws:iam::12345:role/x").is_err());
        assert!(check_role_arn("arn:aws:s3::123456789012:role/x").is_err());
        assert!(check_role_arn("arn:aws:iam:us-east-1:123456789012:role/x").is_err());
        assert!(check_role_arn("arn:aws:iam::123456789012:user/x").is_err());
        assert!(check_role_arn("arn:aws:iam::123456789012:role/").is_err());
        assert!(check_role_arn("not an arn").is_err());
    }
}
