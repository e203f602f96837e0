//! Rules of the target, network, cluster, capacity, compute environment and job queue.
//! Each rule id names its source: `aws.<service>.*` from the AWS API reference,
//! `console.*` the console's own.

use super::Report;
use super::aws_ids::{is_arn_of, is_ec2_id, is_instance_profile, is_role_arn};
use super::form::{MAX_VCPUS_LIMIT, check_region};
use super::instance_types::{is_gpu_instance_type, is_instance_type};
use crate::domain::names::{self, check_environment_name};
use crate::domain::spec::{
    AllocationStrategy, AutoScalingGroupSource, ComputeType, EnvironmentSpec,
};

/// Subnet and security-group id lists: formats and AWS's counts.
fn subnets_and_groups(
    r: &mut Report,
    prefix: &str,
    subnets: &[String],
    groups: &[String],
    max_groups: usize,
) {
    for (i, s) in subnets.iter().enumerate() {
        r.check(
            is_ec2_id(s, "subnet"),
            &format!("{prefix}.subnets[{i}]"),
            "aws.ec2.subnet-id",
            format!("'{s}' is not a subnet id (subnet-<hex>)"),
        );
    }
    r.check(
        subnets.len() <= 16,
        &format!("{prefix}.subnets"),
        "aws.batch.subnets-max",
        "At most 16 subnets",
    );
    for (i, g) in groups.iter().enumerate() {
        r.check(
            is_ec2_id(g, "sg"),
            &format!("{prefix}.security_group_ids[{i}]"),
            "aws.ec2.security-group-id",
            format!("'{g}' is not a security group id (sg-<hex>)"),
        );
    }
    r.check(
        groups.len() <= max_groups,
        &format!("{prefix}.security_group_ids"),
        "aws.batch.security-groups-max",
        format!("At most {max_groups} security groups"),
    );
}

pub(super) fn target_and_network(spec: &EnvironmentSpec, r: &mut Report) {
    if let Err(e) = check_environment_name(&spec.name) {
        r.add(
            "name",
            "console.environment-name",
            names::describe("The name", &e),
        );
    }
    if let Some(p) = check_region(&spec.region, "region") {
        r.problems.push(p);
    }
    if let Some(a) = &spec.assume_role {
        r.role(
            "assume_role.role_arn",
            "The role to assume",
            Some(&a.role_arn),
        );
        if let Some(id) = &a.external_id {
            // sts:AssumeRole ExternalId: 2-1224 characters of [\w+=,.@:\/-].
            r.check(
                (2..=1224).contains(&id.len())
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c)),
                "assume_role.external_id",
                "aws.sts.external-id",
                "The external id must be 2-1224 letters, digits or _+=,.@:/-",
            );
        }
    }
    // Tagging rules shared by ECS and Batch: at most 50 tags; keys 1-128, values 0-256
    // characters; the aws: prefix is reserved. console: keys are the console's own.
    r.check(
        spec.tags.len() <= 48,
        "tags",
        "aws.tags-max",
        "At most 48 tags (AWS allows 50; the console adds 2)",
    );
    for (k, v) in &spec.tags {
        let field = format!("tags.{k}");
        r.check(
            (1..=128).contains(&k.chars().count()),
            &field,
            "aws.tag-key-length",
            "Tag keys are 1-128 characters",
        );
        r.check(
            v.chars().count() <= 256,
            &field,
            "aws.tag-value-length",
            "Tag values are at most 256 characters",
        );
        r.check(
            !k.to_ascii_lowercase().starts_with("aws:"),
            &field,
            "aws.tag-key-reserved",
            "Tag keys may not start with aws: (reserved by AWS)",
        );
        r.check(
            !k.starts_with("console:"),
            &field,
            "console.tag-key-reserved",
            "Tag keys starting with console: are set by the console",
        );
    }
    let n = &spec.network;
    r.check(
        n.vpc_id.is_empty() || is_ec2_id(&n.vpc_id, "vpc"),
        "network.vpc_id",
        "aws.ec2.vpc-id",
        format!("'{}' is not a VPC id (vpc-<hex>)", n.vpc_id),
    );
    subnets_and_groups(r, "network", &n.subnets, &n.security_group_ids, 5);
}

pub(super) fn cluster(spec: &EnvironmentSpec, r: &mut Report) {
    // ecs:CreateCluster clusterName: up to 255 letters, numbers, underscores, hyphens.
    r.name(
        "cluster.name",
        "aws.ecs.cluster-name",
        "The cluster name",
        &spec.cluster.name,
        255,
    );
}

pub(super) fn capacity(spec: &EnvironmentSpec, r: &mut Report) {
    let Some(c) = &spec.capacity else { return };
    match &c.auto_scaling_group {
        AutoScalingGroupSource::Existing { arn, .. } => r.check(
            is_arn_of(arn, "autoscaling", "autoScalingGroup:") && arn.contains(":autoScalingGroupName/"),
            "capacity.auto_scaling_group.arn",
            "aws.autoscaling.group-arn",
            "Must be an Auto Scaling group ARN (arn:aws:autoscaling:<region>:<account>:autoScalingGroup:<id>:autoScalingGroupName/<name>)",
        ),
        AutoScalingGroupSource::Create(g) => {
            let f = "capacity.auto_scaling_group";
            // autoscaling:CreateAutoScalingGroup AutoScalingGroupName: 1-255, no ':'.
            r.check(
                (1..=255).contains(&g.name.chars().count()) && !g.name.contains(':'),
                &format!("{f}.name"),
                "aws.autoscaling.group-name",
                "The group name must be 1-255 characters without ':'",
            );
            r.check(!g.instance_types.is_empty(), &format!("{f}.instance_types"), "aws.autoscaling.instance-types-required", "At least one instance type");
            r.check(g.instance_types.len() <= 40, &format!("{f}.instance_types"), "aws.autoscaling.instance-types-max", "At most 40 instance types");
            for (i, t) in g.instance_types.iter().enumerate() {
                r.check(
                    is_instance_type(t) && t.contains('.') ,
                    &format!("{f}.instance_types[{i}]"),
                    "aws.ec2.instance-type",
                    format!("'{t}' is not an instance type (e.g. g5.xlarge)"),
                );
            }
            r.check(g.min_size <= g.max_size, &format!("{f}.min_size"), "aws.autoscaling.min-max", "The minimum size must not exceed the maximum size");
            r.check(
                (g.min_size..=g.max_size).contains(&g.desired_capacity),
                &format!("{f}.desired_capacity"),
                "aws.autoscaling.desired-between-min-max",
                "The desired capacity must be between the minimum and maximum sizes",
            );
            r.check(g.max_size >= 1, &format!("{f}.max_size"), "console.asg-max-size", "The maximum size must be at least 1");
            match &g.instance_profile {
                None => r.add(&format!("{f}.instance_profile"), "console.asg-instance-profile-required", "The instances need an instance profile to register with the ECS cluster"),
                Some(p) => r.check(is_instance_profile(p), &format!("{f}.instance_profile"), "aws.iam.instance-profile", "Must be an instance profile name or ARN (arn:aws:iam::<account>:instance-profile/<name>)"),
            }
            if g.instance_types.iter().any(|t| is_gpu_instance_type(t)) {
                r.check(
                    g.image().is_nvidia(),
                    &format!("{f}.image_type"),
                    "aws.ecs.gpu-needs-nvidia-image",
                    "GPU instance types need an NVIDIA image type (ECS_AL2023_NVIDIA or ECS_AL2_NVIDIA)",
                );
            }
            subnets_and_groups(r, f, &g.subnets, &[], 5);
            if g.subnets.is_empty() {
                r.check(!spec.network.subnets.is_empty(), &format!("{f}.subnets"), "aws.autoscaling.subnets-required", "The group needs subnets (its own or the network's)");
            }
        }
    }
    let p = &c.provider;
    let f = "capacity.provider";
    // ecs:CreateCapacityProvider name: up to 255 letters, numbers, underscores, hyphens;
    // may not start with "aws", "ecs" or "fargate".
    r.name(
        &format!("{f}.name"),
        "aws.ecs.capacity-provider-name",
        "The capacity provider name",
        &p.name,
        255,
    );
    let lower = p.name.to_ascii_lowercase();
    r.check(
        !["aws", "ecs", "fargate"]
            .iter()
            .any(|x| lower.starts_with(x)),
        &format!("{f}.name"),
        "aws.ecs.capacity-provider-name-prefix",
        "Capacity provider names may not begin with aws, ecs or fargate",
    );
    let m = &p.managed_scaling;
    let ms = format!("{f}.managed_scaling");
    r.check(
        (1..=100).contains(&m.target_capacity),
        &format!("{ms}.target_capacity"),
        "aws.ecs.target-capacity",
        "Target capacity must be from 1 to 100 (percent)",
    );
    r.check(
        (1..=10_000).contains(&m.minimum_scaling_step_size),
        &format!("{ms}.minimum_scaling_step_size"),
        "aws.ecs.scaling-step-size",
        "The minimum scaling step size must be from 1 to 10000",
    );
    r.check(
        (1..=10_000).contains(&m.maximum_scaling_step_size),
        &format!("{ms}.maximum_scaling_step_size"),
        "aws.ecs.scaling-step-size",
        "The maximum scaling step size must be from 1 to 10000",
    );
    r.check(
        m.minimum_scaling_step_size <= m.maximum_scaling_step_size,
        &format!("{ms}.minimum_scaling_step_size"),
        "aws.ecs.scaling-step-order",
        "The minimum scaling step size must not exceed the maximum",
    );
    r.check(
        m.instance_warmup_period <= 10_000,
        &format!("{ms}.instance_warmup_period"),
        "aws.ecs.instance-warmup",
        "The instance warm-up period must be from 0 to 10000 seconds",
    );
    // ecs:CreateCapacityProvider refuses managed termination protection over a group
    // whose new instances are not protected from scale-in.
    let protected = match &c.auto_scaling_group {
        AutoScalingGroupSource::Existing {
            protect_from_scale_in,
            ..
        } => *protect_from_scale_in,
        AutoScalingGroupSource::Create(g) => g.protect_from_scale_in,
    };
    r.check(
        !p.managed_termination_protection || protected,
        &format!("{f}.managed_termination_protection"),
        "aws.ecs.managed-termination-protection-needs-scale-in-protection",
        "Managed termination protection requires the group's instances to be protected from scale-in",
    );
    r.check(
        !p.managed_termination_protection || m.enabled,
        &format!("{f}.managed_termination_protection"),
        "aws.ecs.managed-termination-protection-needs-scaling",
        "Managed termination protection requires managed scaling",
    );
    // ecs:PutClusterCapacityProviders strategy: base 0-100000, weight 0-1000.
    r.check(
        c.strategy.base <= 100_000,
        "capacity.strategy.base",
        "aws.ecs.strategy-base",
        "The strategy base must be from 0 to 100000",
    );
    r.check(
        c.strategy.weight <= 1000,
        "capacity.strategy.weight",
        "aws.ecs.strategy-weight",
        "The strategy weight must be from 0 to 1000",
    );
    r.check(
        c.strategy.weight > 0 || c.strategy.base > 0,
        "capacity.strategy.weight",
        "aws.ecs.strategy-nonzero",
        "A default strategy with base 0 and weight 0 places no tasks on the provider",
    );
}

pub(super) fn compute_environment(spec: &EnvironmentSpec, r: &mut Report) {
    let ce = &spec.compute_environment;
    let f = "compute_environment";
    let fargate = ce.compute_type.is_fargate();
    let ty = ce.compute_type.as_aws();
    // batch:CreateComputeEnvironment name: up to 128 letters, numbers, '-' and '_'.
    r.name(
        &format!("{f}.name"),
        "aws.batch.compute-environment-name",
        "The compute environment name",
        &ce.name,
        128,
    );
    r.check(
        (1..=MAX_VCPUS_LIMIT).contains(&ce.max_vcpus),
        &format!("{f}.max_vcpus"),
        "batch.max-vcpus",
        format!("Max vCPUs must be from 1 to {MAX_VCPUS_LIMIT}"),
    );
    r.check(
        !ce.subnets.is_empty(),
        &format!("{f}.subnets"),
        "aws.batch.subnets-required",
        "A compute environment needs at least one subnet",
    );
    subnets_and_groups(r, f, &ce.subnets, &ce.security_group_ids, 5);
    r.role(
        &format!("{f}.service_role"),
        "The service role",
        ce.service_role.as_ref(),
    );

    if fargate {
        // Fargate compute resources: at least one security group; none of the EC2-only
        // parameters (minvCpus, desiredvCpus, instanceTypes, allocationStrategy,
        // imageType, bidPercentage, spotIamFleetRole, instanceRole).
        r.check(
            !ce.security_group_ids.is_empty(),
            &format!("{f}.security_group_ids"),
            "aws.batch.fargate-security-group-required",
            "Fargate compute environments need at least one security group",
        );
        let not_on_fargate = |r: &mut Report, set: bool, field: &str, what: &str| {
            r.check(
                !set,
                &format!("{f}.{field}"),
                "aws.batch.fargate-ec2-only-parameter",
                format!("{what} does not apply to {ty} compute environments"),
            );
        };
        not_on_fargate(r, ce.min_vcpus != 0, "min_vcpus", "Min vCPUs");
        not_on_fargate(
            r,
            ce.desired_vcpus.is_some(),
            "desired_vcpus",
            "Desired vCPUs",
        );
        not_on_fargate(
            r,
            !ce.instance_types.is_empty(),
            "instance_types",
            "Instance types",
        );
        not_on_fargate(
            r,
            ce.allocation_strategy.is_some(),
            "allocation_strategy",
            "An allocation strategy",
        );
        not_on_fargate(r, ce.image_type.is_some(), "image_type", "An image type");
        not_on_fargate(
            r,
            ce.bid_percentage.is_some(),
            "bid_percentage",
            "A bid percentage",
        );
        not_on_fargate(
            r,
            ce.spot_iam_fleet_role.is_some(),
            "spot_iam_fleet_role",
            "A Spot Fleet role",
        );
        not_on_fargate(
            r,
            ce.instance_role.is_some(),
            "instance_role",
            "An instance role",
        );
        return;
    }

    // EC2 and SPOT.
    r.check(
        ce.min_vcpus <= ce.max_vcpus,
        &format!("{f}.min_vcpus"),
        "aws.batch.min-max-vcpus",
        "Min vCPUs must not exceed max vCPUs",
    );
    if let Some(d) = ce.desired_vcpus {
        r.check(
            (ce.min_vcpus..=ce.max_vcpus).contains(&d),
            &format!("{f}.desired_vcpus"),
            "aws.batch.desired-between-min-max",
            "Desired vCPUs must be between min and max vCPUs",
        );
    }
    r.check(
        !ce.instance_types.is_empty(),
        &format!("{f}.instance_types"),
        "aws.batch.instance-types-required",
        format!("{ty} compute environments need at least one instance type (or optimal)"),
    );
    for (i, t) in ce.instance_types.iter().enumerate() {
        r.check(
            is_instance_type(t),
            &format!("{f}.instance_types[{i}]"),
            "aws.ec2.instance-type",
            format!("'{t}' is not an instance type, family or optimal"),
        );
    }
    match &ce.instance_role {
        None => r.add(&format!("{f}.instance_role"), "aws.batch.instance-role-required", format!("{ty} compute environments need an instance role (instance profile)")),
        Some(p) => r.check(is_instance_profile(p), &format!("{f}.instance_role"), "aws.iam.instance-profile", "Must be an instance profile name or ARN (arn:aws:iam::<account>:instance-profile/<name>)"),
    }
    if let Some(a) = ce.allocation_strategy {
        let spot_only = matches!(
            a,
            AllocationStrategy::SpotCapacityOptimized
                | AllocationStrategy::SpotPriceCapacityOptimized
        );
        r.check(
            !spot_only || ce.compute_type == ComputeType::Spot,
            &format!("{f}.allocation_strategy"),
            "aws.batch.spot-allocation-strategy",
            format!("{} applies only to SPOT compute environments", a.as_aws()),
        );
    }
    let is_spot = ce.compute_type == ComputeType::Spot;
    if let Some(b) = ce.bid_percentage {
        r.check(
            is_spot,
            &format!("{f}.bid_percentage"),
            "aws.batch.spot-only-parameter",
            "A bid percentage applies only to SPOT compute environments",
        );
        r.check(
            (1..=100).contains(&b),
            &format!("{f}.bid_percentage"),
            "aws.batch.bid-percentage",
            "The bid percentage must be from 1 to 100",
        );
    }
    if let Some(role_arn) = &ce.spot_iam_fleet_role {
        r.check(
            is_spot,
            &format!("{f}.spot_iam_fleet_role"),
            "aws.batch.spot-only-parameter",
            "A Spot Fleet role applies only to SPOT compute environments",
        );
        r.check(
            is_role_arn(role_arn),
            &format!("{f}.spot_iam_fleet_role"),
            "aws.iam.role-arn",
            "The Spot Fleet role must be an IAM role ARN",
        );
    } else if is_spot
        && matches!(
            ce.allocation_strategy,
            None | Some(AllocationStrategy::BestFit)
        )
    {
        // spotIamFleetRole is required with BEST_FIT (also the default strategy).
        r.add(
            &format!("{f}.spot_iam_fleet_role"),
            "aws.batch.spot-fleet-role-required",
            "SPOT with BEST_FIT allocation needs a Spot Fleet role",
        );
    }
    // GPU instance types need an NVIDIA AMI.
    let gpu = ce.instance_types.iter().any(|t| is_gpu_instance_type(t));
    if gpu {
        r.check(
            ce.image_type.is_some_and(|i| i.is_nvidia()),
            &format!("{f}.image_type"),
            "aws.batch.gpu-needs-nvidia-image",
            "GPU instance types need an NVIDIA image type (ECS_AL2023_NVIDIA or ECS_AL2_NVIDIA)",
        );
    }
}

pub(super) fn job_queue(spec: &EnvironmentSpec, r: &mut Report) {
    let Some(q) = &spec.job_queue else { return };
    let f = "job_queue";
    // batch:CreateJobQueue name: up to 128 letters, numbers, '-' and '_'; priority 0-1000.
    r.name(
        &format!("{f}.name"),
        "aws.batch.job-queue-name",
        "The job queue name",
        &q.name,
        128,
    );
    r.check(
        q.priority <= 1000,
        &format!("{f}.priority"),
        "aws.batch.job-queue-priority",
        "Job queue priority must be from 0 to 1000",
    );
    // At most 3 compute environments per queue.
    r.check(
        q.extra_compute_environments.len() <= 2,
        &format!("{f}.extra_compute_environments"),
        "aws.batch.job-queue-max-compute-environments",
        "A job queue takes at most 3 compute environments (this one and 2 more)",
    );
    for (i, arn) in q.extra_compute_environments.iter().enumerate() {
        r.check(
            is_arn_of(arn, "batch", "compute-environment/"),
            &format!("{f}.extra_compute_environments[{i}]"),
            "aws.batch.compute-environment-arn",
            "Must be a compute environment ARN (arn:aws:batch:<region>:<account>:compute-environment/<name>)",
        );
        r.check(
            !arn.ends_with(&format!(
                "compute-environment/{}",
                spec.compute_environment.name
            )),
            &format!("{f}.extra_compute_environments[{i}]"),
            "aws.batch.job-queue-duplicate-compute-environment",
            "The environment's own compute environment is already first in the order",
        );
    }
    r.check(
        q.job_state_time_limit_actions.len() <= 5,
        &format!("{f}.job_state_time_limit_actions"),
        "aws.batch.time-limit-actions-max",
        "At most 5 job state time limit actions",
    );
    for (i, a) in q.job_state_time_limit_actions.iter().enumerate() {
        let af = format!("{f}.job_state_time_limit_actions[{i}]");
        r.check(
            !a.reason.trim().is_empty(),
            &format!("{af}.reason"),
            "aws.batch.time-limit-reason",
            "A reason is required",
        );
        r.check(
            (600..=86_400).contains(&a.max_time_seconds),
            &format!("{af}.max_time_seconds"),
            "aws.batch.time-limit-seconds",
            "The time limit must be from 600 to 86400 seconds",
        );
    }
}
