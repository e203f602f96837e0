//! Export tests: snapshots of every preset in every format, the template's structure
//! checked against the spec field by field, and round trips of JSON and YAML
//! (proptest).

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::domain::fixtures::{network, roles};
use crate::domain::spec::presets::Preset;
use crate::domain::spec::{AssumeRole, JobStateTimeLimitAction};

fn preset(p: Preset) -> EnvironmentSpec {
    let mut spec = Preset::spec(p, "infer", "us-east-1", network(), &roles());
    spec.tags = BTreeMap::from([
        ("team".into(), "vision".into()),
        ("cost-center".into(), "42".into()),
    ]);
    spec
}

fn minimal() -> EnvironmentSpec {
    EnvironmentSpec::minimal("infer", "us-east-1", 16, None, network())
}

#[test]
fn snapshots_of_every_preset_in_every_format() {
    for p in Preset::ALL {
        let spec = preset(p);
        for format in Format::ALL {
            insta::assert_snapshot!(
                format!("{p:?}_{}", format.as_str()).to_lowercase(),
                export(&spec, format)
            );
        }
    }
}

fn resources(template: &Value) -> Vec<(&str, &str)> {
    template["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(id, r)| (id.as_str(), r["Type"].as_str().unwrap()))
        .collect()
}

#[test]
fn the_template_has_one_resource_per_resource_of_the_spec() {
    let gpu = cloudformation::template(&preset(Preset::GpuG5));
    let mut types: Vec<&str> = resources(&gpu).into_iter().map(|(_, t)| t).collect();
    types.sort_unstable();
    assert_eq!(
        types,
        [
            "AWS::AutoScaling::AutoScalingGroup",
            "AWS::Batch::ComputeEnvironment",
            "AWS::Batch::JobDefinition",
            "AWS::Batch::JobQueue",
            "AWS::EC2::LaunchTemplate",
            "AWS::ECS::CapacityProvider",
            "AWS::ECS::Cluster",
            "AWS::ECS::ClusterCapacityProviderAssociations",
            "AWS::ECS::TaskDefinition",
        ]
    );
    let minimal = cloudformation::template(&minimal());
    assert_eq!(
        resources(&minimal),
        [
            ("Cluster", "AWS::ECS::Cluster"),
            ("ComputeEnvironment", "AWS::Batch::ComputeEnvironment"),
            ("JobQueue", "AWS::Batch::JobQueue"),
        ]
    );
}

#[test]
fn the_template_carries_the_specs_settings() {
    let spec = preset(Preset::GpuG5);
    let t = cloudformation::template(&spec);
    let r = &t["Resources"];
    let cluster = &r["Cluster"]["Properties"];
    assert_eq!(cluster["ClusterName"], "infer");
    assert_eq!(
        cluster["ClusterSettings"],
        json!([{ "Name": "containerInsights", "Value": "disabled" }])
    );
    assert_eq!(
        cluster["Tags"],
        json!([{ "Key": "cost-center", "Value": "42" }, { "Key": "team", "Value": "vision" }])
    );

    let lt = &r["LaunchTemplate"]["Properties"];
    assert_eq!(lt["LaunchTemplateName"], "infer-asg");
    let data = &lt["LaunchTemplateData"];
    assert_eq!(
        data["ImageId"],
        "resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id"
    );
    assert_eq!(
        data["IamInstanceProfile"],
        json!({ "Arn": roles().instance_profile })
    );
    assert_eq!(data["SecurityGroupIds"], json!(["sg-12345678"]));
    assert_eq!(
        data["UserData"],
        json!({ "Fn::Base64": { "Fn::Sub": "#!/bin/bash\necho ECS_CLUSTER=${Cluster} >> /etc/ecs/ecs.config\n" } })
    );

    let asg = &r["AutoScalingGroup"];
    assert_eq!(asg["DependsOn"], json!(["Cluster"]));
    let asg = &asg["Properties"];
    assert_eq!(asg["AutoScalingGroupName"], "infer-asg");
    assert_eq!(
        (&asg["MinSize"], &asg["MaxSize"], &asg["DesiredCapacity"]),
        (&json!(0), &json!(8), &json!(0))
    );
    assert_eq!(asg["VPCZoneIdentifier"], json!(network().subnets));
    assert_eq!(asg["NewInstancesProtectedFromScaleIn"], true);
    let policy = &asg["MixedInstancesPolicy"]["LaunchTemplate"];
    assert_eq!(
        policy["LaunchTemplateSpecification"],
        json!({
            "LaunchTemplateId": { "Ref": "LaunchTemplate" },
            "Version": { "Fn::GetAtt": ["LaunchTemplate", "LatestVersionNumber"] },
        })
    );
    assert_eq!(
        policy["Overrides"],
        json!([{ "InstanceType": "g5.xlarge" }, { "InstanceType": "g5.2xlarge" }])
    );
    assert_eq!(
        asg["Tags"][0],
        json!({ "Key": "cost-center", "Value": "42", "PropagateAtLaunch": true })
    );

    let cp = &r["CapacityProvider"]["Properties"];
    assert_eq!(cp["Name"], "infer-cp");
    assert_eq!(
        cp["AutoScalingGroupProvider"],
        json!({
            "AutoScalingGroupArn": { "Ref": "AutoScalingGroup" },
            "ManagedScaling": {
                "Status": "ENABLED",
                "TargetCapacity": 75,
                "MinimumScalingStepSize": 1,
                "MaximumScalingStepSize": 10000,
                "InstanceWarmupPeriod": 300,
            },
            "ManagedTerminationProtection": "ENABLED",
            "ManagedDraining": "ENABLED",
        })
    );
    assert_eq!(
        r["ClusterCapacityProviders"]["Properties"],
        json!({
            "Cluster": { "Ref": "Cluster" },
            "CapacityProviders": [{ "Ref": "CapacityProvider" }],
            "DefaultCapacityProviderStrategy": [
                { "CapacityProvider": { "Ref": "CapacityProvider" }, "Base": 0, "Weight": 1 }
            ],
        })
    );

    let ce = &r["ComputeEnvironment"]["Properties"];
    assert_eq!(ce["ComputeEnvironmentName"], "infer-ce");
    assert_eq!(ce["Type"], "MANAGED");
    assert_eq!(ce["State"], "ENABLED");
    assert_eq!(ce.get("ServiceRole"), None, "the service-linked role");
    assert_eq!(
        ce["ComputeResources"],
        json!({
            "Type": "EC2",
            "MaxvCpus": 64,
            "MinvCpus": 0,
            "Subnets": network().subnets,
            "SecurityGroupIds": ["sg-12345678"],
            "InstanceTypes": ["g5.xlarge", "g5.2xlarge"],
            "AllocationStrategy": "BEST_FIT_PROGRESSIVE",
            "InstanceRole": roles().instance_profile,
            "Ec2Configuration": [{ "ImageType": "ECS_AL2023_NVIDIA" }],
        })
    );
    assert_eq!(ce["Tags"], json!({ "cost-center": "42", "team": "vision" }));

    let q = &r["JobQueue"]["Properties"];
    assert_eq!(q["JobQueueName"], "infer-queue");
    assert_eq!(
        q["ComputeEnvironmentOrder"],
        json!([{ "ComputeEnvironment": { "Ref": "ComputeEnvironment" }, "Order": 1 }])
    );

    let td = &r["TaskDefinition"]["Properties"];
    assert_eq!(td["Family"], "infer-task");
    assert_eq!(
        (&td["Cpu"], &td["Memory"]),
        (&json!("4096"), &json!("15360"))
    );
    assert_eq!(td["NetworkMode"], "awsvpc");
    assert_eq!(td["RequiresCompatibilities"], json!(["EC2"]));
    let c = &td["ContainerDefinitions"][0];
    assert_eq!(c["Image"], "public.ecr.aws/docker/library/python:3.12-slim");
    assert_eq!(
        c["ResourceRequirements"],
        json!([{ "Type": "GPU", "Value": "1" }])
    );
    assert_eq!(
        c["PortMappings"],
        json!([{ "ContainerPort": 8080, "Protocol": "tcp" }])
    );
    // Log options are the driver's names, not field names: never re-cased.
    assert_eq!(
        c["LogConfiguration"]["Options"]["awslogs-group"],
        "/batch-inference/infer"
    );

    let jd = &r["JobDefinition"]["Properties"];
    assert_eq!(jd["JobDefinitionName"], "infer-job");
    assert_eq!(jd["PlatformCapabilities"], json!(["EC2"]));
    assert_eq!(
        jd["ContainerProperties"]["ResourceRequirements"],
        json!([
            { "Type": "VCPU", "Value": "4" },
            { "Type": "MEMORY", "Value": "15360" },
            { "Type": "GPU", "Value": "1" },
        ])
    );
    assert_eq!(jd["RetryStrategy"], json!({ "Attempts": 2 }));
    assert_eq!(jd["Timeout"], json!({ "AttemptDurationSeconds": 3600 }));
}

#[test]
fn fargate_jobs_get_a_public_ip_and_no_ec2_fields() {
    let t = cloudformation::template(&preset(Preset::CpuFargate));
    let r = &t["Resources"];
    let resources = &r["ComputeEnvironment"]["Properties"]["ComputeResources"];
    assert_eq!(
        resources.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["MaxvCpus", "SecurityGroupIds", "Subnets", "Type"]
    );
    let props = &r["JobDefinition"]["Properties"]["ContainerProperties"];
    assert_eq!(
        props["NetworkConfiguration"],
        json!({ "AssignPublicIp": "ENABLED" })
    );
    assert_eq!(
        props["FargatePlatformConfiguration"],
        json!({ "PlatformVersion": "LATEST" })
    );
    assert_eq!(
        props["ResourceRequirements"][0],
        json!({ "Type": "VCPU", "Value": "1" })
    );
}

#[test]
fn an_existing_group_is_referenced_by_its_arn_and_not_created() {
    let mut spec = preset(Preset::GpuG5);
    let arn = "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:uuid:autoScalingGroupName/theirs";
    spec.capacity.as_mut().unwrap().auto_scaling_group = AutoScalingGroupSource::Existing {
        arn: arn.into(),
        protect_from_scale_in: true,
    };
    let t = cloudformation::template(&spec);
    assert!(t["Resources"].get("AutoScalingGroup").is_none());
    assert!(t["Resources"].get("LaunchTemplate").is_none());
    assert_eq!(
        t["Resources"]["CapacityProvider"]["Properties"]["AutoScalingGroupProvider"]["AutoScalingGroupArn"],
        arn
    );
    let program = pulumi::program(&spec);
    assert!(!program.contains("aws.autoscaling.Group("));
    assert!(!program.contains("aws.ec2.LaunchTemplate("));
    assert!(program.contains(&format!("\"auto_scaling_group_arn\": \"{arn}\"")));
}

#[test]
fn queues_name_every_compute_environment_in_order_and_their_time_limits() {
    let mut spec = minimal();
    let q = spec.job_queue.as_mut().unwrap();
    q.extra_compute_environments =
        vec!["arn:aws:batch:us-east-1:123456789012:compute-environment/other".into()];
    q.job_state_time_limit_actions = vec![JobStateTimeLimitAction {
        reason: "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY".into(),
        max_time_seconds: 600,
    }];
    let t = cloudformation::template(&spec);
    let q = &t["Resources"]["JobQueue"]["Properties"];
    assert_eq!(
        q["ComputeEnvironmentOrder"],
        json!([
            { "ComputeEnvironment": { "Ref": "ComputeEnvironment" }, "Order": 1 },
            { "ComputeEnvironment": "arn:aws:batch:us-east-1:123456789012:compute-environment/other", "Order": 2 },
        ])
    );
    assert_eq!(
        q["JobStateTimeLimitActions"],
        json!([{
            "Action": "CANCEL",
            "MaxTimeSeconds": 600,
            "Reason": "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY",
            "State": "RUNNABLE",
        }])
    );
    let program = pulumi::program(&spec);
    assert!(program.contains(r#""compute_environment": "arn:aws:batch:us-east-1:123456789012:compute-environment/other""#), "{program}");
    assert!(program.contains(r#""max_time_seconds": 600"#), "{program}");
}

#[test]
fn the_program_uses_the_specs_region_role_and_names() {
    let mut spec = preset(Preset::SpotBatch);
    spec.assume_role = Some(AssumeRole {
        role_arn: "arn:aws:iam::210987654321:role/console".into(),
        external_id: Some("ext-1".into()),
    });
    spec.compute_environment.service_role = Some("arn:aws:iam::210987654321:role/batch".into());
    let program = pulumi::program(&spec);
    for needle in [
        "provider = aws.Provider(",
        r#"region="us-east-1""#,
        r#""role_arn": "arn:aws:iam::210987654321:role/console""#,
        r#""external_id": "ext-1""#,
        r#"compute_environment = aws.batch.ComputeEnvironment("#,
        r#"name="infer-ce""#,
        r#"service_role="arn:aws:iam::210987654321:role/batch""#,
        r#""type": "SPOT""#,
        r#""allocation_strategy": "SPOT_PRICE_CAPACITY_OPTIMIZED""#,
        r#""instance_types": ["c6i", "m6i", "c7i"]"#,
        r#""compute_environment": compute_environment.arn"#,
        "pulumi.export(\"job_queue_arn\", job_queue.arn)",
    ] {
        assert!(program.contains(needle), "{needle} missing from\n{program}");
    }
    // No placeholder of the seed program is left.
    for placeholder in [
        "Replace",
        "aws_subnet_ids",
        "aws_batch_service_role_arn",
        "TODO",
    ] {
        assert!(
            !program.contains(placeholder),
            "{placeholder} in\n{program}"
        );
    }
}

#[test]
fn strings_are_python_literals_whatever_they_hold() {
    let mut spec = minimal();
    spec.tags
        .insert("note".into(), "it's \"quoted\"\\ and\nnew\u{e9}".into());
    let program = pulumi::program(&spec);
    assert!(
        program.contains(r#""note": "it's \"quoted\"\\ and\nnew"#),
        "{program}"
    );
}

#[test]
fn formats_have_names_files_and_types() {
    for f in Format::ALL {
        assert_eq!(Format::parse(f.as_str()), Some(f));
    }
    assert_eq!(Format::parse("terraform"), None);
    let spec = minimal();
    assert_eq!(
        Format::CloudFormation.file_name(&spec),
        "infer.template.json"
    );
    assert_eq!(Format::Yaml.file_name(&spec), "infer.spec.yaml");
}

#[test]
fn a_version_1_spec_in_yaml_is_upgraded_like_json() {
    let yaml = "schema_version: 1\nname: infer\nregion: us-east-1\ncluster: {name: infer, container_insights: false}\ncompute_environment:\n  name: infer-ce\n  compute_type: FARGATE\n  max_vcpus: 16\n  subnets: [subnet-0123456789abcdef0]\n  security_group_ids: [sg-12345678]\n  service_role: null\njob_queue: {name: infer-queue, priority: 1, enabled: true}\n";
    let s = parse_spec(yaml).unwrap();
    assert_eq!(s.schema_version, crate::domain::SCHEMA_VERSION);
    assert_eq!(s.network.subnets, ["subnet-0123456789abcdef0"]);
    assert!(parse_spec("schema_version: 99\n").is_err());
    let newer = to_yaml(&minimal()).replace("schema_version: 2", "schema_version: 99");
    assert!(parse_spec(&newer).unwrap_err().contains("99"));
    assert!(parse_spec("name: [unclosed").unwrap_err().contains("YAML"));
}

// --- round trips ---

/// Strings YAML could read as something else (booleans, nulls, numbers, comments,
/// anchors, multi-line), and plain ones.
fn tricky() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "yes",
            "no",
            "true",
            "NULL",
            "~",
            "",
            "0x1F",
            "1e3",
            "0.5",
            "-",
            "- a",
            "a: b",
            "#c",
            "&anchor",
            "*ref",
            "!tag",
            "'q'",
            "\"dq\"",
            "multi\nline",
            " lead",
            "trail ",
            "tab\there",
            "é ü 日本",
        ])
        .prop_map(str::to_owned),
        ".{0,12}",
    ]
}

fn arb_spec() -> impl Strategy<Value = EnvironmentSpec> {
    (
        prop::sample::select(Preset::ALL.to_vec()),
        prop::collection::btree_map(tricky(), tricky(), 0..4),
        prop::collection::btree_map("[A-Z_]{1,8}", tricky(), 0..4),
        prop::sample::select(vec![0.25, 0.5, 1.0, 2.0, 4.0, 16.0]),
        1u32..10_000,
        any::<bool>(),
        prop::option::of(tricky()),
    )
        .prop_map(|(p, tags, env, vcpus, max, insights, external_id)| {
            let mut s = Preset::spec(p, "infer", "us-east-1", network(), &roles());
            s.tags = tags;
            s.cluster.container_insights = insights;
            s.compute_environment.max_vcpus = max;
            if let Some(j) = &mut s.job_definition {
                j.vcpus = vcpus;
                j.environment = env.clone();
            }
            if let Some(t) = &mut s.task_definition {
                t.containers[0].environment = env;
            }
            s.assume_role = external_id.map(|id| AssumeRole {
                role_arn: "arn:aws:iam::123456789012:role/console".into(),
                external_id: Some(id),
            });
            s
        })
}

proptest! {
    #[test]
    fn json_and_yaml_exports_read_back_as_the_same_spec(spec in arb_spec()) {
        let json = export(&spec, Format::Json);
        prop_assert_eq!(&parse_spec(&json).unwrap(), &spec);
        prop_assert_eq!(&EnvironmentSpec::from_json(&json).unwrap(), &spec);
        let yaml = export(&spec, Format::Yaml);
        prop_assert_eq!(&parse_spec(&yaml).unwrap(), &spec, "{}", yaml);
    }

    #[test]
    fn every_spec_exports_a_template_naming_its_resources(spec in arb_spec()) {
        let t = cloudformation::template(&spec);
        for kind in ResourceKind::ALL {
            let id = cloudformation::logical_id(kind);
            let present = t["Resources"].get(id).is_some();
            prop_assert_eq!(present, spec.resource_name(kind).is_some()
                || (kind == ResourceKind::CapacityProvider && spec.capacity.is_some()), "{}", id);
        }
        let program = pulumi::program(&spec);
        for kind in ResourceKind::ALL {
            if let Some(name) = spec.resource_name(kind) {
                let quoted = format!("\"{name}\"");
                prop_assert!(program.contains(&quoted), "{} missing", name);
            }
        }
    }
}

#[test]
fn the_presets_round_trip() {
    for p in Preset::ALL {
        let spec = preset(p);
        assert_eq!(parse_spec(&export(&spec, Format::Yaml)).unwrap(), spec);
        assert_eq!(parse_spec(&export(&spec, Format::Json)).unwrap(), spec);
    }
}
