//! Test fixtures shared by the domain's tests: a network and the roles presets need.

use super::spec::Network;
use super::spec::presets::PresetRoles;

/// A default-VPC-like network with two subnets and one security group.
pub fn network() -> Network {
    Network {
        vpc_id: "vpc-0a1b2c3d".into(),
        subnets: vec!["subnet-0123456789abcdef0".into(), "subnet-11111111".into()],
        security_group_ids: vec!["sg-12345678".into()],
    }
}

/// Roles in account 123456789012.
pub fn roles() -> PresetRoles {
    PresetRoles {
        instance_profile: "arn:aws:iam::123456789012:instance-profile/ecsInstanceRole".into(),
        execution_role: "arn:aws:iam::123456789012:role/ecsTaskExecutionRole".into(),
        job_role: "arn:aws:iam::123456789012:role/inference".into(),
    }
}
