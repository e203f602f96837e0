//! The exports of issue 7 against the tools that read them.
//!
//! - Pulumi: each preset's program passes `python3 -m py_compile`, then runs under a
//!   stand-in `pulumi` / `pulumi_aws` (`tests/fake_pulumi/`, argument names of
//!   pulumi-aws 7.51.1) that records every resource's constructor arguments as JSON;
//!   those are compared with the spec, field by field.
//! - CloudFormation: each preset's template passes cfn-lint (installed with moto; it
//!   checks every property name and type against CloudFormation's resource schemas),
//!   and creating it as a stack in moto creates the same resources, read back through
//!   the ECS, Batch, Auto Scaling and EC2 APIs.
//!
//! What moto 5.2.5's CloudFormation could not create: `AWS::ECS::CapacityProvider` and
//! `AWS::ECS::ClusterCapacityProviderAssociations` (no model in
//! `moto/cloudformation/parsing.py`: moto skips them with a warning, and the stack still
//! completes). The other seven types are created, but moto reads only part of their
//! properties: the cluster gets its name only (no settings, no tags); the task
//! definition its family, containers and memory (not cpu, network mode,
//! compatibilities, roles or tags); the job definition no platform capabilities and no
//! timeout (it reads `timeout`, not `Timeout`); the compute environment and job queue no
//! tags. moto also requires a compute environment's `ServiceRole` (AWS does not), so the
//! stack test gives the spec one. cfn-lint covers the properties moto leaves out.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use app::domain::EnvironmentSpec;
use app::domain::export::{self, Format};
use app::domain::spec::presets::Preset;
use app::domain::spec::{AutoScalingGroupSource, Network, Platform};
use base64::Engine as _;
use serde_json::{Value, json};
use server::aws::{AwsCloud, sdk_config};
use tower::ServiceExt as _;

fn python() -> String {
    std::env::var("CONSOLE_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn venv_bin(name: &str) -> String {
    format!("{}/../.venv/bin/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn network() -> Network {
    Network {
        vpc_id: "vpc-0a1b2c3d".into(),
        subnets: vec!["subnet-0123456789abcdef0".into(), "subnet-11111111".into()],
        security_group_ids: vec!["sg-12345678".into()],
    }
}

/// A preset on `network`, with tags and a Batch service role.
fn spec(p: Preset, name: &str, network: Network) -> EnvironmentSpec {
    let mut spec = p.spec(name, "us-east-1", network, &common::preset_roles());
    spec.tags = BTreeMap::from([
        ("team".into(), "vision".into()),
        ("cost-center".into(), "42".into()),
    ]);
    spec.compute_environment.service_role =
        Some("arn:aws:iam::123456789012:role/console-sandbox-batch-service-role".into());
    if let Some(j) = &mut spec.job_definition {
        j.environment.insert("MODEL".into(), "resnet-50".into());
    }
    assert_eq!(app::domain::validate(&spec), vec![]);
    spec
}

/// Runs the program of `spec` under the stand-in Pulumi; returns its record.
fn run_program(spec: &EnvironmentSpec, dir: &Path) -> Value {
    let program = dir.join("__main__.py");
    std::fs::write(&program, export::export(spec, Format::Pulumi)).unwrap();
    let compiled = Command::new(python())
        .args(["-m", "py_compile"])
        .arg(&program)
        .output()
        .expect("python3");
    assert!(
        compiled.status.success(),
        "py_compile: {}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    let record = dir.join("record.json");
    let ran = Command::new(python())
        .arg(&program)
        .env(
            "PYTHONPATH",
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fake_pulumi"),
        )
        .env("FAKE_PULUMI_RECORD", &record)
        .output()
        .expect("python3");
    assert!(
        ran.status.success(),
        "the program failed under the stand-in pulumi_aws:\n{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(record).unwrap()).unwrap()
}

/// The recorded resource of `class`, which must be the only one.
fn one<'a>(record: &'a Value, class: &str) -> &'a Value {
    let found: Vec<&Value> = record["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["class"] == class)
        .collect();
    assert_eq!(found.len(), 1, "{class}: {found:#?}");
    found[0]
}

fn tag_map(spec: &EnvironmentSpec) -> Value {
    json!(spec.tags)
}

/// A `{"name": k, "value": v}` list of an environment, by name.
fn env_vars(list: &Value) -> BTreeMap<String, String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|kv| {
            (
                kv["name"].as_str().unwrap().to_owned(),
                kv["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Every recorded argument that the spec determines, compared with the spec.
fn check_program(spec: &EnvironmentSpec, record: &Value) {
    let classes: Vec<&str> = record["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["class"].as_str().unwrap())
        .collect();
    let mut expected = vec!["Provider", "ecs.Cluster"];
    if let Some(c) = &spec.capacity {
        if matches!(c.auto_scaling_group, AutoScalingGroupSource::Create(_)) {
            expected.extend(["ec2.LaunchTemplate", "autoscaling.Group"]);
        }
        expected.extend(["ecs.CapacityProvider", "ecs.ClusterCapacityProviders"]);
    }
    expected.push("batch.ComputeEnvironment");
    if spec.job_queue.is_some() {
        expected.push("batch.JobQueue");
    }
    if spec.task_definition.is_some() {
        expected.push("ecs.TaskDefinition");
    }
    if spec.job_definition.is_some() {
        expected.push("batch.JobDefinition");
    }
    assert_eq!(classes, expected);

    let provider = one(record, "Provider");
    assert_eq!(provider["args"]["region"], spec.region.as_str());
    for r in record["resources"].as_array().unwrap().iter().skip(1) {
        assert_eq!(r["provider"], provider["name"], "{}", r["class"]);
        if r["class"] != "ecs.ClusterCapacityProviders" {
            let tags = &r["args"]["tags"];
            if r["class"] == "autoscaling.Group" {
                let by_key: BTreeMap<&str, &str> = tags
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| {
                        assert_eq!(t["propagate_at_launch"], true);
                        (t["key"].as_str().unwrap(), t["value"].as_str().unwrap())
                    })
                    .collect();
                assert_eq!(json!(by_key), tag_map(spec));
            } else {
                assert_eq!(*tags, tag_map(spec), "{}", r["class"]);
            }
        }
    }

    let cluster = &one(record, "ecs.Cluster")["args"];
    assert_eq!(cluster["name"], spec.cluster.name.as_str());
    assert_eq!(
        cluster["settings"],
        json!([{ "name": "containerInsights", "value": if spec.cluster.container_insights { "enabled" } else { "disabled" } }])
    );

    if let Some(c) = &spec.capacity {
        if let AutoScalingGroupSource::Create(g) = &c.auto_scaling_group {
            let lt = one(record, "ec2.LaunchTemplate");
            let a = &lt["args"];
            assert_eq!(a["name"], g.name.as_str());
            assert_eq!(
                a["image_id"],
                format!("resolve:ssm:{}", g.image().ami_parameter())
            );
            assert_eq!(
                a["iam_instance_profile"],
                json!({ "arn": g.instance_profile.as_deref().unwrap() })
            );
            assert_eq!(
                a["vpc_security_group_ids"],
                json!(spec.network.security_group_ids)
            );
            let user_data = base64::engine::general_purpose::STANDARD
                .decode(a["user_data"].as_str().unwrap())
                .unwrap();
            assert_eq!(
                String::from_utf8(user_data).unwrap(),
                format!(
                    "#!/bin/bash\necho ECS_CLUSTER={} >> /etc/ecs/ecs.config\n",
                    spec.cluster.name
                )
            );
            let group = one(record, "autoscaling.Group");
            assert_eq!(
                group["depends_on"],
                json!(["ecs.Cluster:".to_owned() + &spec.cluster.name])
            );
            let a = &group["args"];
            assert_eq!(a["name"], g.name.as_str());
            assert_eq!(a["min_size"], g.min_size);
            assert_eq!(a["max_size"], g.max_size);
            assert_eq!(a["desired_capacity"], g.desired_capacity);
            assert_eq!(a["protect_from_scale_in"], g.protect_from_scale_in);
            let subnets = if g.subnets.is_empty() {
                &spec.network.subnets
            } else {
                &g.subnets
            };
            assert_eq!(a["vpc_zone_identifiers"], json!(subnets));
            let template = &a["mixed_instances_policy"]["launch_template"];
            assert_eq!(
                template["launch_template_specification"],
                json!({ "launch_template_id": format!("ec2.LaunchTemplate:{}.id", g.name), "version": "$Latest" })
            );
            let types: Vec<&str> = template["overrides"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["instance_type"].as_str().unwrap())
                .collect();
            assert_eq!(types, g.instance_types);
        }
        let cp = &one(record, "ecs.CapacityProvider")["args"];
        assert_eq!(cp["name"], c.provider.name.as_str());
        let provider = &cp["auto_scaling_group_provider"];
        match &c.auto_scaling_group {
            AutoScalingGroupSource::Create(g) => assert_eq!(
                provider["auto_scaling_group_arn"],
                format!("autoscaling.Group:{}.arn", g.name)
            ),
            AutoScalingGroupSource::Existing { arn, .. } => {
                assert_eq!(provider["auto_scaling_group_arn"], arn.as_str())
            }
        }
        let m = &c.provider.managed_scaling;
        assert_eq!(
            provider["managed_scaling"],
            json!({
                "status": if m.enabled { "ENABLED" } else { "DISABLED" },
                "target_capacity": m.target_capacity,
                "minimum_scaling_step_size": m.minimum_scaling_step_size,
                "maximum_scaling_step_size": m.maximum_scaling_step_size,
                "instance_warmup_period": m.instance_warmup_period,
            })
        );
        let on = |b: bool| if b { "ENABLED" } else { "DISABLED" };
        assert_eq!(
            provider["managed_termination_protection"],
            on(c.provider.managed_termination_protection)
        );
        assert_eq!(
            provider["managed_draining"],
            on(c.provider.managed_draining)
        );
        let ccp = &one(record, "ecs.ClusterCapacityProviders")["args"];
        let provider_name = format!("ecs.CapacityProvider:{}.name", c.provider.name);
        assert_eq!(
            ccp["cluster_name"],
            format!("ecs.Cluster:{}.name", spec.cluster.name)
        );
        assert_eq!(ccp["capacity_providers"], json!([provider_name]));
        assert_eq!(
            ccp["default_capacity_provider_strategies"],
            json!([{ "capacity_provider": provider_name, "base": c.strategy.base, "weight": c.strategy.weight }])
        );
    }

    let ce = &spec.compute_environment;
    let a = &one(record, "batch.ComputeEnvironment")["args"];
    assert_eq!(a["name"], ce.name.as_str());
    assert_eq!(a["type"], "MANAGED");
    assert_eq!(a["state"], if ce.enabled { "ENABLED" } else { "DISABLED" });
    assert_eq!(a["service_role"], json!(ce.service_role));
    let r = &a["compute_resources"];
    assert_eq!(r["type"], ce.compute_type.as_aws());
    assert_eq!(r["max_vcpus"], ce.max_vcpus);
    assert_eq!(r["subnets"], json!(ce.subnets));
    assert_eq!(r["security_group_ids"], json!(ce.security_group_ids));
    if ce.compute_type.is_fargate() {
        assert_eq!(r.as_object().unwrap().len(), 4, "{r:#}");
    } else {
        assert_eq!(r["min_vcpus"], ce.min_vcpus);
        assert_eq!(r["instance_types"], json!(ce.instance_types));
        assert_eq!(
            r["allocation_strategy"],
            json!(ce.allocation_strategy.map(|s| s.as_aws()))
        );
        assert_eq!(r["instance_role"], json!(ce.instance_role));
        assert_eq!(
            r["ec2_configurations"],
            json!([{ "image_type": ce.image_type.unwrap().as_aws() }])
        );
    }

    if let Some(q) = &spec.job_queue {
        let a = &one(record, "batch.JobQueue")["args"];
        assert_eq!(a["name"], q.name.as_str());
        assert_eq!(a["priority"], q.priority);
        assert_eq!(a["state"], if q.enabled { "ENABLED" } else { "DISABLED" });
        assert_eq!(
            a["compute_environment_orders"],
            json!([{ "order": 1, "compute_environment": format!("batch.ComputeEnvironment:{}.arn", ce.name) }])
        );
    }

    if let Some(t) = &spec.task_definition {
        let a = &one(record, "ecs.TaskDefinition")["args"];
        assert_eq!(a["family"], t.family.as_str());
        assert_eq!(a["cpu"], json!(t.cpu.map(|c| c.to_string())));
        assert_eq!(a["memory"], json!(t.memory.map(|m| m.to_string())));
        assert_eq!(a["network_mode"], "awsvpc");
        assert_eq!(a["execution_role_arn"], json!(t.execution_role));
        assert_eq!(a["task_role_arn"], json!(t.task_role));
        let containers: Value =
            serde_json::from_str(a["container_definitions"].as_str().unwrap()).unwrap();
        assert_eq!(containers.as_array().unwrap().len(), t.containers.len());
        for (c, spec_c) in containers.as_array().unwrap().iter().zip(&t.containers) {
            assert_eq!(c["name"], spec_c.name.as_str());
            assert_eq!(c["image"], spec_c.image.as_str());
            assert_eq!(c["command"], json!(spec_c.command));
            assert_eq!(c["essential"], spec_c.essential);
            assert_eq!(env_vars(&c["environment"]), spec_c.environment);
            let gpus = c["resourceRequirements"]
                .as_array()
                .and_then(|r| r.iter().find(|r| r["type"] == "GPU"))
                .map_or(0, |r| r["value"].as_str().unwrap().parse::<u32>().unwrap());
            assert_eq!(gpus, spec_c.gpus);
            let ports: Vec<u64> = c["portMappings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["containerPort"].as_u64().unwrap())
                .collect();
            let want: Vec<u64> = spec_c
                .port_mappings
                .iter()
                .map(|p| u64::from(p.container_port))
                .collect();
            assert_eq!(ports, want);
            let logs = spec_c.log_configuration.as_ref().unwrap();
            assert_eq!(c["logConfiguration"]["logDriver"], logs.driver.as_str());
            assert_eq!(c["logConfiguration"]["options"], json!(logs.options));
        }
    }

    if let Some(j) = &spec.job_definition {
        let a = &one(record, "batch.JobDefinition")["args"];
        assert_eq!(a["name"], j.name.as_str());
        assert_eq!(a["type"], "container");
        let platform = match j.platform {
            Platform::Ec2 => "EC2",
            Platform::Fargate => "FARGATE",
        };
        assert_eq!(a["platform_capabilities"], json!([platform]));
        assert_eq!(a["retry_strategy"], json!({ "attempts": j.retry_attempts }));
        assert_eq!(
            a["timeout"],
            json!({ "attempt_duration_seconds": j.timeout_seconds.unwrap() })
        );
        let p: Value = serde_json::from_str(a["container_properties"].as_str().unwrap()).unwrap();
        assert_eq!(p["image"], j.image.as_str());
        assert_eq!(p["command"], json!(j.command));
        assert_eq!(p["jobRoleArn"], json!(j.job_role));
        assert_eq!(p["executionRoleArn"], json!(j.execution_role));
        assert_eq!(env_vars(&p["environment"]), j.environment);
        let requirements: BTreeMap<&str, &str> = p["resourceRequirements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["type"].as_str().unwrap(), r["value"].as_str().unwrap()))
            .collect();
        assert_eq!(requirements["VCPU"].parse::<f64>().unwrap(), j.vcpus);
        assert_eq!(requirements["MEMORY"], j.memory.to_string());
        assert_eq!(
            requirements.get("GPU").map(|g| g.to_string()),
            (j.gpus > 0).then(|| j.gpus.to_string())
        );
        let fargate = j.platform == Platform::Fargate;
        assert_eq!(
            p.get("networkConfiguration").is_some(),
            fargate,
            "Fargate jobs need a public IP in the default VPC"
        );
    }

    let exports = record["exports"].as_object().unwrap();
    assert_eq!(
        exports["cluster_arn"],
        format!("ecs.Cluster:{}.arn", spec.cluster.name)
    );
    assert_eq!(
        exports["compute_environment_arn"],
        format!("batch.ComputeEnvironment:{}.arn", ce.name)
    );
}

#[test]
fn pulumi_programs_compile_and_their_arguments_match_the_spec() {
    for p in Preset::ALL {
        let spec = spec(p, "infer", network());
        let dir = tempfile::tempdir().unwrap();
        let record = run_program(&spec, dir.path());
        check_program(&spec, &record);
    }
}

#[test]
fn a_pulumi_program_over_an_existing_group_and_a_role_to_assume() {
    let mut spec = spec(Preset::GpuG5, "infer", network());
    spec.capacity.as_mut().unwrap().auto_scaling_group = AutoScalingGroupSource::Existing {
        arn: "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:0b6a:autoScalingGroupName/theirs".into(),
        protect_from_scale_in: true,
    };
    spec.assume_role = Some(app::domain::spec::AssumeRole {
        role_arn: "arn:aws:iam::210987654321:role/console".into(),
        external_id: Some("it's \"ext\"".into()),
    });
    let dir = tempfile::tempdir().unwrap();
    let record = run_program(&spec, dir.path());
    check_program(&spec, &record);
    assert_eq!(
        one(&record, "Provider")["args"]["assume_roles"],
        json!([{ "role_arn": "arn:aws:iam::210987654321:role/console", "external_id": "it's \"ext\"" }])
    );
}

#[test]
fn the_stand_in_refuses_an_argument_pulumi_aws_does_not_have() {
    // The check above is only as good as the stand-in: a misspelt argument must fail.
    let spec = spec(Preset::CpuFargate, "infer", network());
    let dir = tempfile::tempdir().unwrap();
    let program = export::export(&spec, Format::Pulumi)
        .replace("compute_resources=", "compute_resource=")
        .replace("\"max_vcpus\"", "\"maxvcpus\"");
    std::fs::write(dir.path().join("bad.py"), program).unwrap();
    let ran = Command::new(python())
        .arg(dir.path().join("bad.py"))
        .env(
            "PYTHONPATH",
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fake_pulumi"),
        )
        .output()
        .unwrap();
    assert!(!ran.status.success());
    assert!(
        String::from_utf8_lossy(&ran.stderr)
            .contains("unexpected keyword argument 'compute_resource'")
    );
}

#[test]
fn cloudformation_templates_pass_cfn_lint() {
    let dir = tempfile::tempdir().unwrap();
    for p in Preset::ALL {
        let spec = spec(p, "infer", network());
        let path = dir.path().join(Format::CloudFormation.file_name(&spec));
        std::fs::write(&path, export::export(&spec, Format::CloudFormation)).unwrap();
        let out = Command::new(venv_bin("cfn-lint"))
            .args(["--regions", "us-east-1", "--"])
            .arg(&path)
            .output()
            .expect("cfn-lint (installed with moto[server] by .ci/setup.sh)");
        assert!(
            out.status.success(),
            "{p:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // And cfn-lint does catch a misspelt property.
    let spec = spec(Preset::GpuG5, "infer", network());
    let bad = export::export(&spec, Format::CloudFormation).replace("\"MaxvCpus\"", "\"MaxVcpus\"");
    let path = dir.path().join("bad.json");
    std::fs::write(&path, bad).unwrap();
    let out = Command::new(venv_bin("cfn-lint"))
        .args(["--regions", "us-east-1", "--"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloudformation_stacks_in_moto_create_the_same_resources() {
    let moto = common::moto().await;
    let config = sdk_config(Some(&moto.endpoint), Some("us-east-1")).await;
    let direct = AwsCloud::new(config.clone());
    let role = direct.ensure_sandbox_batch_role().await.unwrap();
    let network = app::engine::Cloud::default_network(&direct, "us-east-1")
        .await
        .unwrap()
        .unwrap();
    // The presets' instance profile exists in the account (moto checks, as AWS does).
    aws_sdk_iam::Client::new(&config)
        .create_instance_profile()
        .instance_profile_name("ecsInstanceRole")
        .send()
        .await
        .unwrap();
    let aws = common::aws(&moto.endpoint).await;
    let cfn = aws_sdk_cloudformation::Client::new(&config);

    for (p, name) in [
        (Preset::GpuG5, "gpu"),
        (Preset::CpuFargate, "cpu"),
        (Preset::SpotBatch, "spot"),
    ] {
        let mut spec = spec(p, name, network.clone());
        spec.compute_environment.service_role = Some(role.clone());
        let template = export::export(&spec, Format::CloudFormation);
        let stack = format!("{name}-stack");
        cfn.create_stack()
            .stack_name(&stack)
            .template_body(&template)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{p:?}: {e:?}"));
        let described = cfn
            .describe_stacks()
            .stack_name(&stack)
            .send()
            .await
            .unwrap();
        let status = described.stacks()[0]
            .stack_status()
            .unwrap()
            .as_str()
            .to_owned();
        assert_eq!(
            status,
            "CREATE_COMPLETE",
            "{p:?}: {:?}",
            described.stacks()[0]
        );
        let listed = cfn
            .list_stack_resources()
            .stack_name(&stack)
            .send()
            .await
            .unwrap();
        // moto lists what it has no model for without a type: those were not created.
        let (mut created, mut skipped): (Vec<_>, Vec<_>) = listed
            .stack_resource_summaries()
            .iter()
            .map(|r| {
                (
                    r.resource_type().unwrap_or_default().to_owned(),
                    r.logical_resource_id().unwrap_or_default().to_owned(),
                )
            })
            .partition(|(kind, _)| !kind.is_empty());
        created.sort();
        skipped.sort();
        let template: Value = serde_json::from_str(&template).unwrap();
        let mut declared: Vec<(String, String)> = template["Resources"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(id, r)| (r["Type"].as_str().unwrap().to_owned(), id.clone()))
            .collect();
        declared.sort();
        let unsupported = [
            "AWS::ECS::CapacityProvider",
            "AWS::ECS::ClusterCapacityProviderAssociations",
        ];
        let (not_in_moto, in_moto): (Vec<_>, Vec<_>) = declared
            .into_iter()
            .partition(|(kind, _)| unsupported.contains(&kind.as_str()));
        assert_eq!(created, in_moto, "{p:?}");
        // moto lists them with neither type nor logical id.
        assert_eq!(skipped.len(), not_in_moto.len(), "{p:?}: {not_in_moto:?}");
        assert!(skipped.iter().all(|(_, id)| id.is_empty()), "{skipped:?}");

        check_stack(&aws, &spec).await;
    }
}

/// The resources of `spec`, read back from moto through the service APIs.
async fn check_stack(aws: &common::Aws, spec: &EnvironmentSpec) {
    assert!(aws.cluster_names().await.contains(&spec.cluster.name));

    let ce = &spec.compute_environment;
    let out = aws
        .batch
        .describe_compute_environments()
        .compute_environments(&ce.name)
        .send()
        .await
        .unwrap();
    let found = &out.compute_environments()[0];
    assert_eq!(found.r#type().unwrap().as_str(), "MANAGED");
    assert_eq!(found.service_role(), ce.service_role.as_deref());
    let r = found.compute_resources().unwrap();
    assert_eq!(
        r.r#type().map(|t| t.as_str()),
        Some(ce.compute_type.as_aws())
    );
    assert_eq!(r.maxv_cpus(), Some(i32::try_from(ce.max_vcpus).unwrap()));
    assert_eq!(r.subnets(), ce.subnets.as_slice());
    assert_eq!(r.security_group_ids(), ce.security_group_ids.as_slice());
    if !ce.compute_type.is_fargate() {
        assert_eq!(r.instance_types(), ce.instance_types.as_slice());
        assert_eq!(r.instance_role(), ce.instance_role.as_deref());
        assert_eq!(r.minv_cpus(), Some(i32::try_from(ce.min_vcpus).unwrap()));
    }
    let ce_arn = found.compute_environment_arn().unwrap().to_owned();

    if let Some(q) = &spec.job_queue {
        let out = aws
            .batch
            .describe_job_queues()
            .job_queues(&q.name)
            .send()
            .await
            .unwrap();
        let found = &out.job_queues()[0];
        assert_eq!(found.priority(), Some(i32::try_from(q.priority).unwrap()));
        assert_eq!(found.state().unwrap().as_str(), "ENABLED");
        let order = found.compute_environment_order();
        assert_eq!(order.len(), 1);
        assert_eq!(order[0].compute_environment(), Some(ce_arn.as_str()));
    }

    if let Some(t) = &spec.task_definition {
        let out = aws
            .ecs
            .describe_task_definition()
            .task_definition(&t.family)
            .send()
            .await
            .unwrap();
        let d = out.task_definition().unwrap();
        assert_eq!(d.family(), Some(t.family.as_str()));
        assert_eq!(d.memory(), t.memory.map(|m| m.to_string()).as_deref());
        let c = &d.container_definitions()[0];
        assert_eq!(c.image(), Some(t.containers[0].image.as_str()));
        assert_eq!(c.command(), t.containers[0].command.as_slice());
    }

    if let Some(j) = &spec.job_definition {
        let out = aws
            .batch
            .describe_job_definitions()
            .job_definition_name(&j.name)
            .send()
            .await
            .unwrap();
        let d = &out.job_definitions()[0];
        assert_eq!(
            d.retry_strategy().and_then(|r| r.attempts()),
            Some(i32::try_from(j.retry_attempts).unwrap())
        );
        let c = d.container_properties().unwrap();
        assert_eq!(c.image(), Some(j.image.as_str()));
        assert_eq!(c.job_role_arn(), j.job_role.as_deref());
        let requirements: BTreeMap<&str, &str> = c
            .resource_requirements()
            .iter()
            .filter_map(|r| Some((r.r#type()?.as_str(), r.value()?)))
            .collect();
        assert_eq!(requirements["VCPU"].parse::<f64>().unwrap(), j.vcpus);
        assert_eq!(requirements["MEMORY"], j.memory.to_string());
        let env: BTreeMap<String, String> = c
            .environment()
            .iter()
            .map(|kv| {
                (
                    kv.name().unwrap().to_owned(),
                    kv.value().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(env, j.environment);
    }

    if let Some(c) = &spec.capacity
        && let AutoScalingGroupSource::Create(g) = &c.auto_scaling_group
    {
        assert!(aws.launch_template_names().await.contains(&g.name));
        let templates = aws
            .ec2
            .describe_launch_templates()
            .launch_template_names(&g.name)
            .send()
            .await
            .unwrap();
        let template_id = templates.launch_templates()[0]
            .launch_template_id()
            .unwrap()
            .to_owned();
        let versions = aws
            .ec2
            .describe_launch_template_versions()
            .launch_template_id(&template_id)
            .send()
            .await
            .unwrap();
        let data = versions.launch_template_versions()[0]
            .launch_template_data()
            .unwrap();
        assert_eq!(
            data.image_id(),
            Some(format!("resolve:ssm:{}", g.image().ami_parameter()).as_str())
        );
        assert_eq!(
            data.security_group_ids(),
            spec.network.security_group_ids.as_slice()
        );
        let user_data = base64::engine::general_purpose::STANDARD
            .decode(data.user_data().unwrap())
            .unwrap();
        assert_eq!(
            String::from_utf8(user_data).unwrap(),
            format!(
                "#!/bin/bash\necho ECS_CLUSTER={} >> /etc/ecs/ecs.config\n",
                spec.cluster.name
            )
        );

        let out = aws
            .autoscaling
            .describe_auto_scaling_groups()
            .auto_scaling_group_names(&g.name)
            .send()
            .await
            .unwrap();
        let found = &out.auto_scaling_groups()[0];
        assert_eq!(found.min_size(), Some(i32::try_from(g.min_size).unwrap()));
        assert_eq!(found.max_size(), Some(i32::try_from(g.max_size).unwrap()));
        assert_eq!(
            found.desired_capacity(),
            Some(i32::try_from(g.desired_capacity).unwrap())
        );
        assert_eq!(
            found.new_instances_protected_from_scale_in(),
            Some(g.protect_from_scale_in)
        );
        let subnets: Vec<&str> = found
            .vpc_zone_identifier()
            .unwrap_or_default()
            .split(',')
            .collect();
        assert_eq!(subnets, spec.network.subnets);
        let template = found
            .mixed_instances_policy()
            .and_then(|p| p.launch_template())
            .unwrap();
        assert_eq!(
            template
                .launch_template_specification()
                .and_then(|s| s.launch_template_id()),
            Some(template_id.as_str())
        );
        let types: Vec<&str> = template
            .overrides()
            .iter()
            .filter_map(|o| o.instance_type())
            .collect();
        assert_eq!(types, g.instance_types);
        let tags: BTreeMap<&str, &str> = found
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?, t.value()?)))
            .filter(|(k, _)| !k.starts_with("aws:"))
            .collect();
        assert_eq!(json!(tags), json!(spec.tags));
        // moto has no CloudFormation model of capacity providers: none was made.
        assert!(!aws.has_capacity_provider(&c.provider.name).await);
    }
}

/// The download links of the environment page, through the whole router: the file with
/// its type and name, for the owner; refusals for others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_environment_page_links_to_downloads_of_every_format() {
    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use common::client::{Client, console};

    let moto = common::moto().await;
    let dir = tempfile::tempdir().unwrap();
    let console = console(&moto.endpoint, &dir).await;
    let signed_up = |name: &'static str| {
        let router = console.router.clone();
        async move {
            let mut c = Client {
                router,
                cookie: None,
            };
            let r = c
                .credentials("sign_up", name, "correct horse battery")
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            c
        }
    };
    let mut owner = signed_up("owner").await;
    let info: app::api::types::SessionInfo =
        serde_json::from_str(&owner.call("get_session", &[]).await.body).unwrap();
    let role = info.aws.default_service_role.unwrap();
    let r = owner.create("exported", "us-east-1", "16", &role).await;
    let id = r.location.unwrap().split('/').nth(2).unwrap().to_owned();
    let editor: app::api::types::SpecEditor =
        serde_json::from_str(&owner.call("get_spec_editor", &[("id", &id)]).await.body).unwrap();
    let spec = EnvironmentSpec::from_json(&editor.spec_json).unwrap();

    let page = owner.get(&format!("/environments/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for format in Format::ALL {
        let url = app::api::export::export_url(&id, format);
        assert!(
            page.body.contains(&url.replace('&', "&amp;")),
            "{url} not on the page"
        );
        // As a browser follows the link (HTML accepted), with and without a Referer.
        for referer in [None, Some(format!("http://localhost/environments/{id}"))] {
            let mut req = Request::get(&url)
                .header(header::ACCEPT, "text/html")
                .header(header::COOKIE, owner.cookie.clone().unwrap());
            if let Some(r) = &referer {
                req = req.header(header::REFERER, r);
            }
            let res = owner
                .router
                .clone()
                .oneshot(req.body(Body::empty()).unwrap())
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{format:?} {referer:?}");
            assert_eq!(
                res.headers()[header::CONTENT_TYPE],
                format.content_type(),
                "{format:?}"
            );
            assert_eq!(
                res.headers()[header::CONTENT_DISPOSITION],
                format!("attachment; filename=\"{}\"", format.file_name(&spec)).as_str()
            );
            let body = http_body_util::BodyExt::collect(res.into_body())
                .await
                .unwrap()
                .to_bytes();
            let body = String::from_utf8(body.to_vec()).unwrap();
            assert_eq!(body, export::export(&spec, format), "{format:?}");
            if matches!(format, Format::Json | Format::Yaml) {
                assert_eq!(export::parse_spec(&body).unwrap(), spec);
            }
        }
    }

    let url = |format: &str| format!("/api/export_environment?id={id}&format={format}");
    let r = owner.get(&url("terraform")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let mut other = signed_up("other").await;
    assert_eq!(other.get(&url("json")).await.status, StatusCode::NOT_FOUND);
    let mut anonymous = Client {
        router: console.router.clone(),
        cookie: None,
    };
    assert_eq!(
        anonymous.get(&url("json")).await.status,
        StatusCode::UNAUTHORIZED
    );
}
