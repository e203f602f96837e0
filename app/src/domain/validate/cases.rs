//! The validation suite: valid and invalid specs, each citing the AWS (or console) rule
//! it checks. Runs natively and, built for wasm32, under wasm-bindgen-test, so the
//! browser's validation and the server's agree.

use crate::domain::fixtures::{network, roles};
use crate::domain::spec::presets::Preset;
use crate::domain::spec::*;
use crate::domain::validate::validate;

/// Which valid spec a case starts from.
#[derive(Clone, Copy, Debug)]
enum Base {
    Minimal,
    Gpu,
    Fargate,
    Spot,
}

fn base(b: Base) -> EnvironmentSpec {
    match b {
        Base::Minimal => EnvironmentSpec::minimal("infer", "us-east-1", 16, None, network()),
        Base::Gpu => Preset::GpuG5.spec("infer", "us-east-1", network(), &roles()),
        Base::Fargate => Preset::CpuFargate.spec("infer", "us-east-1", network(), &roles()),
        Base::Spot => Preset::SpotBatch.spec("infer", "us-east-1", network(), &roles()),
    }
}

type Edit = fn(&mut EnvironmentSpec);

/// `(base, the rule and where AWS states it, the edit, the expected (field, rule) or
/// None for a valid spec)`.
type Case = (
    Base,
    &'static str,
    Edit,
    Option<(&'static str, &'static str)>,
);

fn cap(s: &mut EnvironmentSpec) -> &mut CapacitySpec {
    s.capacity.as_mut().unwrap()
}
fn asg(s: &mut EnvironmentSpec) -> &mut NewAutoScalingGroup {
    match &mut cap(s).auto_scaling_group {
        AutoScalingGroupSource::Create(g) => g,
        AutoScalingGroupSource::Existing { .. } => unreachable!("GPU preset creates its group"),
    }
}
fn td(s: &mut EnvironmentSpec) -> &mut TaskDefinitionSpec {
    s.task_definition.as_mut().unwrap()
}
fn jd(s: &mut EnvironmentSpec) -> &mut JobDefinitionSpec {
    s.job_definition.as_mut().unwrap()
}
fn ce(s: &mut EnvironmentSpec) -> &mut ComputeEnvironmentSpec {
    &mut s.compute_environment
}
fn q(s: &mut EnvironmentSpec) -> &mut JobQueueSpec {
    s.job_queue.as_mut().unwrap()
}
fn ms(s: &mut EnvironmentSpec) -> &mut ManagedScaling {
    &mut cap(s).provider.managed_scaling
}

use Base::*;

const CASES: &[Case] = &[
    // --- the bases themselves are valid ---
    (Minimal, "first-slice environment", |_| {}, None),
    (Gpu, "preset: GPU inference on g5", |_| {}, None),
    (Fargate, "preset: CPU inference on Fargate", |_| {}, None),
    (Spot, "preset: Spot batch", |_| {}, None),
    // --- environment name (console rule; keeps derived names within AWS limits) ---
    (
        Minimal,
        "console: name required",
        |s| s.name.clear(),
        Some(("name", "console.environment-name")),
    ),
    (
        Minimal,
        "console: name letters, digits, - and _",
        |s| s.name = "my env".into(),
        Some(("name", "console.environment-name")),
    ),
    (
        Minimal,
        "console: name starts with a letter or digit",
        |s| s.name = "_infer".into(),
        Some(("name", "console.environment-name")),
    ),
    (
        Minimal,
        "console: name at most 64 characters",
        |s| s.name = "a".repeat(65),
        Some(("name", "console.environment-name")),
    ),
    (
        Minimal,
        "console: 64 characters are fine",
        |s| s.name = "a".repeat(64),
        None,
    ),
    (
        Minimal,
        "console: digits first are fine",
        |s| s.name = "1infer".into(),
        None,
    ),
    // --- region ---
    (
        Minimal,
        "AWS regions: required",
        |s| s.region.clear(),
        Some(("region", "aws.region")),
    ),
    (
        Minimal,
        "AWS regions: unknown code",
        |s| s.region = "us-east-7".into(),
        Some(("region", "aws.region")),
    ),
    (
        Minimal,
        "AWS regions: eu-central-2 exists",
        |s| s.region = "eu-central-2".into(),
        None,
    ),
    // --- sts:AssumeRole ---
    (
        Minimal,
        "sts:AssumeRole RoleArn is an IAM role ARN",
        |s| {
            s.assume_role = Some(AssumeRole {
                role_arn: "arn:aws:iam::123456789012:user/bob".into(),
                external_id: None,
            })
        },
        Some(("assume_role.role_arn", "aws.iam.role-arn")),
    ),
    (
        Minimal,
        "sts:AssumeRole RoleArn: 12-digit account",
        |s| {
            s.assume_role = Some(AssumeRole {
                role_arn: "arn:aws:iam::1234:role/x".into(),
                external_id: None,
            })
        },
        Some(("assume_role.role_arn", "aws.iam.role-arn")),
    ),
    (
        Minimal,
        "sts:AssumeRole valid role and external id",
        |s| {
            s.assume_role = Some(AssumeRole {
                role_arn: "arn:aws:iam::123456789012:role/console".into(),
                external_id: Some("team-42".into()),
            })
        },
        None,
    ),
    (
        Minimal,
        "sts:AssumeRole ExternalId min length 2",
        |s| {
            s.assume_role = Some(AssumeRole {
                role_arn: "arn:aws:iam::123456789012:role/console".into(),
                external_id: Some("x".into()),
            })
        },
        Some(("assume_role.external_id", "aws.sts.external-id")),
    ),
    (
        Minimal,
        "sts:AssumeRole ExternalId pattern [\\w+=,.@:/-]*",
        |s| {
            s.assume_role = Some(AssumeRole {
                role_arn: "arn:aws:iam::123456789012:role/console".into(),
                external_id: Some("has space".into()),
            })
        },
        Some(("assume_role.external_id", "aws.sts.external-id")),
    ),
    (
        Minimal,
        "sts:AssumeRole ExternalId max 1224",
        |s| {
            s.assume_role = Some(AssumeRole {
                role_arn: "arn:aws:iam::123456789012:role/console".into(),
                external_id: Some("a".repeat(1225)),
            })
        },
        Some(("assume_role.external_id", "aws.sts.external-id")),
    ),
    (
        Minimal,
        "IAM ARNs: aws-cn partition",
        |s| {
            s.assume_role = Some(AssumeRole {
                role_arn: "arn:aws-cn:iam::123456789012:role/console".into(),
                external_id: None,
            })
        },
        None,
    ),
    // --- tags (ECS/Batch TagResource) ---
    (
        Minimal,
        "tags: key 1-128 characters",
        |s| {
            s.tags.insert("k".repeat(129), "v".into());
        },
        Some((
            "tags.kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
            "aws.tag-key-length",
        )),
    ),
    (
        Minimal,
        "tags: empty key",
        |s| {
            s.tags.insert(String::new(), "v".into());
        },
        Some(("tags.", "aws.tag-key-length")),
    ),
    (
        Minimal,
        "tags: value at most 256",
        |s| {
            s.tags.insert("team".into(), "v".repeat(257));
        },
        Some(("tags.team", "aws.tag-value-length")),
    ),
    (
        Minimal,
        "tags: aws: prefix reserved",
        |s| {
            s.tags.insert("aws:owner".into(), "me".into());
        },
        Some(("tags.aws:owner", "aws.tag-key-reserved")),
    ),
    (
        Minimal,
        "tags: AWS: prefix reserved, any case",
        |s| {
            s.tags.insert("AWS:owner".into(), "me".into());
        },
        Some(("tags.AWS:owner", "aws.tag-key-reserved")),
    ),
    (
        Minimal,
        "tags: console: prefix is the console's",
        |s| {
            s.tags.insert("console:environment-id".into(), "x".into());
        },
        Some(("tags.console:environment-id", "console.tag-key-reserved")),
    ),
    (
        Minimal,
        "tags: at most 50 per resource (48 + the console's 2)",
        |s| {
            for i in 0..49 {
                s.tags.insert(format!("k{i}"), "v".into());
            }
        },
        Some(("tags", "aws.tags-max")),
    ),
    (
        Minimal,
        "tags: 48 are fine",
        |s| {
            for i in 0..48 {
                s.tags.insert(format!("k{i}"), "v".into());
            }
        },
        None,
    ),
    (
        Minimal,
        "tags: empty value allowed",
        |s| {
            s.tags.insert("team".into(), String::new());
        },
        None,
    ),
    // --- network ---
    (
        Minimal,
        "EC2 VpcId format vpc-<hex>",
        |s| s.network.vpc_id = "vpc-xyz".into(),
        Some(("network.vpc_id", "aws.ec2.vpc-id")),
    ),
    (
        Minimal,
        "EC2 SubnetId format subnet-<hex>",
        |s| s.network.subnets[0] = "subnet-123".into(),
        Some(("network.subnets[0]", "aws.ec2.subnet-id")),
    ),
    (
        Minimal,
        "EC2 GroupId format sg-<hex>",
        |s| s.network.security_group_ids[0] = "default".into(),
        Some(("network.security_group_ids[0]", "aws.ec2.security-group-id")),
    ),
    (
        Minimal,
        "EC2 ids: 17 hex digits",
        |s| s.network.subnets[0] = "subnet-0123456789abcdef0".into(),
        None,
    ),
    // --- ECS cluster (CreateCluster clusterName) ---
    (
        Minimal,
        "ecs:CreateCluster clusterName required",
        |s| s.cluster.name.clear(),
        Some(("cluster.name", "aws.ecs.cluster-name")),
    ),
    (
        Minimal,
        "ecs:CreateCluster clusterName up to 255",
        |s| s.cluster.name = "c".repeat(256),
        Some(("cluster.name", "aws.ecs.cluster-name")),
    ),
    (
        Minimal,
        "ecs:CreateCluster clusterName 255 ok",
        |s| s.cluster.name = "c".repeat(255),
        None,
    ),
    (
        Minimal,
        "ecs:CreateCluster clusterName charset",
        |s| s.cluster.name = "infer.cluster".into(),
        Some(("cluster.name", "aws.ecs.cluster-name")),
    ),
    (
        Minimal,
        "ecs:CreateCluster clusterName underscores ok",
        |s| s.cluster.name = "infer_cluster-1".into(),
        None,
    ),
    (
        Minimal,
        "ecs:CreateCluster containerInsights enabled",
        |s| s.cluster.container_insights = true,
        None,
    ),
    // --- Auto Scaling group ---
    (
        Gpu,
        "autoscaling: existing group by ARN",
        |s| {
            cap(s).auto_scaling_group = AutoScalingGroupSource::Existing { arn: "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:8e1d9b3c-1b2c-4d5e-9f00-0123456789ab:autoScalingGroupName/gpu".into(), protect_from_scale_in: true }
        },
        None,
    ),
    (
        Gpu,
        "autoscaling: ARN of another service",
        |s| {
            cap(s).auto_scaling_group = AutoScalingGroupSource::Existing {
                arn: "arn:aws:ec2:us-east-1:123456789012:instance/i-1".into(),
                protect_from_scale_in: true,
            }
        },
        Some((
            "capacity.auto_scaling_group.arn",
            "aws.autoscaling.group-arn",
        )),
    ),
    (
        Gpu,
        "autoscaling: ARN without group name",
        |s| {
            cap(s).auto_scaling_group = AutoScalingGroupSource::Existing {
                arn: "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:8e1d".into(),
                protect_from_scale_in: true,
            }
        },
        Some((
            "capacity.auto_scaling_group.arn",
            "aws.autoscaling.group-arn",
        )),
    ),
    (
        Gpu,
        "CreateAutoScalingGroup name 1-255",
        |s| asg(s).name.clear(),
        Some((
            "capacity.auto_scaling_group.name",
            "aws.autoscaling.group-name",
        )),
    ),
    (
        Gpu,
        "CreateAutoScalingGroup name without ':'",
        |s| asg(s).name = "a:b".into(),
        Some((
            "capacity.auto_scaling_group.name",
            "aws.autoscaling.group-name",
        )),
    ),
    (
        Gpu,
        "CreateAutoScalingGroup name 256 too long",
        |s| asg(s).name = "a".repeat(256),
        Some((
            "capacity.auto_scaling_group.name",
            "aws.autoscaling.group-name",
        )),
    ),
    (
        Gpu,
        "CreateAutoScalingGroup MinSize <= MaxSize",
        |s| {
            asg(s).min_size = 9;
            asg(s).desired_capacity = 9;
        },
        Some((
            "capacity.auto_scaling_group.min_size",
            "aws.autoscaling.min-max",
        )),
    ),
    (
        Gpu,
        "CreateAutoScalingGroup DesiredCapacity >= MinSize",
        |s| {
            asg(s).min_size = 2;
            asg(s).desired_capacity = 1;
        },
        Some((
            "capacity.auto_scaling_group.desired_capacity",
            "aws.autoscaling.desired-between-min-max",
        )),
    ),
    (
        Gpu,
        "CreateAutoScalingGroup DesiredCapacity <= MaxSize",
        |s| asg(s).desired_capacity = 9,
        Some((
            "capacity.auto_scaling_group.desired_capacity",
            "aws.autoscaling.desired-between-min-max",
        )),
    ),
    (
        Gpu,
        "CreateAutoScalingGroup min = desired = max",
        |s| {
            asg(s).min_size = 2;
            asg(s).desired_capacity = 2;
            asg(s).max_size = 2;
        },
        None,
    ),
    (
        Gpu,
        "console: a group of max size 0 never runs a task",
        |s| asg(s).max_size = 0,
        Some((
            "capacity.auto_scaling_group.max_size",
            "console.asg-max-size",
        )),
    ),
    (
        Gpu,
        "MixedInstancesPolicy: at least one instance type",
        |s| asg(s).instance_types.clear(),
        Some((
            "capacity.auto_scaling_group.instance_types",
            "aws.autoscaling.instance-types-required",
        )),
    ),
    (
        Gpu,
        "MixedInstancesPolicy: at most 40 overrides",
        |s| asg(s).instance_types = (0..41).map(|i| format!("m{}.large", i + 1)).collect(),
        Some((
            "capacity.auto_scaling_group.instance_types",
            "aws.autoscaling.instance-types-max",
        )),
    ),
    (
        Gpu,
        "EC2 InstanceType: family.size",
        |s| asg(s).instance_types[0] = "g5".into(),
        Some((
            "capacity.auto_scaling_group.instance_types[0]",
            "aws.ec2.instance-type",
        )),
    ),
    (
        Gpu,
        "EC2 InstanceType: lowercase",
        |s| asg(s).instance_types[0] = "G5.xlarge".into(),
        Some((
            "capacity.auto_scaling_group.instance_types[0]",
            "aws.ec2.instance-type",
        )),
    ),
    (
        Gpu,
        "ECS container instances need an instance profile to register",
        |s| asg(s).instance_profile = None,
        Some((
            "capacity.auto_scaling_group.instance_profile",
            "console.asg-instance-profile-required",
        )),
    ),
    (
        Gpu,
        "LaunchTemplate IamInstanceProfile: a name or an instance-profile ARN",
        |s| asg(s).instance_profile = Some("arn:aws:iam::123456789012:role/ecs".into()),
        Some((
            "capacity.auto_scaling_group.instance_profile",
            "aws.iam.instance-profile",
        )),
    ),
    (
        Gpu,
        "ECS GPU instances need the ECS GPU-optimised AMI",
        |s| asg(s).image_type = Some(ImageType::EcsAl2023),
        Some((
            "capacity.auto_scaling_group.image_type",
            "aws.ecs.gpu-needs-nvidia-image",
        )),
    ),
    (
        Gpu,
        "no image type: GPU instance types get the GPU-optimised AMI",
        |s| asg(s).image_type = None,
        None,
    ),
    (
        Gpu,
        "CreateCapacityProvider: managed termination protection needs scale-in protection",
        |s| asg(s).protect_from_scale_in = false,
        Some((
            "capacity.provider.managed_termination_protection",
            "aws.ecs.managed-termination-protection-needs-scale-in-protection",
        )),
    ),
    (
        Gpu,
        "CreateCapacityProvider: an existing group without scale-in protection",
        |s| {
            cap(s).auto_scaling_group = AutoScalingGroupSource::Existing { arn: "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:8e1d9b3c-1b2c-4d5e-9f00-0123456789ab:autoScalingGroupName/gpu".into(), protect_from_scale_in: false }
        },
        Some((
            "capacity.provider.managed_termination_protection",
            "aws.ecs.managed-termination-protection-needs-scale-in-protection",
        )),
    ),
    (
        Gpu,
        "no managed termination protection: scale-in protection optional",
        |s| {
            asg(s).protect_from_scale_in = false;
            cap(s).provider.managed_termination_protection = false;
        },
        None,
    ),
    (
        Gpu,
        "CreateAutoScalingGroup VPCZoneIdentifier subnets",
        |s| asg(s).subnets = vec!["subnet-nope".into()],
        Some((
            "capacity.auto_scaling_group.subnets[0]",
            "aws.ec2.subnet-id",
        )),
    ),
    (
        Gpu,
        "CreateAutoScalingGroup needs subnets",
        |s| {
            s.network.subnets.clear();
            asg(s).subnets.clear();
        },
        Some((
            "capacity.auto_scaling_group.subnets",
            "aws.autoscaling.subnets-required",
        )),
    ),
    (
        Gpu,
        "CreateAutoScalingGroup own subnets",
        |s| asg(s).subnets = vec!["subnet-22222222".into()],
        None,
    ),
    // --- capacity provider (CreateCapacityProvider) ---
    (
        Gpu,
        "ecs:CreateCapacityProvider name charset",
        |s| cap(s).provider.name = "gpu cp".into(),
        Some(("capacity.provider.name", "aws.ecs.capacity-provider-name")),
    ),
    (
        Gpu,
        "ecs:CreateCapacityProvider name required",
        |s| cap(s).provider.name.clear(),
        Some(("capacity.provider.name", "aws.ecs.capacity-provider-name")),
    ),
    (
        Gpu,
        "ecs:CreateCapacityProvider name up to 255",
        |s| cap(s).provider.name = "p".repeat(256),
        Some(("capacity.provider.name", "aws.ecs.capacity-provider-name")),
    ),
    (
        Gpu,
        "ecs:CreateCapacityProvider name may not begin with aws",
        |s| cap(s).provider.name = "aws-gpu".into(),
        Some((
            "capacity.provider.name",
            "aws.ecs.capacity-provider-name-prefix",
        )),
    ),
    (
        Gpu,
        "ecs:CreateCapacityProvider name may not begin with ecs",
        |s| cap(s).provider.name = "ecs_gpu".into(),
        Some((
            "capacity.provider.name",
            "aws.ecs.capacity-provider-name-prefix",
        )),
    ),
    (
        Gpu,
        "ecs:CreateCapacityProvider name may not begin with fargate",
        |s| cap(s).provider.name = "FargateGpu".into(),
        Some((
            "capacity.provider.name",
            "aws.ecs.capacity-provider-name-prefix",
        )),
    ),
    (
        Gpu,
        "ecs:CreateCapacityProvider 'aws' inside the name is fine",
        |s| cap(s).provider.name = "gpu-aws".into(),
        None,
    ),
    (
        Gpu,
        "ManagedScaling targetCapacity 1-100: 0",
        |s| ms(s).target_capacity = 0,
        Some((
            "capacity.provider.managed_scaling.target_capacity",
            "aws.ecs.target-capacity",
        )),
    ),
    (
        Gpu,
        "ManagedScaling targetCapacity 1-100: 150",
        |s| ms(s).target_capacity = 150,
        Some((
            "capacity.provider.managed_scaling.target_capacity",
            "aws.ecs.target-capacity",
        )),
    ),
    (
        Gpu,
        "ManagedScaling targetCapacity 1",
        |s| ms(s).target_capacity = 1,
        None,
    ),
    (
        Gpu,
        "ManagedScaling targetCapacity 100 (allowed; a warning)",
        |s| ms(s).target_capacity = 100,
        None,
    ),
    (
        Gpu,
        "ManagedScaling minimumScalingStepSize 1-10000",
        |s| ms(s).minimum_scaling_step_size = 0,
        Some((
            "capacity.provider.managed_scaling.minimum_scaling_step_size",
            "aws.ecs.scaling-step-size",
        )),
    ),
    (
        Gpu,
        "ManagedScaling maximumScalingStepSize 1-10000",
        |s| ms(s).maximum_scaling_step_size = 10_001,
        Some((
            "capacity.provider.managed_scaling.maximum_scaling_step_size",
            "aws.ecs.scaling-step-size",
        )),
    ),
    (
        Gpu,
        "ManagedScaling minimum <= maximum step",
        |s| {
            ms(s).minimum_scaling_step_size = 5;
            ms(s).maximum_scaling_step_size = 2;
        },
        Some((
            "capacity.provider.managed_scaling.minimum_scaling_step_size",
            "aws.ecs.scaling-step-order",
        )),
    ),
    (
        Gpu,
        "ManagedScaling steps equal",
        |s| {
            ms(s).minimum_scaling_step_size = 3;
            ms(s).maximum_scaling_step_size = 3;
        },
        None,
    ),
    (
        Gpu,
        "ManagedScaling instanceWarmupPeriod 0-10000",
        |s| ms(s).instance_warmup_period = 10_001,
        Some((
            "capacity.provider.managed_scaling.instance_warmup_period",
            "aws.ecs.instance-warmup",
        )),
    ),
    (
        Gpu,
        "ManagedScaling instanceWarmupPeriod 0",
        |s| ms(s).instance_warmup_period = 0,
        None,
    ),
    (
        Gpu,
        "managedTerminationProtection needs managed scaling",
        |s| ms(s).enabled = false,
        Some((
            "capacity.provider.managed_termination_protection",
            "aws.ecs.managed-termination-protection-needs-scaling",
        )),
    ),
    (
        Gpu,
        "managed scaling off, termination protection off",
        |s| {
            ms(s).enabled = false;
            cap(s).provider.managed_termination_protection = false;
        },
        None,
    ),
    (
        Gpu,
        "managed draining off",
        |s| cap(s).provider.managed_draining = false,
        None,
    ),
    // --- no AWS credentials in a spec (roles are assumed instead) ---
    (
        Fargate,
        "console: no secret access key in a container's environment",
        |s| {
            td(s).containers[0].environment.insert(
                "AWS_SECRET_ACCESS_KEY".into(),
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            );
        },
        Some((
            "task_definition.containers[0].environment",
            "console.no-aws-credentials",
        )),
    ),
    (
        Fargate,
        "console: no access key id under any name in a job's environment",
        |s| {
            jd(s)
                .environment
                .insert("MY_KEY".into(), "AKIAIOSFODNN7EXAMPLE".into());
        },
        Some(("job_definition.environment", "console.no-aws-credentials")),
    ),
    (
        Fargate,
        "console: ordinary variables are fine",
        |s| {
            jd(s)
                .environment
                .insert("MODEL".into(), "AKIA-like-but-not-a-key".into());
            jd(s)
                .environment
                .insert("AWS_REGION".into(), "us-east-1".into());
        },
        None,
    ),
    // --- default strategy (PutClusterCapacityProviders) ---
    (
        Gpu,
        "CapacityProviderStrategyItem base 0-100000",
        |s| cap(s).strategy.base = 100_001,
        Some(("capacity.strategy.base", "aws.ecs.strategy-base")),
    ),
    (
        Gpu,
        "CapacityProviderStrategyItem weight 0-1000",
        |s| cap(s).strategy.weight = 1001,
        Some(("capacity.strategy.weight", "aws.ecs.strategy-weight")),
    ),
    (
        Gpu,
        "strategy base 0 weight 0 places nothing",
        |s| {
            cap(s).strategy.base = 0;
            cap(s).strategy.weight = 0;
        },
        Some(("capacity.strategy.weight", "aws.ecs.strategy-nonzero")),
    ),
    (
        Gpu,
        "strategy base 2 weight 0",
        |s| {
            cap(s).strategy.base = 2;
            cap(s).strategy.weight = 0;
        },
        None,
    ),
    // --- compute environment: names and sizes ---
    (
        Minimal,
        "batch:CreateComputeEnvironment name required",
        |s| ce(s).name.clear(),
        Some((
            "compute_environment.name",
            "aws.batch.compute-environment-name",
        )),
    ),
    (
        Minimal,
        "batch:CreateComputeEnvironment name up to 128",
        |s| ce(s).name = "c".repeat(129),
        Some((
            "compute_environment.name",
            "aws.batch.compute-environment-name",
        )),
    ),
    (
        Minimal,
        "batch:CreateComputeEnvironment name 128 ok",
        |s| ce(s).name = "c".repeat(128),
        None,
    ),
    (
        Minimal,
        "batch:CreateComputeEnvironment name charset",
        |s| ce(s).name = "infer/ce".into(),
        Some((
            "compute_environment.name",
            "aws.batch.compute-environment-name",
        )),
    ),
    (
        Minimal,
        "computeResources maxvCpus at least 1",
        |s| ce(s).max_vcpus = 0,
        Some(("compute_environment.max_vcpus", "batch.max-vcpus")),
    ),
    (
        Minimal,
        "console: maxvCpus at most 10000",
        |s| ce(s).max_vcpus = 10_001,
        Some(("compute_environment.max_vcpus", "batch.max-vcpus")),
    ),
    (
        Minimal,
        "computeResources subnets required",
        |s| ce(s).subnets.clear(),
        Some(("compute_environment.subnets", "aws.batch.subnets-required")),
    ),
    (
        Minimal,
        "computeResources subnets at most 16",
        |s| ce(s).subnets = (0..17).map(|i| format!("subnet-{i:08x}")).collect(),
        Some(("compute_environment.subnets", "aws.batch.subnets-max")),
    ),
    (
        Minimal,
        "computeResources 16 subnets ok",
        |s| ce(s).subnets = (0..16).map(|i| format!("subnet-{i:08x}")).collect(),
        None,
    ),
    (
        Minimal,
        "computeResources subnet id format",
        |s| ce(s).subnets[0] = "subnet-zz".into(),
        Some(("compute_environment.subnets[0]", "aws.ec2.subnet-id")),
    ),
    (
        Minimal,
        "computeResources securityGroupIds at most 5",
        |s| ce(s).security_group_ids = (0..6).map(|i| format!("sg-{i:08x}")).collect(),
        Some((
            "compute_environment.security_group_ids",
            "aws.batch.security-groups-max",
        )),
    ),
    (
        Minimal,
        "computeResources security group id format",
        |s| ce(s).security_group_ids[0] = "sg-1".into(),
        Some((
            "compute_environment.security_group_ids[0]",
            "aws.ec2.security-group-id",
        )),
    ),
    (
        Minimal,
        "serviceRole is an IAM role ARN",
        |s| ce(s).service_role = Some("AWSBatchServiceRole".into()),
        Some(("compute_environment.service_role", "aws.iam.role-arn")),
    ),
    (
        Minimal,
        "serviceRole with path",
        |s| {
            ce(s).service_role =
                Some("arn:aws:iam::123456789012:role/service-role/AWSBatchServiceRole".into())
        },
        None,
    ),
    (
        Minimal,
        "state DISABLED allowed",
        |s| ce(s).enabled = false,
        None,
    ),
    // --- Fargate compute environments ---
    (
        Minimal,
        "Fargate: securityGroupIds required",
        |s| ce(s).security_group_ids.clear(),
        Some((
            "compute_environment.security_group_ids",
            "aws.batch.fargate-security-group-required",
        )),
    ),
    (
        Minimal,
        "Fargate: minvCpus not applicable",
        |s| ce(s).min_vcpus = 2,
        Some((
            "compute_environment.min_vcpus",
            "aws.batch.fargate-ec2-only-parameter",
        )),
    ),
    (
        Minimal,
        "Fargate: desiredvCpus not applicable",
        |s| ce(s).desired_vcpus = Some(2),
        Some((
            "compute_environment.desired_vcpus",
            "aws.batch.fargate-ec2-only-parameter",
        )),
    ),
    (
        Minimal,
        "Fargate: instanceTypes not applicable",
        |s| ce(s).instance_types = vec!["c6i.large".into()],
        Some((
            "compute_environment.instance_types",
            "aws.batch.fargate-ec2-only-parameter",
        )),
    ),
    (
        Minimal,
        "Fargate: allocationStrategy not applicable",
        |s| ce(s).allocation_strategy = Some(AllocationStrategy::BestFit),
        Some((
            "compute_environment.allocation_strategy",
            "aws.batch.fargate-ec2-only-parameter",
        )),
    ),
    (
        Minimal,
        "Fargate: imageType not applicable",
        |s| ce(s).image_type = Some(ImageType::EcsAl2023),
        Some((
            "compute_environment.image_type",
            "aws.batch.fargate-ec2-only-parameter",
        )),
    ),
    (
        Minimal,
        "Fargate: bidPercentage not applicable",
        |s| ce(s).bid_percentage = Some(50),
        Some((
            "compute_environment.bid_percentage",
            "aws.batch.fargate-ec2-only-parameter",
        )),
    ),
    (
        Minimal,
        "Fargate: spotIamFleetRole not applicable",
        |s| ce(s).spot_iam_fleet_role = Some("arn:aws:iam::123456789012:role/fleet".into()),
        Some((
            "compute_environment.spot_iam_fleet_role",
            "aws.batch.fargate-ec2-only-parameter",
        )),
    ),
    (
        Minimal,
        "Fargate: instanceRole not applicable",
        |s| ce(s).instance_role = Some("ecsInstanceRole".into()),
        Some((
            "compute_environment.instance_role",
            "aws.batch.fargate-ec2-only-parameter",
        )),
    ),
    (
        Minimal,
        "FARGATE_SPOT is a Fargate type",
        |s| ce(s).compute_type = ComputeType::FargateSpot,
        None,
    ),
    // --- EC2 and SPOT compute environments ---
    (
        Gpu,
        "EC2: instanceRole required",
        |s| ce(s).instance_role = None,
        Some((
            "compute_environment.instance_role",
            "aws.batch.instance-role-required",
        )),
    ),
    (
        Gpu,
        "EC2: instanceRole is an instance profile, not a role",
        |s| ce(s).instance_role = Some("arn:aws:iam::123456789012:role/ecsInstanceRole".into()),
        Some((
            "compute_environment.instance_role",
            "aws.iam.instance-profile",
        )),
    ),
    (
        Gpu,
        "EC2: instanceRole by name",
        |s| ce(s).instance_role = Some("ecsInstanceRole".into()),
        None,
    ),
    (
        Gpu,
        "EC2: instanceTypes required",
        |s| ce(s).instance_types.clear(),
        Some((
            "compute_environment.instance_types",
            "aws.batch.instance-types-required",
        )),
    ),
    (
        Gpu,
        "EC2: instance type format",
        |s| ce(s).instance_types[0] = "g5..xlarge".into(),
        Some((
            "compute_environment.instance_types[0]",
            "aws.ec2.instance-type",
        )),
    ),
    (
        Gpu,
        "EC2: instance family g5 accepted",
        |s| ce(s).instance_types = vec!["g5".into()],
        None,
    ),
    (
        Gpu,
        "EC2: minvCpus <= maxvCpus",
        |s| ce(s).min_vcpus = 65,
        Some(("compute_environment.min_vcpus", "aws.batch.min-max-vcpus")),
    ),
    (
        Gpu,
        "EC2: desiredvCpus between min and max",
        |s| ce(s).desired_vcpus = Some(65),
        Some((
            "compute_environment.desired_vcpus",
            "aws.batch.desired-between-min-max",
        )),
    ),
    (
        Gpu,
        "EC2: desiredvCpus below min",
        |s| {
            ce(s).min_vcpus = 8;
            ce(s).desired_vcpus = Some(4);
        },
        Some((
            "compute_environment.desired_vcpus",
            "aws.batch.desired-between-min-max",
        )),
    ),
    (
        Gpu,
        "EC2: min = desired = max",
        |s| {
            ce(s).min_vcpus = 64;
            ce(s).desired_vcpus = Some(64);
        },
        None,
    ),
    (
        Gpu,
        "EC2: SPOT_CAPACITY_OPTIMIZED is SPOT only",
        |s| ce(s).allocation_strategy = Some(AllocationStrategy::SpotCapacityOptimized),
        Some((
            "compute_environment.allocation_strategy",
            "aws.batch.spot-allocation-strategy",
        )),
    ),
    (
        Gpu,
        "EC2: SPOT_PRICE_CAPACITY_OPTIMIZED is SPOT only",
        |s| ce(s).allocation_strategy = Some(AllocationStrategy::SpotPriceCapacityOptimized),
        Some((
            "compute_environment.allocation_strategy",
            "aws.batch.spot-allocation-strategy",
        )),
    ),
    (
        Gpu,
        "EC2: BEST_FIT allowed",
        |s| ce(s).allocation_strategy = Some(AllocationStrategy::BestFit),
        None,
    ),
    (
        Gpu,
        "EC2: bidPercentage is SPOT only",
        |s| ce(s).bid_percentage = Some(60),
        Some((
            "compute_environment.bid_percentage",
            "aws.batch.spot-only-parameter",
        )),
    ),
    (
        Gpu,
        "EC2: spotIamFleetRole is SPOT only",
        |s| ce(s).spot_iam_fleet_role = Some("arn:aws:iam::123456789012:role/fleet".into()),
        Some((
            "compute_environment.spot_iam_fleet_role",
            "aws.batch.spot-only-parameter",
        )),
    ),
    (
        Gpu,
        "GPU instance types need an NVIDIA image",
        |s| ce(s).image_type = Some(ImageType::EcsAl2023),
        Some((
            "compute_environment.image_type",
            "aws.batch.gpu-needs-nvidia-image",
        )),
    ),
    (
        Gpu,
        "GPU instance types need an image type at all",
        |s| ce(s).image_type = None,
        Some((
            "compute_environment.image_type",
            "aws.batch.gpu-needs-nvidia-image",
        )),
    ),
    (
        Gpu,
        "ECS_AL2_NVIDIA is an NVIDIA image",
        |s| ce(s).image_type = Some(ImageType::EcsAl2Nvidia),
        None,
    ),
    (
        Spot,
        "SPOT: bidPercentage 1-100",
        |s| ce(s).bid_percentage = Some(101),
        Some((
            "compute_environment.bid_percentage",
            "aws.batch.bid-percentage",
        )),
    ),
    (
        Spot,
        "SPOT: bidPercentage 0 refused",
        |s| ce(s).bid_percentage = Some(0),
        Some((
            "compute_environment.bid_percentage",
            "aws.batch.bid-percentage",
        )),
    ),
    (
        Spot,
        "SPOT: bidPercentage 100",
        |s| ce(s).bid_percentage = Some(100),
        None,
    ),
    (
        Spot,
        "SPOT with BEST_FIT needs spotIamFleetRole",
        |s| ce(s).allocation_strategy = Some(AllocationStrategy::BestFit),
        Some((
            "compute_environment.spot_iam_fleet_role",
            "aws.batch.spot-fleet-role-required",
        )),
    ),
    (
        Spot,
        "SPOT default strategy (BEST_FIT) needs spotIamFleetRole",
        |s| ce(s).allocation_strategy = None,
        Some((
            "compute_environment.spot_iam_fleet_role",
            "aws.batch.spot-fleet-role-required",
        )),
    ),
    (
        Spot,
        "SPOT BEST_FIT with a fleet role",
        |s| {
            ce(s).allocation_strategy = Some(AllocationStrategy::BestFit);
            ce(s).spot_iam_fleet_role =
                Some("arn:aws:iam::123456789012:role/AmazonEC2SpotFleetTaggingRole".into());
        },
        None,
    ),
    (
        Spot,
        "SPOT fleet role is a role ARN",
        |s| {
            ce(s).allocation_strategy = Some(AllocationStrategy::BestFit);
            ce(s).spot_iam_fleet_role = Some("fleet".into());
        },
        Some((
            "compute_environment.spot_iam_fleet_role",
            "aws.iam.role-arn",
        )),
    ),
    (
        Spot,
        "SPOT: 'optimal' instance type",
        |s| ce(s).instance_types = vec!["optimal".into()],
        None,
    ),
    (
        Spot,
        "SPOT: instance role required",
        |s| ce(s).instance_role = None,
        Some((
            "compute_environment.instance_role",
            "aws.batch.instance-role-required",
        )),
    ),
    // --- job queue ---
    (
        Minimal,
        "batch:CreateJobQueue name required",
        |s| q(s).name.clear(),
        Some(("job_queue.name", "aws.batch.job-queue-name")),
    ),
    (
        Minimal,
        "batch:CreateJobQueue name up to 128",
        |s| q(s).name = "q".repeat(129),
        Some(("job_queue.name", "aws.batch.job-queue-name")),
    ),
    (
        Minimal,
        "batch:CreateJobQueue name charset",
        |s| q(s).name = "infer queue".into(),
        Some(("job_queue.name", "aws.batch.job-queue-name")),
    ),
    (
        Minimal,
        "batch:CreateJobQueue priority 0-1000",
        |s| q(s).priority = 1001,
        Some(("job_queue.priority", "aws.batch.job-queue-priority")),
    ),
    (
        Minimal,
        "batch:CreateJobQueue priority 0",
        |s| q(s).priority = 0,
        None,
    ),
    (
        Minimal,
        "batch:CreateJobQueue priority 1000",
        |s| q(s).priority = 1000,
        None,
    ),
    (
        Minimal,
        "batch:CreateJobQueue state DISABLED",
        |s| q(s).enabled = false,
        None,
    ),
    (
        Minimal,
        "computeEnvironmentOrder: up to 3",
        |s| {
            q(s).extra_compute_environments = (0..3)
                .map(|i| {
                    format!("arn:aws:batch:us-east-1:123456789012:compute-environment/other-{i}")
                })
                .collect()
        },
        Some((
            "job_queue.extra_compute_environments",
            "aws.batch.job-queue-max-compute-environments",
        )),
    ),
    (
        Minimal,
        "computeEnvironmentOrder: 3 in all is fine",
        |s| {
            q(s).extra_compute_environments = (0..2)
                .map(|i| {
                    format!("arn:aws:batch:us-east-1:123456789012:compute-environment/other-{i}")
                })
                .collect()
        },
        None,
    ),
    (
        Minimal,
        "computeEnvironmentOrder: compute environment ARNs",
        |s| q(s).extra_compute_environments = vec!["other-ce".into()],
        Some((
            "job_queue.extra_compute_environments[0]",
            "aws.batch.compute-environment-arn",
        )),
    ),
    (
        Minimal,
        "computeEnvironmentOrder: no duplicate",
        |s| {
            q(s).extra_compute_environments =
                vec!["arn:aws:batch:us-east-1:123456789012:compute-environment/infer-ce".into()]
        },
        Some((
            "job_queue.extra_compute_environments[0]",
            "aws.batch.job-queue-duplicate-compute-environment",
        )),
    ),
    (
        Minimal,
        "jobStateTimeLimitActions maxTimeSeconds 600-86400: 599",
        |s| {
            q(s).job_state_time_limit_actions = vec![JobStateTimeLimitAction {
                reason: "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY".into(),
                max_time_seconds: 599,
            }]
        },
        Some((
            "job_queue.job_state_time_limit_actions[0].max_time_seconds",
            "aws.batch.time-limit-seconds",
        )),
    ),
    (
        Minimal,
        "jobStateTimeLimitActions maxTimeSeconds 86401",
        |s| {
            q(s).job_state_time_limit_actions = vec![JobStateTimeLimitAction {
                reason: "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT".into(),
                max_time_seconds: 86_401,
            }]
        },
        Some((
            "job_queue.job_state_time_limit_actions[0].max_time_seconds",
            "aws.batch.time-limit-seconds",
        )),
    ),
    (
        Minimal,
        "jobStateTimeLimitActions reason required",
        |s| {
            q(s).job_state_time_limit_actions = vec![JobStateTimeLimitAction {
                reason: " ".into(),
                max_time_seconds: 600,
            }]
        },
        Some((
            "job_queue.job_state_time_limit_actions[0].reason",
            "aws.batch.time-limit-reason",
        )),
    ),
    (
        Minimal,
        "jobStateTimeLimitActions valid",
        |s| {
            q(s).job_state_time_limit_actions = vec![JobStateTimeLimitAction {
                reason: "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY".into(),
                max_time_seconds: 3600,
            }]
        },
        None,
    ),
    (
        Minimal,
        "jobStateTimeLimitActions at most 5",
        |s| {
            q(s).job_state_time_limit_actions = (0..6)
                .map(|i| JobStateTimeLimitAction {
                    reason: format!("R{i}"),
                    max_time_seconds: 600,
                })
                .collect()
        },
        Some((
            "job_queue.job_state_time_limit_actions",
            "aws.batch.time-limit-actions-max",
        )),
    ),
    // --- task definition ---
    (
        Fargate,
        "ecs:RegisterTaskDefinition family charset",
        |s| td(s).family = "infer task".into(),
        Some(("task_definition.family", "aws.ecs.task-family")),
    ),
    (
        Fargate,
        "ecs:RegisterTaskDefinition family up to 255",
        |s| td(s).family = "f".repeat(256),
        Some(("task_definition.family", "aws.ecs.task-family")),
    ),
    (
        Fargate,
        "Fargate: awsvpc network mode",
        |s| td(s).network_mode = NetworkMode::Bridge,
        Some(("task_definition.network_mode", "aws.ecs.fargate-awsvpc")),
    ),
    (
        Fargate,
        "Fargate: task size required",
        |s| td(s).cpu = None,
        Some(("task_definition.cpu", "aws.ecs.fargate-task-size-required")),
    ),
    (
        Fargate,
        "Fargate: memory required",
        |s| td(s).memory = None,
        Some(("task_definition.cpu", "aws.ecs.fargate-task-size-required")),
    ),
    (
        Fargate,
        "Fargate sizes: 256 CPU with 512 MiB",
        |s| {
            td(s).cpu = Some(256);
            td(s).memory = Some(512);
        },
        None,
    ),
    (
        Fargate,
        "Fargate sizes: 256 CPU with 4096 MiB",
        |s| {
            td(s).cpu = Some(256);
            td(s).memory = Some(4096);
        },
        Some(("task_definition.memory", "aws.ecs.fargate-cpu-memory")),
    ),
    (
        Fargate,
        "Fargate sizes: 512 CPU with 512 MiB",
        |s| {
            td(s).cpu = Some(512);
            td(s).memory = Some(512);
        },
        Some(("task_definition.memory", "aws.ecs.fargate-cpu-memory")),
    ),
    (
        Fargate,
        "Fargate sizes: 1024 CPU with 2500 MiB",
        |s| td(s).memory = Some(2500),
        Some(("task_definition.memory", "aws.ecs.fargate-cpu-memory")),
    ),
    (
        Fargate,
        "Fargate sizes: 2048 CPU with 16384 MiB",
        |s| {
            td(s).cpu = Some(2048);
            td(s).memory = Some(16_384);
        },
        None,
    ),
    (
        Fargate,
        "Fargate sizes: 4096 CPU with 30720 MiB",
        |s| {
            td(s).cpu = Some(4096);
            td(s).memory = Some(30_720);
        },
        None,
    ),
    (
        Fargate,
        "Fargate sizes: 8192 CPU steps of 4096",
        |s| {
            td(s).cpu = Some(8192);
            td(s).memory = Some(17_408);
        },
        Some(("task_definition.memory", "aws.ecs.fargate-cpu-memory")),
    ),
    (
        Fargate,
        "Fargate sizes: 16384 CPU with 122880 MiB",
        |s| {
            td(s).cpu = Some(16_384);
            td(s).memory = Some(122_880);
        },
        None,
    ),
    (
        Fargate,
        "Fargate sizes: 3000 CPU units do not exist",
        |s| td(s).cpu = Some(3000),
        Some(("task_definition.memory", "aws.ecs.fargate-cpu-memory")),
    ),
    (
        Fargate,
        "Fargate: no GPUs",
        |s| td(s).containers[0].gpus = 1,
        Some((
            "task_definition.containers[0].gpus",
            "aws.ecs.fargate-no-gpu",
        )),
    ),
    (
        Fargate,
        "Fargate: awslogs needs an execution role",
        |s| td(s).execution_role = None,
        Some((
            "task_definition.execution_role",
            "aws.ecs.fargate-awslogs-execution-role",
        )),
    ),
    (
        Fargate,
        "executionRoleArn is a role ARN",
        |s| td(s).execution_role = Some("ecsTaskExecutionRole".into()),
        Some(("task_definition.execution_role", "aws.iam.role-arn")),
    ),
    (
        Fargate,
        "taskRoleArn is a role ARN",
        |s| td(s).task_role = Some("arn:aws:iam::123456789012:policy/x".into()),
        Some(("task_definition.task_role", "aws.iam.role-arn")),
    ),
    (
        Fargate,
        "task cpu 128-196608 units",
        |s| td(s).cpu = Some(100),
        Some(("task_definition.cpu", "aws.ecs.task-cpu")),
    ),
    (
        Fargate,
        "requiresCompatibilities not empty",
        |s| td(s).requires_compatibilities.clear(),
        Some((
            "task_definition.requires_compatibilities",
            "console.task-compatibilities",
        )),
    ),
    (
        Fargate,
        "containerDefinitions: 1-10",
        |s| td(s).containers.clear(),
        Some(("task_definition.containers", "aws.ecs.containers-count")),
    ),
    (
        Fargate,
        "containerDefinitions: at most 10",
        |s| {
            let c = td(s).containers[0].clone();
            td(s).containers = (0..11)
                .map(|i| ContainerSpec {
                    name: format!("c{i}"),
                    ..c.clone()
                })
                .collect();
        },
        Some(("task_definition.containers", "aws.ecs.containers-count")),
    ),
    (
        Fargate,
        "containerDefinitions.memoryReservation: at most the task's memory",
        |s| td(s).containers[0].memory_reservation = Some(2048),
        None,
    ),
    (
        Fargate,
        "containerDefinitions.memoryReservation: at least 6 MiB",
        |s| td(s).containers[0].memory_reservation = Some(4),
        Some((
            "task_definition.containers[0].memory_reservation",
            "aws.ecs.container-memory-minimum",
        )),
    ),
    (
        Fargate,
        "containerDefinitions.memoryReservation: the containers' sum within the task's memory",
        |s| td(s).containers[0].memory_reservation = Some(4096),
        Some((
            "task_definition.containers",
            "aws.ecs.container-memory-within-task",
        )),
    ),
    (
        Fargate,
        "containerDefinitions: an essential container",
        |s| td(s).containers[0].essential = false,
        Some(("task_definition.containers", "aws.ecs.essential-container")),
    ),
    (
        Fargate,
        "container name charset",
        |s| td(s).containers[0].name = "my container".into(),
        Some((
            "task_definition.containers[0].name",
            "aws.ecs.container-name",
        )),
    ),
    (
        Fargate,
        "container names unique",
        |s| {
            let c = td(s).containers[0].clone();
            td(s).containers.push(c);
        },
        Some((
            "task_definition.containers[1].name",
            "aws.ecs.container-name-unique",
        )),
    ),
    (
        Fargate,
        "container image required",
        |s| td(s).containers[0].image.clear(),
        Some((
            "task_definition.containers[0].image",
            "aws.ecs.container-image",
        )),
    ),
    (
        Fargate,
        "container image without spaces",
        |s| td(s).containers[0].image = "my image".into(),
        Some((
            "task_definition.containers[0].image",
            "aws.ecs.container-image",
        )),
    ),
    (
        Fargate,
        "portMappings containerPort 1-65535",
        |s| {
            td(s).containers[0].port_mappings = vec![PortMapping {
                container_port: 0,
                host_port: None,
                protocol: Protocol::Tcp,
            }]
        },
        Some((
            "task_definition.containers[0].port_mappings[0].container_port",
            "aws.ecs.port-range",
        )),
    ),
    (
        Fargate,
        "awsvpc: hostPort equals containerPort",
        |s| {
            td(s).containers[0].port_mappings = vec![PortMapping {
                container_port: 8080,
                host_port: Some(80),
                protocol: Protocol::Tcp,
            }]
        },
        Some((
            "task_definition.containers[0].port_mappings[0].host_port",
            "aws.ecs.awsvpc-host-port",
        )),
    ),
    (
        Fargate,
        "awsvpc: hostPort equal is fine",
        |s| {
            td(s).containers[0].port_mappings = vec![PortMapping {
                container_port: 8080,
                host_port: Some(8080),
                protocol: Protocol::Udp,
            }]
        },
        None,
    ),
    (
        Fargate,
        "environment variable names",
        |s| {
            td(s).containers[0]
                .environment
                .insert("A=B".into(), "x".into());
        },
        Some((
            "task_definition.containers[0].environment",
            "console.env-var-name",
        )),
    ),
    (
        Fargate,
        "logConfiguration: known driver",
        |s| {
            td(s).containers[0]
                .log_configuration
                .as_mut()
                .unwrap()
                .driver = "stdout".into()
        },
        Some((
            "task_definition.containers[0].log_configuration.driver",
            "aws.ecs.log-driver",
        )),
    ),
    (
        Fargate,
        "awslogs needs awslogs-group",
        |s| {
            td(s).containers[0]
                .log_configuration
                .as_mut()
                .unwrap()
                .options
                .remove("awslogs-group");
        },
        Some((
            "task_definition.containers[0].log_configuration.options.awslogs-group",
            "aws.ecs.awslogs-options",
        )),
    ),
    (
        Fargate,
        "awslogs needs awslogs-region",
        |s| {
            td(s).containers[0]
                .log_configuration
                .as_mut()
                .unwrap()
                .options
                .remove("awslogs-region");
        },
        Some((
            "task_definition.containers[0].log_configuration.options.awslogs-region",
            "aws.ecs.awslogs-options",
        )),
    ),
    (
        Gpu,
        "EC2 tasks: bridge network mode allowed",
        |s| {
            td(s).network_mode = NetworkMode::Bridge;
            td(s).containers[0].port_mappings[0].host_port = Some(80);
        },
        None,
    ),
    (
        Gpu,
        "EC2 tasks: GPUs allowed",
        |s| td(s).containers[0].gpus = 4,
        None,
    ),
    (
        Gpu,
        "seed mistake: FARGATE-only task definition with an EC2 capacity provider",
        |s| td(s).requires_compatibilities = vec![Compatibility::Fargate],
        Some((
            "task_definition.requires_compatibilities",
            "console.task-definition-matches-capacity",
        )),
    ),
    (
        Gpu,
        "EC2+FARGATE compatibility makes GPU containers invalid (Fargate has no GPUs)",
        |s| td(s).requires_compatibilities = vec![Compatibility::Ec2, Compatibility::Fargate],
        Some((
            "task_definition.containers[0].gpus",
            "aws.ecs.fargate-no-gpu",
        )),
    ),
    (
        Gpu,
        "EC2 and FARGATE compatibilities together without GPUs",
        |s| {
            td(s).requires_compatibilities = vec![Compatibility::Ec2, Compatibility::Fargate];
            td(s).containers[0].gpus = 0;
            td(s).cpu = Some(4096);
            td(s).memory = Some(16_384);
        },
        None,
    ),
    (
        Gpu,
        "GPU containers need GPU instance types in the group",
        |s| asg(s).instance_types = vec!["c6i.xlarge".into()],
        Some((
            "task_definition.containers",
            "console.gpu-task-needs-gpu-capacity",
        )),
    ),
    // --- job definition ---
    (
        Fargate,
        "batch:RegisterJobDefinition name charset",
        |s| jd(s).name = "infer job".into(),
        Some(("job_definition.name", "aws.batch.job-definition-name")),
    ),
    (
        Fargate,
        "batch:RegisterJobDefinition name up to 128",
        |s| jd(s).name = "j".repeat(129),
        Some(("job_definition.name", "aws.batch.job-definition-name")),
    ),
    (
        Fargate,
        "containerProperties image required",
        |s| jd(s).image.clear(),
        Some(("job_definition.image", "aws.batch.job-image")),
    ),
    (
        Fargate,
        "retryStrategy attempts 1-10: 0",
        |s| jd(s).retry_attempts = 0,
        Some(("job_definition.retry_attempts", "aws.batch.retry-attempts")),
    ),
    (
        Fargate,
        "retryStrategy attempts 1-10: 11",
        |s| jd(s).retry_attempts = 11,
        Some(("job_definition.retry_attempts", "aws.batch.retry-attempts")),
    ),
    (
        Fargate,
        "retryStrategy attempts 10",
        |s| jd(s).retry_attempts = 10,
        None,
    ),
    (
        Fargate,
        "timeout attemptDurationSeconds at least 60",
        |s| jd(s).timeout_seconds = Some(59),
        Some((
            "job_definition.timeout_seconds",
            "aws.batch.timeout-minimum",
        )),
    ),
    (
        Fargate,
        "timeout 60 seconds",
        |s| jd(s).timeout_seconds = Some(60),
        None,
    ),
    (
        Fargate,
        "Fargate jobs: vCPU sizes",
        |s| jd(s).vcpus = 3.0,
        Some(("job_definition.vcpus", "aws.batch.fargate-vcpus")),
    ),
    (
        Fargate,
        "Fargate jobs: 0.25 vCPU with 512 MiB",
        |s| {
            jd(s).vcpus = 0.25;
            jd(s).memory = 512;
        },
        None,
    ),
    (
        Fargate,
        "Fargate jobs: 0.25 vCPU with 4096 MiB",
        |s| {
            jd(s).vcpus = 0.25;
            jd(s).memory = 4096;
        },
        Some(("job_definition.memory", "aws.batch.fargate-vcpu-memory")),
    ),
    (
        Fargate,
        "Fargate jobs: 16 vCPU with 32768 MiB",
        |s| {
            jd(s).vcpus = 16.0;
            jd(s).memory = 32_768;
        },
        None,
    ),
    (
        Fargate,
        "Fargate jobs: 2 vCPU with 2048 MiB",
        |s| {
            jd(s).vcpus = 2.0;
            jd(s).memory = 2048;
        },
        Some(("job_definition.memory", "aws.batch.fargate-vcpu-memory")),
    ),
    (
        Fargate,
        "Fargate jobs: no GPUs",
        |s| jd(s).gpus = 1,
        Some(("job_definition.gpus", "aws.batch.fargate-no-gpu")),
    ),
    (
        Fargate,
        "Fargate jobs: execution role required",
        |s| jd(s).execution_role = None,
        Some((
            "job_definition.execution_role",
            "aws.batch.fargate-execution-role",
        )),
    ),
    (
        Fargate,
        "jobRoleArn is a role ARN",
        |s| jd(s).job_role = Some("inference".into()),
        Some(("job_definition.job_role", "aws.iam.role-arn")),
    ),
    (
        Fargate,
        "vCPUs more than 0",
        |s| jd(s).vcpus = 0.0,
        Some(("job_definition.vcpus", "aws.batch.vcpus-positive")),
    ),
    (
        Fargate,
        "memory at least 4 MiB",
        |s| jd(s).memory = 2,
        Some(("job_definition.memory", "aws.batch.memory-minimum")),
    ),
    (
        Fargate,
        "platform matches a FARGATE compute environment",
        |s| jd(s).platform = Platform::Ec2,
        Some((
            "job_definition.platform",
            "console.job-platform-matches-compute",
        )),
    ),
    (
        Gpu,
        "platform matches an EC2 compute environment",
        |s| {
            jd(s).platform = Platform::Fargate;
            jd(s).gpus = 0;
        },
        Some((
            "job_definition.platform",
            "console.job-platform-matches-compute",
        )),
    ),
    (
        Gpu,
        "EC2 jobs: whole vCPUs",
        |s| jd(s).vcpus = 1.5,
        Some(("job_definition.vcpus", "aws.batch.ec2-whole-vcpus")),
    ),
    (
        Gpu,
        "GPU jobs need GPU instance types",
        |s| {
            ce(s).instance_types = vec!["optimal".into()];
            ce(s).image_type = Some(ImageType::EcsAl2023);
        },
        Some(("job_definition.gpus", "console.gpu-job-needs-gpu-instances")),
    ),
    (
        Gpu,
        "a job fits in max vCPUs",
        |s| ce(s).max_vcpus = 2,
        Some(("job_definition.vcpus", "console.job-fits-compute")),
    ),
    (
        Gpu,
        "job log driver",
        |s| jd(s).log_configuration.as_mut().unwrap().driver = "cloudwatch".into(),
        Some((
            "job_definition.log_configuration.driver",
            "aws.ecs.log-driver",
        )),
    ),
    (Spot, "SPOT jobs: EC2 platform", |s| jd(s).vcpus = 4.0, None),
    (
        Spot,
        "SPOT jobs: GPUs on CPU instance types",
        |s| jd(s).gpus = 1,
        Some(("job_definition.gpus", "console.gpu-job-needs-gpu-instances")),
    ),
];

fn run_cases() {
    assert!(CASES.len() >= 150, "the suite has {} cases", CASES.len());
    let mut failures = Vec::new();
    for (b, citation, edit, expected) in CASES {
        let mut spec = base(*b);
        edit(&mut spec);
        let problems = validate(&spec);
        let ok = match expected {
            None => problems.is_empty(),
            Some((field, rule)) => problems
                .iter()
                .any(|p| p.field == *field && p.rule == *rule),
        };
        if !ok {
            failures.push(format!(
                "{citation} ({b:?}): expected {expected:?}, got {problems:#?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
#[cfg(not(target_arch = "wasm32"))]
fn validation_cases_native() {
    run_cases();
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_test::wasm_bindgen_test]
fn validation_cases_wasm() {
    run_cases();
}
