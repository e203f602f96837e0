//! The engine driving the real AWS SDK against a moto server: apply, plan again, destroy,
//! resume after an interrupted run, and AWS errors reported with their step and code.

mod common;

use app::domain::spec::presets::Preset;
use app::domain::spec::{AutoScalingGroupSource, CapacitySpec, NewAutoScalingGroup};
use app::domain::{EnvironmentSpec, RecordStatus, RecordedResource, ResourceKind, RunKind, plan};
use app::engine::{Cloud, DesiredResource, EnvironmentRecord, Store, execute, start_run};
use base64::Engine as _;
use common::engine::{Fixture, fixture, fixture_with, observed, run};
use common::preset_roles;
use server::aws::{AwsCloud, sdk_config};

#[tokio::test]
async fn apply_creates_tagged_resources_then_destroy_removes_them() {
    let f = fixture("infer", None).await;
    run(&f, RunKind::Apply).await.unwrap();

    // AWS has exactly the three resources, VALID / ACTIVE, tagged with the environment.
    assert_eq!(f.aws.cluster_names().await, vec!["infer"]);
    assert_eq!(f.aws.compute_environment_names().await, vec!["infer-ce"]);
    assert_eq!(f.aws.job_queue_names().await, vec!["infer-queue"]);
    let cluster = f
        .aws
        .ecs
        .describe_clusters()
        .clusters("infer")
        .include(aws_sdk_ecs::types::ClusterField::Tags)
        .send()
        .await
        .unwrap();
    let cluster = &cluster.clusters()[0];
    assert_eq!(cluster.status(), Some("ACTIVE"));
    assert!(
        cluster
            .tags()
            .iter()
            .any(|t| t.key() == Some("console:environment-id")
                && t.value() == Some(f.env.id.as_str()))
    );
    let queues = f
        .aws
        .batch
        .describe_job_queues()
        .job_queues("infer-queue")
        .send()
        .await
        .unwrap();
    let queue = &queues.job_queues()[0];
    assert_eq!(
        queue.tags().unwrap().get("console:environment-id"),
        Some(&f.env.id)
    );

    // The journal holds the ARNs AWS reports, and the queue points at the compute environment.
    let recorded = f.store.journal(&f.env.id).await.unwrap().resources;
    assert!(recorded.iter().all(|r| r.status == RecordStatus::Created));
    let arn_of = |k| {
        recorded
            .iter()
            .find(|r| r.kind == k)
            .unwrap()
            .arn
            .clone()
            .unwrap()
    };
    assert_eq!(
        Some(arn_of(ResourceKind::JobQueue).as_str()),
        queue.job_queue_arn()
    );
    assert_eq!(
        arn_of(ResourceKind::Cluster),
        cluster.cluster_arn().unwrap()
    );
    assert_eq!(
        queue.compute_environment_order()[0].compute_environment(),
        Some(arn_of(ResourceKind::ComputeEnvironment).as_str())
    );

    // Planning again after apply yields no changes, and AWS agrees with the journal.
    let journal = f.store.journal(&f.env.id).await.unwrap();
    let now = observed(&f).await;
    let again = plan(&f.env.spec, &journal, &now);
    assert!(!again.has_changes());
    assert_eq!(again.drift, vec![]);

    // A change made behind the console's back is reported as drift, field by field.
    f.aws
        .batch
        .update_job_queue()
        .job_queue("infer-queue")
        .priority(7)
        .send()
        .await
        .unwrap();
    let drift = plan(&f.env.spec, &journal, &observed(&f).await).drift;
    assert_eq!(drift.len(), 1, "{drift:?}");
    assert_eq!(
        (
            drift[0].field.as_str(),
            drift[0].recorded.as_str(),
            drift[0].observed.as_str()
        ),
        ("priority", "1", "7")
    );
    let last = f.store.latest_run(&f.env.id).await.unwrap().unwrap();
    assert_eq!(last.state, app::domain::RunState::Succeeded);

    run(&f, RunKind::Destroy).await.unwrap();
    assert_eq!(f.aws.cluster_names().await, Vec::<String>::new());
    assert_eq!(
        f.aws.compute_environment_names().await,
        Vec::<String>::new()
    );
    assert_eq!(f.aws.job_queue_names().await, Vec::<String>::new());
    assert_eq!(f.store.journal(&f.env.id).await.unwrap().resources, vec![]);
}

#[tokio::test]
async fn a_pending_entry_left_by_a_crash_is_adopted_not_created_twice() {
    let f = fixture("resume", None).await;
    // A previous run journalled the compute environment as pending, called AWS, and
    // crashed before recording the ARN.
    let arn = f
        .cloud
        .create(
            "us-east-1",
            DesiredResource::ComputeEnvironment(&f.env.spec.compute_environment),
            &[],
        )
        .await
        .unwrap();
    f.store
        .record_resource(
            &f.env.id,
            &RecordedResource {
                kind: ResourceKind::ComputeEnvironment,
                name: "resume-ce".into(),
                arn: None,
                status: RecordStatus::Pending,
                settings: Default::default(),
            },
        )
        .await
        .unwrap();

    run(&f, RunKind::Apply).await.unwrap();

    assert_eq!(f.aws.compute_environment_names().await, vec!["resume-ce"]);
    let recorded = f.store.journal(&f.env.id).await.unwrap().resources;
    let ce = recorded
        .iter()
        .find(|r| r.kind == ResourceKind::ComputeEnvironment)
        .unwrap();
    assert_eq!(ce.arn.as_deref(), Some(arn.as_str()));
    assert_eq!(ce.status, RecordStatus::Created);
}

#[tokio::test]
async fn a_resource_carrying_the_environments_tag_is_adopted_even_without_a_journal_entry() {
    // A create whose answer was lost: AWS made the resource (with the environment's tag),
    // the journal never learnt its ARN, and the pending entry is gone.
    let f = fixture("lost", None).await;
    let arn = f
        .cloud
        .create(
            "us-east-1",
            DesiredResource::ComputeEnvironment(&f.env.spec.compute_environment),
            &app::engine::tags_for(&f.env.id),
        )
        .await
        .unwrap();
    run(&f, RunKind::Apply).await.unwrap();
    assert_eq!(f.aws.compute_environment_names().await, vec!["lost-ce"]);
    let recorded = f.store.journal(&f.env.id).await.unwrap().resources;
    let ce = recorded
        .iter()
        .find(|r| r.kind == ResourceKind::ComputeEnvironment)
        .unwrap();
    assert_eq!(ce.arn.as_deref(), Some(arn.as_str()));
    // Another environment's tag is not enough.
    let g = fixture("foreign", None).await;
    g.cloud
        .create(
            "us-east-1",
            DesiredResource::ComputeEnvironment(&g.env.spec.compute_environment),
            &app::engine::tags_for("some-other-environment"),
        )
        .await
        .unwrap();
    let err = run(&g, RunKind::Apply).await.unwrap_err().to_string();
    assert!(err.contains("not created by this environment"), "{err}");
}

#[tokio::test]
async fn a_resource_of_the_same_name_not_created_by_the_environment_is_refused() {
    let f = fixture("taken", None).await;
    f.cloud
        .create(
            "us-east-1",
            DesiredResource::ComputeEnvironment(&f.env.spec.compute_environment),
            &[],
        )
        .await
        .unwrap();
    let err = run(&f, RunKind::Apply).await.unwrap_err().to_string();
    assert!(
        err.contains("create Batch compute environment taken-ce"),
        "{err}"
    );
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(f.aws.job_queue_names().await, Vec::<String>::new());
}

#[tokio::test]
async fn an_aws_error_stops_the_run_with_step_operation_and_code() {
    let f = fixture(
        "broken",
        Some("arn:aws:iam::123456789012:role/does-not-exist".into()),
    )
    .await;
    let err = run(&f, RunKind::Apply).await.unwrap_err().to_string();
    assert!(
        err.starts_with(
            "create Batch compute environment broken-ce: batch:CreateComputeEnvironment failed: "
        ),
        "{err}"
    );
    assert!(err.contains("Could not find IAM role"), "{err}");
    let last = f.store.latest_run(&f.env.id).await.unwrap().unwrap();
    assert_eq!(last.state, app::domain::RunState::Failed);
    assert_eq!(last.error.as_deref(), Some(err.as_str()));
    // AWS answered with an error: nothing was created, so no pending entry remains; the
    // cluster (created before) stays journalled for destroy.
    let recorded = f.store.journal(&f.env.id).await.unwrap().resources;
    assert_eq!(
        recorded.iter().map(|r| r.kind).collect::<Vec<_>>(),
        vec![ResourceKind::Cluster]
    );
    // Destroy cleans up what was created.
    run(&f, RunKind::Destroy).await.unwrap();
    assert_eq!(f.aws.cluster_names().await, Vec::<String>::new());
}

#[tokio::test]
async fn a_second_run_is_refused_while_one_is_in_progress() {
    let f = fixture("busy", None).await;
    let _first = start_run(&f.store, &f.env, RunKind::Apply, "alice")
        .await
        .unwrap();
    let err = start_run(&f.store, &f.env, RunKind::Destroy, "bob")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("apply in progress by alice since "),
        "{err}"
    );
}

#[tokio::test]
async fn a_spot_compute_environment_is_created_with_its_settings() {
    use app::domain::spec::{AllocationStrategy, ComputeType, ImageType};
    let f = fixture_with("spot", None, |spec, _| {
        let ce = &mut spec.compute_environment;
        ce.compute_type = ComputeType::Spot;
        ce.allocation_strategy = Some(AllocationStrategy::SpotPriceCapacityOptimized);
        ce.max_vcpus = 64;
        ce.instance_types = vec!["c5.large".into(), "m5.large".into()];
        ce.image_type = Some(ImageType::EcsAl2023);
        ce.bid_percentage = Some(80);
        ce.instance_role =
            Some("arn:aws:iam::123456789012:instance-profile/ecsInstanceRole".into());
        spec.tags.insert("team".into(), "vision".into());
    })
    .await;
    // The instance profile exists in the account (moto checks, as AWS does).
    let config = sdk_config(Some(&f._moto.endpoint), Some("us-east-1")).await;
    aws_sdk_iam::Client::new(&config)
        .create_instance_profile()
        .instance_profile_name("ecsInstanceRole")
        .send()
        .await
        .unwrap();

    run(&f, RunKind::Apply).await.unwrap();

    let out = f
        .aws
        .batch
        .describe_compute_environments()
        .compute_environments("spot-ce")
        .send()
        .await
        .unwrap();
    let ce = &out.compute_environments()[0];
    let cr = ce.compute_resources().unwrap();
    assert_eq!(cr.r#type().unwrap().as_str(), "SPOT");
    assert_eq!(
        cr.allocation_strategy().unwrap().as_str(),
        "SPOT_PRICE_CAPACITY_OPTIMIZED"
    );
    assert_eq!(cr.instance_types(), ["c5.large", "m5.large"]);
    assert_eq!(cr.maxv_cpus(), Some(64));
    assert_eq!(cr.bid_percentage(), Some(80));
    assert_eq!(
        cr.instance_role(),
        Some("arn:aws:iam::123456789012:instance-profile/ecsInstanceRole")
    );
    assert_eq!(cr.ec2_configuration()[0].image_type(), Some("ECS_AL2023"));
    assert_eq!(
        ce.tags().unwrap().get("team").map(String::as_str),
        Some("vision")
    );
    assert_eq!(
        ce.tags().unwrap().get("console:environment-id"),
        Some(&f.env.id)
    );
}

#[tokio::test]
async fn task_and_job_definitions_are_registered_tagged_and_deregistered() {
    let f = fixture_with("defs", None, |spec, _| {
        let preset = app::domain::spec::presets::Preset::CpuFargate.spec(
            "defs",
            "us-east-1",
            spec.network.clone(),
            &preset_roles(),
        );
        spec.task_definition = preset.task_definition;
        spec.job_definition = preset.job_definition;
    })
    .await;
    let family = f.env.spec.task_definition.as_ref().unwrap().family.clone();
    let job = f.env.spec.job_definition.as_ref().unwrap().name.clone();
    run(&f, RunKind::Apply).await.unwrap();

    // ECS and Batch hold one active revision each, tagged, as the journal says.
    let td = f
        .aws
        .ecs
        .describe_task_definition()
        .task_definition(&family)
        .include(aws_sdk_ecs::types::TaskDefinitionField::Tags)
        .send()
        .await
        .unwrap();
    let recorded = f.store.journal(&f.env.id).await.unwrap().resources;
    let arn_of = |kind| {
        recorded
            .iter()
            .find(|r| r.kind == kind)
            .and_then(|r| r.arn.clone())
    };
    let definition = td.task_definition().unwrap();
    assert_eq!(
        definition.task_definition_arn().map(str::to_owned),
        arn_of(ResourceKind::TaskDefinition)
    );
    let container = &definition.container_definitions()[0];
    let wanted = &f.env.spec.task_definition.as_ref().unwrap().containers[0];
    assert_eq!(container.image(), Some(wanted.image.as_str()));
    assert!(
        td.tags()
            .iter()
            .any(|t| t.key() == Some("console:environment-id") && t.value() == Some(&*f.env.id))
    );
    let jd = f
        .aws
        .batch
        .describe_job_definitions()
        .job_definition_name(&job)
        .status("ACTIVE")
        .send()
        .await
        .unwrap();
    assert_eq!(jd.job_definitions().len(), 1);
    let jd = &jd.job_definitions()[0];
    assert_eq!(
        jd.job_definition_arn().map(str::to_owned),
        arn_of(ResourceKind::JobDefinition)
    );
    assert_eq!(
        jd.platform_capabilities(),
        [aws_sdk_batch::types::PlatformCapability::Fargate]
    );
    // Planning again: nothing to do.
    let again = plan(&f.env.spec, &f.store.journal(&f.env.id).await.unwrap(), &[]);
    assert!(!again.has_changes(), "{again:#?}");

    // A new image: a new revision of each definition; the old one is deregistered.
    let first_task = arn_of(ResourceKind::TaskDefinition).unwrap();
    let mut spec = f.env.spec.clone();
    if let Some(t) = &mut spec.task_definition {
        t.containers[0].image = "public.ecr.aws/docker/library/python:3.13-slim".into();
    }
    if let Some(j) = &mut spec.job_definition {
        j.image = "public.ecr.aws/docker/library/python:3.13-slim".into();
    }
    let env = EnvironmentRecord {
        spec: spec.clone(),
        ..f.env.clone()
    };
    let planned = plan(&spec, &f.store.journal(&f.env.id).await.unwrap(), &[]);
    let replaced: Vec<_> = planned
        .steps
        .iter()
        .filter(|s| s.action.label() == "replace")
        .map(|s| s.kind)
        .collect();
    assert_eq!(
        replaced,
        [ResourceKind::TaskDefinition, ResourceKind::JobDefinition]
    );
    let id = start_run(&f.store, &env, RunKind::Apply, "alice")
        .await
        .unwrap();
    execute(
        &f.cloud,
        &f.store,
        &env,
        &id,
        RunKind::Apply,
        common::fast_wait(),
    )
    .await
    .unwrap();
    let journal = f.store.journal(&f.env.id).await.unwrap();
    let second_task = journal
        .resources
        .iter()
        .find(|r| r.kind == ResourceKind::TaskDefinition)
        .and_then(|r| r.arn.clone())
        .unwrap();
    assert!(second_task.ends_with(":2"), "{second_task}");
    let active = f
        .aws
        .ecs
        .list_task_definitions()
        .family_prefix(&family)
        .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
        .send()
        .await
        .unwrap();
    assert_eq!(
        active.task_definition_arns(),
        std::slice::from_ref(&second_task)
    );
    assert_ne!(first_task, second_task);
    let jobs = f
        .aws
        .batch
        .describe_job_definitions()
        .job_definition_name(&job)
        .status("ACTIVE")
        .send()
        .await
        .unwrap();
    assert_eq!(jobs.job_definitions().len(), 1);
    assert_eq!(jobs.job_definitions()[0].revision(), Some(2));
    assert!(!plan(&spec, &journal, &[]).has_changes());

    run(&f, RunKind::Destroy).await.unwrap();
    let active = f
        .aws
        .batch
        .describe_job_definitions()
        .job_definition_name(&job)
        .status("ACTIVE")
        .send()
        .await
        .unwrap();
    assert!(active.job_definitions().is_empty());
    let listed = f
        .aws
        .ecs
        .list_task_definitions()
        .family_prefix(&family)
        .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
        .send()
        .await
        .unwrap();
    assert!(listed.task_definition_arns().is_empty());
    assert!(
        f.store
            .journal(&f.env.id)
            .await
            .unwrap()
            .resources
            .is_empty()
    );
}

/// The GPU preset's EC2 capacity, with one instance running from the start.
fn gpu_capacity(spec: &mut EnvironmentSpec) {
    let preset = Preset::GpuG5.spec(
        &spec.name,
        "us-east-1",
        spec.network.clone(),
        &preset_roles(),
    );
    let mut capacity = preset.capacity.expect("the GPU preset has EC2 capacity");
    asg(&mut capacity).desired_capacity = 1;
    spec.capacity = Some(capacity);
}

fn asg(capacity: &mut CapacitySpec) -> &mut NewAutoScalingGroup {
    match &mut capacity.auto_scaling_group {
        AutoScalingGroupSource::Create(g) => g,
        AutoScalingGroupSource::Existing { .. } => unreachable!("the preset creates its group"),
    }
}

/// The group as AWS describes it, if it exists.
async fn group(f: &Fixture, name: &str) -> Option<aws_sdk_autoscaling::types::AutoScalingGroup> {
    let out = f
        .aws
        .autoscaling
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(name)
        .send()
        .await
        .unwrap();
    out.auto_scaling_groups().first().cloned()
}

/// The latest version of the launch template `name`, if it exists.
async fn launch_template(
    f: &Fixture,
    name: &str,
) -> Option<aws_sdk_ec2::types::LaunchTemplateVersion> {
    let out = f
        .aws
        .ec2
        .describe_launch_template_versions()
        .launch_template_name(name)
        .versions("$Latest")
        .send()
        .await
        .ok()?;
    out.launch_template_versions().first().cloned()
}

async fn provider(f: &Fixture, name: &str) -> Option<aws_sdk_ecs::types::CapacityProvider> {
    let out = f
        .aws
        .ecs
        .describe_capacity_providers()
        .capacity_providers(name)
        .send()
        .await
        .unwrap();
    out.capacity_providers().first().cloned()
}

#[tokio::test]
async fn ec2_capacity_is_created_changed_in_place_and_destroyed_with_protected_instances() {
    let f = fixture_with("gpu", None, |spec, _| gpu_capacity(spec)).await;
    run(&f, RunKind::Apply).await.unwrap();
    let id = f.env.id.as_str();

    // The group: sizes, the launch template at $Latest with both instance types, its
    // protected instance, the environment's tag.
    let g = group(&f, "gpu-asg").await.expect("the group exists");
    assert_eq!(
        (g.min_size(), g.max_size(), g.desired_capacity()),
        (Some(0), Some(8), Some(1))
    );
    assert_eq!(g.new_instances_protected_from_scale_in(), Some(true));
    let template = g
        .mixed_instances_policy()
        .unwrap()
        .launch_template()
        .unwrap();
    let spec = template.launch_template_specification().unwrap();
    assert_eq!(
        (spec.launch_template_name(), spec.version()),
        (Some("gpu-asg"), Some("$Latest"))
    );
    let types: Vec<_> = template
        .overrides()
        .iter()
        .filter_map(|o| o.instance_type())
        .collect();
    assert_eq!(types, ["g5.xlarge", "g5.2xlarge"]);
    assert_eq!(g.instances().len(), 1);
    assert_eq!(g.instances()[0].protected_from_scale_in(), Some(true));
    assert!(
        g.tags()
            .iter()
            .any(|t| t.key() == Some("console:environment-id") && t.value() == Some(id))
    );

    // The launch template: the GPU-optimised AMI by its SSM parameter, the instance
    // profile, the network's security groups, user data that joins the cluster.
    let lt = launch_template(&f, "gpu-asg")
        .await
        .expect("the launch template exists");
    let data = lt.launch_template_data().unwrap();
    assert_eq!(
        data.image_id(),
        Some(
            "resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id"
        )
    );
    assert_eq!(
        data.iam_instance_profile().and_then(|p| p.arn()),
        Some("arn:aws:iam::123456789012:instance-profile/ecsInstanceRole")
    );
    assert_eq!(
        data.security_group_ids(),
        f.env.spec.network.security_group_ids.as_slice()
    );
    let user_data = base64::engine::general_purpose::STANDARD
        .decode(data.user_data().unwrap())
        .unwrap();
    assert!(
        String::from_utf8(user_data)
            .unwrap()
            .contains("echo ECS_CLUSTER=gpu >> /etc/ecs/ecs.config")
    );

    // The capacity provider over exactly that group; the cluster uses it by default.
    let p = provider(&f, "gpu-cp")
        .await
        .expect("the capacity provider exists");
    let asgp = p.auto_scaling_group_provider().unwrap();
    assert_eq!(
        asgp.auto_scaling_group_arn(),
        g.auto_scaling_group_arn().unwrap()
    );
    assert_eq!(asgp.managed_scaling().unwrap().target_capacity(), Some(75));
    assert_eq!(
        asgp.managed_termination_protection(),
        Some(&aws_sdk_ecs::types::ManagedTerminationProtection::Enabled)
    );
    let cluster = f
        .aws
        .ecs
        .describe_clusters()
        .clusters("gpu")
        .send()
        .await
        .unwrap();
    let cluster = &cluster.clusters()[0];
    assert_eq!(cluster.capacity_providers(), ["gpu-cp"]);
    let strategy = &cluster.default_capacity_provider_strategy()[0];
    assert_eq!(
        (
            strategy.capacity_provider(),
            strategy.base(),
            strategy.weight()
        ),
        ("gpu-cp", 0, 1)
    );

    // The journal holds AWS's ARNs; planning again changes nothing.
    let journal = f.store.journal(id).await.unwrap();
    let arn = |kind| {
        journal
            .resources
            .iter()
            .find(|r| r.kind == kind)
            .and_then(|r| r.arn.clone())
    };
    assert_eq!(
        arn(ResourceKind::AutoScalingGroup).as_deref(),
        g.auto_scaling_group_arn()
    );
    assert_eq!(
        arn(ResourceKind::CapacityProvider).as_deref(),
        p.capacity_provider_arn()
    );
    assert_eq!(
        arn(ResourceKind::ClusterCapacityProviders).as_deref(),
        cluster.cluster_arn()
    );
    let again = plan(&f.env.spec, &journal, &[]);
    assert!(
        again
            .steps
            .iter()
            .all(|s| s.action == app::domain::Action::NoChange),
        "{again:#?}"
    );

    // In-place changes of the group, the provider and the strategy; then of the launch
    // template (apart: moto cannot launch from a template version made by
    // CreateLaunchTemplateVersion with user data, so nothing may launch after it).
    let mut changed = f.env.spec.clone();
    {
        let c = changed.capacity.as_mut().unwrap();
        let g = asg(c);
        g.max_size = 10;
        g.desired_capacity = 2;
        c.provider.managed_scaling.target_capacity = 60;
        c.strategy.weight = 3;
    }
    let f = Fixture {
        env: EnvironmentRecord {
            spec: changed,
            ..f.env.clone()
        },
        ..f
    };
    run(&f, RunKind::Apply).await.unwrap();
    let g = group(&f, "gpu-asg").await.unwrap();
    assert_eq!((g.max_size(), g.desired_capacity()), (Some(10), Some(2)));
    assert_eq!(g.instances().len(), 2);
    let p = provider(&f, "gpu-cp").await.unwrap();
    assert_eq!(
        p.auto_scaling_group_provider()
            .unwrap()
            .managed_scaling()
            .unwrap()
            .target_capacity(),
        Some(60)
    );
    let cluster = f
        .aws
        .ecs
        .describe_clusters()
        .clusters("gpu")
        .send()
        .await
        .unwrap();
    assert_eq!(
        cluster.clusters()[0].default_capacity_provider_strategy()[0].weight(),
        3
    );
    let mut changed = f.env.spec.clone();
    asg(changed.capacity.as_mut().unwrap()).instance_profile =
        Some("arn:aws:iam::123456789012:instance-profile/gpu-nodes".into());
    let f = Fixture {
        env: EnvironmentRecord {
            spec: changed,
            ..f.env.clone()
        },
        ..f
    };
    run(&f, RunKind::Apply).await.unwrap();
    let lt = launch_template(&f, "gpu-asg").await.unwrap();
    assert_eq!(lt.version_number(), Some(2));
    assert_eq!(
        lt.launch_template_data()
            .unwrap()
            .iam_instance_profile()
            .and_then(|p| p.arn()),
        Some("arn:aws:iam::123456789012:instance-profile/gpu-nodes")
    );
    let journal = f.store.journal(&f.env.id).await.unwrap();
    let again = plan(&f.env.spec, &journal, &[]);
    assert!(
        again
            .steps
            .iter()
            .all(|s| s.action == app::domain::Action::NoChange),
        "{again:#?}"
    );

    // Destroy: the instances are protected from scale-in, and still everything goes.
    assert!(
        group(&f, "gpu-asg")
            .await
            .unwrap()
            .instances()
            .iter()
            .all(|i| i.protected_from_scale_in() == Some(true))
    );
    run(&f, RunKind::Destroy).await.unwrap();
    assert!(group(&f, "gpu-asg").await.is_none());
    assert!(launch_template(&f, "gpu-asg").await.is_none());
    assert!(
        provider(&f, "gpu-cp").await.is_none_or(
            |p| p.status() == Some(&aws_sdk_ecs::types::CapacityProviderStatus::Inactive)
        )
    );
    assert_eq!(f.aws.cluster_names().await, Vec::<String>::new());
    assert!(
        f.store
            .journal(&f.env.id)
            .await
            .unwrap()
            .resources
            .is_empty()
    );
}

#[tokio::test]
async fn a_spec_with_a_role_is_applied_in_the_target_account_as_that_role() {
    let target = "arn:aws:iam::111111111111:role/console-target";
    let service_role = "arn:aws:iam::111111111111:role/batch-service";
    let mut endpoint = String::new();
    let f = fixture_with("assumed", Some(service_role.into()), |spec, url| {
        spec.assume_role = Some(app::domain::spec::AssumeRole {
            role_arn: target.into(),
            external_id: Some("team-42".into()),
        });
        endpoint = url.to_owned();
    })
    .await;
    // The Batch service role exists in the target account (AWS checks it there).
    let base = sdk_config(Some(&endpoint), Some("us-east-1")).await;
    let setup = aws_config::sts::AssumeRoleProvider::builder(target)
        .session_name("setup")
        .configure(&base)
        .build()
        .await;
    let iam = aws_sdk_iam::Client::new(
        &base
            .to_builder()
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(setup),
            )
            .build(),
    );
    iam.create_role()
        .role_name("batch-service")
        .assume_role_policy_document("{}")
        .send()
        .await
        .unwrap();
    let role = f.env.spec.assume_role.clone().unwrap();
    let assumed = f
        .cloud
        .assume(&role, &app::engine::session_name("alice"))
        .await
        .unwrap();
    // The session acts as the role, named after the user.
    let who = assumed.identity().await.unwrap();
    assert_eq!(who.account, "111111111111");
    assert!(
        who.arn
            .contains("assumed-role/console-target/console-alice"),
        "{}",
        who.arn
    );
    // The same adapter is reused (credentials cached and refreshed by the provider).
    let again = f
        .cloud
        .assume(&role, &app::engine::session_name("alice"))
        .await
        .unwrap();
    assert!(std::sync::Arc::ptr_eq(&assumed, &again));

    // The network is the target account's (subnets and security groups are per account).
    let network = assumed.default_network("us-east-1").await.unwrap().unwrap();
    let mut spec = EnvironmentSpec::minimal(
        "assumed",
        "us-east-1",
        8,
        Some(service_role.into()),
        network,
    );
    spec.assume_role = Some(role.clone());
    // The fixture's environment, with the target account's network.
    let env = EnvironmentRecord {
        spec,
        ..f.env.clone()
    };
    let run = start_run(&f.store, &env, RunKind::Apply, "alice")
        .await
        .unwrap();
    execute(
        &*assumed,
        &f.store,
        &env,
        &run,
        RunKind::Apply,
        common::fast_wait(),
    )
    .await
    .unwrap();
    // The resources are in the target account, not the console's.
    let cluster = assumed
        .read("us-east-1", ResourceKind::Cluster, "assumed")
        .await
        .unwrap()
        .unwrap();
    assert!(cluster.arn.contains(":111111111111:"), "{}", cluster.arn);
    assert_eq!(f.aws.cluster_names().await, Vec::<String>::new());
}

#[tokio::test]
async fn updates_in_place_change_aws_and_the_journal() {
    let f = fixture("grow", None).await;
    run(&f, RunKind::Apply).await.unwrap();
    // A new revision: more vCPUs, the compute environment and the queue disabled,
    // another queue priority.
    let mut spec = f.env.spec.clone();
    spec.compute_environment.max_vcpus = 48;
    spec.compute_environment.enabled = false;
    if let Some(q) = &mut spec.job_queue {
        q.priority = 7;
        q.enabled = false;
    }
    let env = EnvironmentRecord {
        spec: spec.clone(),
        ..f.env.clone()
    };
    let planned = plan(&spec, &f.store.journal(&f.env.id).await.unwrap(), &[]);
    let actions: Vec<_> = planned
        .steps
        .iter()
        .map(|s| (s.kind, s.action.label()))
        .collect();
    assert_eq!(
        actions,
        [
            (ResourceKind::Cluster, "no change"),
            (ResourceKind::ComputeEnvironment, "update"),
            (ResourceKind::JobQueue, "update")
        ]
    );
    let id = start_run(&f.store, &env, RunKind::Apply, "alice")
        .await
        .unwrap();
    execute(
        &f.cloud,
        &f.store,
        &env,
        &id,
        RunKind::Apply,
        common::fast_wait(),
    )
    .await
    .unwrap();
    let ce = f
        .aws
        .batch
        .describe_compute_environments()
        .compute_environments("grow-ce")
        .send()
        .await
        .unwrap();
    let ce = &ce.compute_environments()[0];
    // moto applies the state but not compute resources (its UpdateComputeEnvironment
    // ignores them), so only the state is checked in AWS here.
    assert_eq!(ce.state().map(|s| s.as_str()), Some("DISABLED"));
    let q = f
        .aws
        .batch
        .describe_job_queues()
        .job_queues("grow-queue")
        .send()
        .await
        .unwrap();
    let q = &q.job_queues()[0];
    assert_eq!(
        (q.priority(), q.state().map(|s| s.as_str())),
        (Some(7), Some("DISABLED"))
    );
    // The same ARNs (changed in place), and nothing left to do.
    let journal = f.store.journal(&f.env.id).await.unwrap();
    assert_eq!(
        journal
            .resources
            .iter()
            .find(|r| r.kind == ResourceKind::ComputeEnvironment)
            .and_then(|r| r.arn.as_deref()),
        ce.compute_environment_arn()
    );
    assert!(!plan(&spec, &journal, &[]).has_changes());

    // A change the engine cannot make in place yet is refused, naming the field.
    let mut other_role = spec.clone();
    other_role.compute_environment.service_role =
        Some("arn:aws:iam::123456789012:role/other-batch-role".into());
    let env = EnvironmentRecord {
        spec: other_role,
        ..f.env.clone()
    };
    let id = start_run(&f.store, &env, RunKind::Apply, "alice")
        .await
        .unwrap();
    let err = execute(
        &f.cloud,
        &f.store,
        &env,
        &id,
        RunKind::Apply,
        common::fast_wait(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("the engine cannot change serviceRole in place yet"),
        "{err}"
    );
}

#[tokio::test]
async fn an_auto_scaling_group_of_the_same_name_not_created_by_the_environment_is_refused() {
    let f = fixture_with("taken", None, |spec, _| gpu_capacity(spec)).await;
    // Someone else's group and launch template, under other names than the console's
    // launch template but the group's name.
    f.aws
        .ec2
        .create_launch_template()
        .launch_template_name("theirs")
        .launch_template_data(
            aws_sdk_ec2::types::RequestLaunchTemplateData::builder()
                .image_id("ami-12345678")
                .build(),
        )
        .send()
        .await
        .unwrap();
    f.aws
        .autoscaling
        .create_auto_scaling_group()
        .auto_scaling_group_name("taken-asg")
        .launch_template(
            aws_sdk_autoscaling::types::LaunchTemplateSpecification::builder()
                .launch_template_name("theirs")
                .build(),
        )
        .min_size(0)
        .max_size(1)
        .vpc_zone_identifier(&f.env.spec.network.subnets[0])
        .send()
        .await
        .unwrap();
    // moto replaces a group created under a taken name; AWS refuses the create, and
    // the proxy answers as AWS does.
    let proxy =
        common::faults::FaultProxy::start(&f._moto.endpoint, common::faults::Faults::NONE, 1).await;
    proxy.answer(
        "CreateAutoScalingGroup",
        400,
        "AlreadyExists",
        "AutoScalingGroup by this name already exists - A group with the name taken-asg already exists",
    );
    let f = Fixture {
        cloud: AwsCloud::new(sdk_config(Some(&proxy.endpoint), Some("us-east-1")).await),
        ..f
    };
    let err = run(&f, RunKind::Apply).await.unwrap_err().to_string();
    assert!(err.contains("create Auto Scaling group taken-asg"), "{err}");
    assert!(
        err.contains("already exists") && err.contains("not created by this environment"),
        "{err}"
    );
    // The launch template made for the console's group went with the refusal, and
    // nothing was built on the group.
    assert_eq!(f.aws.launch_template_names().await, ["theirs"]);
    assert!(!f.aws.has_capacity_provider("taken-cp").await);
    let journal = f.store.journal(&f.env.id).await.unwrap();
    assert!(
        journal
            .resources
            .iter()
            .all(|r| r.kind != ResourceKind::AutoScalingGroup),
        "{journal:#?}"
    );
}

/// `f` with its spec edited by `edit`, then applied.
async fn reapply(f: Fixture, edit: impl FnOnce(&mut EnvironmentSpec)) -> Fixture {
    let mut spec = f.env.spec.clone();
    edit(&mut spec);
    let f = Fixture {
        env: EnvironmentRecord {
            spec,
            ..f.env.clone()
        },
        ..f
    };
    run(&f, RunKind::Apply).await.unwrap();
    let journal = f.store.journal(&f.env.id).await.unwrap();
    let again = plan(&f.env.spec, &journal, &[]);
    assert!(!again.has_changes(), "{again:#?}");
    f
}

/// The journal's (kind, name, ARN) of every resource.
async fn journalled(f: &Fixture) -> Vec<(ResourceKind, String, Option<String>)> {
    let journal = f.store.journal(&f.env.id).await.unwrap();
    let mut out: Vec<_> = journal
        .resources
        .into_iter()
        .map(|r| (r.kind, r.name, r.arn))
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn replaced_resources_are_deleted_with_their_dependents_then_created_and_removed_ones_deleted()
 {
    let f = fixture("swap", None).await;
    run(&f, RunKind::Apply).await.unwrap();

    // FARGATE -> FARGATE_SPOT cannot change in place: the compute environment and its
    // queue are deleted, then created again.
    let f = reapply(f, |s| {
        s.compute_environment.compute_type = app::domain::ComputeType::FargateSpot
    })
    .await;
    let ce = f
        .aws
        .batch
        .describe_compute_environments()
        .compute_environments("swap-ce")
        .send()
        .await
        .unwrap();
    let ce = &ce.compute_environments()[0];
    assert_eq!(
        ce.compute_resources()
            .and_then(|r| r.r#type())
            .map(|t| t.as_str()),
        Some("FARGATE_SPOT")
    );
    let queues = f
        .aws
        .batch
        .describe_job_queues()
        .job_queues("swap-queue")
        .send()
        .await
        .unwrap();
    let order = queues.job_queues()[0].compute_environment_order();
    assert_eq!(order[0].compute_environment(), ce.compute_environment_arn());
    let history = f.store.run_history(&f.env.id, 1).await.unwrap();
    let steps: Vec<&str> = history[0].steps.iter().map(|s| s.step.as_str()).collect();
    assert_eq!(
        steps[..2],
        [
            "delete Batch job queue swap-queue to replace it",
            "delete Batch compute environment swap-ce to replace it"
        ],
        "{steps:?}"
    );

    // A queue the spec no longer has is deleted.
    let f = reapply(f, |s| s.job_queue = None).await;
    assert_eq!(f.aws.job_queue_names().await, Vec::<String>::new());
    let kinds: Vec<_> = journalled(&f)
        .await
        .into_iter()
        .map(|(k, _, _)| k)
        .collect();
    assert_eq!(
        kinds,
        [ResourceKind::Cluster, ResourceKind::ComputeEnvironment]
    );
}

#[tokio::test]
async fn a_renamed_cluster_takes_its_capacity_along_and_removed_capacity_is_deleted() {
    let f = fixture_with("move", None, |spec, _| common::full_stack(spec, 0)).await;
    run(&f, RunKind::Apply).await.unwrap();

    let f = reapply(f, |s| s.cluster.name = "move-2".into()).await;
    assert_eq!(f.aws.cluster_names().await, ["move-2"]);
    let cluster = f
        .aws
        .ecs
        .describe_clusters()
        .clusters("move-2")
        .send()
        .await
        .unwrap();
    assert_eq!(cluster.clusters()[0].capacity_providers(), ["move-cp"]);
    // New instances join the new cluster.
    let lt = launch_template(&f, "move-asg").await.unwrap();
    let user_data = base64::engine::general_purpose::STANDARD
        .decode(lt.launch_template_data().unwrap().user_data().unwrap())
        .unwrap();
    assert!(
        String::from_utf8(user_data)
            .unwrap()
            .contains("ECS_CLUSTER=move-2")
    );

    // Without the EC2 capacity, its resources go: the cluster's providers, the
    // capacity provider, the group and its launch template.
    let f = reapply(f, |s| s.capacity = None).await;
    let cluster = f
        .aws
        .ecs
        .describe_clusters()
        .clusters("move-2")
        .send()
        .await
        .unwrap();
    assert!(cluster.clusters()[0].capacity_providers().is_empty());
    assert!(!f.aws.has_capacity_provider("move-cp").await);
    assert_eq!(f.aws.group_names().await, Vec::<String>::new());
    assert_eq!(f.aws.launch_template_names().await, Vec::<String>::new());
    let kinds: Vec<_> = journalled(&f)
        .await
        .into_iter()
        .map(|(k, _, _)| k)
        .collect();
    assert!(
        !kinds.iter().any(|k| matches!(
            k,
            ResourceKind::AutoScalingGroup
                | ResourceKind::CapacityProvider
                | ResourceKind::ClusterCapacityProviders
        )),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn tag_changes_are_applied_in_place_to_every_resource() {
    let f = fixture_with("tagged", None, |spec, _| common::full_stack(spec, 0)).await;
    run(&f, RunKind::Apply).await.unwrap();
    let tags = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let f = reapply(f, |s| {
        s.tags = tags(&[("team", "ml"), ("cost-centre", "42")])
    })
    .await;
    let f = reapply(f, |s| s.tags = tags(&[("team", "vision")])).await;
    let journal = f.store.journal(&f.env.id).await.unwrap();
    assert_eq!(journal.resources.len(), 8);
    for r in &journal.resources {
        if r.kind == ResourceKind::ClusterCapacityProviders {
            continue; // a setting of the cluster, not tagged itself
        }
        let o = f
            .cloud
            .read("us-east-1", r.kind, &r.name)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            o.tags.get("team").map(String::as_str),
            Some("vision"),
            "{r:?} {o:?}"
        );
        assert!(!o.tags.contains_key("cost-centre"), "{r:?} {o:?}");
        assert!(app::engine::tagged_for(&o, &f.env.id), "{r:?} {o:?}");
    }
    // The group's tags, as Auto Scaling reports them, propagate to new instances.
    let g = group(&f, "tagged-asg").await.unwrap();
    let team = g.tags().iter().find(|t| t.key() == Some("team")).unwrap();
    assert_eq!(
        (team.value(), team.propagate_at_launch()),
        (Some("vision"), Some(true))
    );
}

#[tokio::test]
async fn aws_calls_and_runs_are_counted_for_the_metrics_endpoint() {
    let metrics = server::metrics::handle();
    let f = fixture("counted", None).await;
    run(&f, RunKind::Apply).await.unwrap();
    // A call AWS refuses: the launch template of a group that does not exist.
    f.cloud
        .delete("us-east-1", ResourceKind::AutoScalingGroup, "no-such-group")
        .await
        .unwrap();
    let text = metrics.render();
    let has = |metric: &str, labels: &[&str]| {
        text.lines()
            .any(|l| l.starts_with(&format!("{metric}{{")) && labels.iter().all(|x| l.contains(x)))
    };
    assert!(
        has(
            "console_aws_calls_total",
            &[
                r#"service="ecs""#,
                r#"operation="CreateCluster""#,
                r#"outcome="ok""#,
                r#"status="200""#
            ]
        ),
        "{text}"
    );
    assert!(
        has(
            "console_aws_calls_total",
            &[
                r#"service="ec2""#,
                r#"operation="DescribeLaunchTemplates""#,
                r#"outcome="error""#,
                r#"status="400""#
            ]
        ),
        "{text}"
    );
    assert!(
        has(
            "console_aws_call_attempts_total",
            &[r#"operation="CreateComputeEnvironment""#]
        ),
        "{text}"
    );
    assert!(
        has(
            "console_runs_total",
            &[r#"kind="apply""#, r#"result="succeeded""#]
        ),
        "{text}"
    );
}
