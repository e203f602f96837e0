//! What exists in an account and region, for the wizard's pickers.

use serde::{Deserialize, Serialize};

/// Everything the pickers list, read from AWS.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovery {
    /// VPCs.
    pub vpcs: Vec<VpcInfo>,
    /// Subnets with their availability zone.
    pub subnets: Vec<SubnetInfo>,
    /// Security groups.
    pub security_groups: Vec<SecurityGroupInfo>,
    /// Auto Scaling groups, and the capacity provider that uses each, if one does.
    pub auto_scaling_groups: Vec<AutoScalingGroupInfo>,
    /// IAM roles with the services they trust.
    pub roles: Vec<RoleInfo>,
    /// IAM instance profiles.
    pub instance_profiles: Vec<InstanceProfileInfo>,
    /// Instance types offered in the region, GPU ones marked.
    pub instance_types: Vec<InstanceTypeInfo>,
}

/// A VPC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VpcInfo {
    /// `vpc-...`.
    pub id: String,
    /// Its IPv4 CIDR block.
    pub cidr: String,
    /// Whether it is the region's default VPC.
    pub default: bool,
}

/// A subnet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubnetInfo {
    /// `subnet-...`.
    pub id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// Availability zone, e.g. `us-east-1a`.
    pub availability_zone: String,
    /// IPv4 CIDR block.
    pub cidr: String,
}

/// A security group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityGroupInfo {
    /// `sg-...`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Its VPC.
    pub vpc_id: String,
}

/// An Auto Scaling group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoScalingGroupInfo {
    /// Name.
    pub name: String,
    /// ARN.
    pub arn: String,
    /// Minimum, desired and maximum size.
    pub min_size: i32,
    /// Desired capacity.
    pub desired_capacity: i32,
    /// Maximum size.
    pub max_size: i32,
    /// Whether new instances are protected from scale-in.
    pub protected_from_scale_in: bool,
    /// The capacity provider that already uses it (a group serves one provider only).
    pub used_by_capacity_provider: Option<String>,
}

/// An IAM role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleInfo {
    /// Name.
    pub name: String,
    /// ARN.
    pub arn: String,
    /// Services its trust policy allows, e.g. `batch.amazonaws.com`.
    pub trusted_services: Vec<String>,
}

/// An IAM instance profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceProfileInfo {
    /// Name.
    pub name: String,
    /// ARN.
    pub arn: String,
}

/// An EC2 instance type offered in the region.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceTypeInfo {
    /// e.g. `g5.xlarge`.
    pub name: String,
    /// Whether it has NVIDIA GPUs (by family).
    pub gpu: bool,
}

/// The services an IAM trust policy (JSON, possibly URL-encoded as IAM returns it)
/// allows to assume the role, sorted.
pub fn trusted_services(policy: &str) -> Vec<String> {
    let decoded = percent_decode(policy);
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&decoded) else {
        return Vec::new();
    };
    let statements = match &json["Statement"] {
        serde_json::Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    let mut out: Vec<String> = statements
        .iter()
        .filter(|s| s["Effect"] == "Allow")
        .flat_map(|s| match &s["Principal"]["Service"] {
            serde_json::Value::String(one) => vec![one.clone()],
            serde_json::Value::Array(many) => many
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let value = hex(h).unwrap_or_default() * 16 + hex(l).unwrap_or_default();
                out.push(u8::try_from(value).unwrap_or(b'?'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::trusted_services;

    #[test]
    fn trust_policies_name_their_services() {
        let plain = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ecs-tasks.amazonaws.com","batch.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#;
        assert_eq!(
            trusted_services(plain),
            ["batch.amazonaws.com", "ecs-tasks.amazonaws.com"]
        );
        let encoded = "%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22ec2.amazonaws.com%22%7D%7D%7D";
        assert_eq!(trusted_services(encoded), ["ec2.amazonaws.com"]);
        let denied =
            r#"{"Statement":[{"Effect":"Deny","Principal":{"Service":"ec2.amazonaws.com"}}]}"#;
        assert!(trusted_services(denied).is_empty());
        assert!(trusted_services("not json").is_empty());
        let account =
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"}}]}"#;
        assert!(trusted_services(account).is_empty());
    }
}
