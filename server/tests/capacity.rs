//! The capacity view against moto through the real SDK: an environment with EC2 capacity
//! (an Auto Scaling group of two instances) is applied, its capacity read and kept as
//! samples (by the view and by the sampler), and the page shows the figures and charts.

mod common;

use app::api::types::CapacityPage;
use app::domain::RunKind;
use app::engine::Store;
use axum::http::StatusCode;
use common::engine::{fixture_with, run};

#[tokio::test]
async fn capacity_is_read_sampled_and_charted() {
    let f = fixture_with("cap", None, |spec, _| common::full_stack(spec, 2)).await;
    run(&f, RunKind::Apply).await.unwrap();

    // What AWS holds now, through the port.
    let sample = app::engine::sample_capacity(&f.cloud, &f.store, &f.env)
        .await
        .unwrap();
    let ce = sample.compute_environment.clone().unwrap();
    assert_eq!(
        (ce.status.as_str(), ce.state.as_str()),
        ("VALID", "ENABLED")
    );
    assert_eq!((ce.min_vcpus, ce.max_vcpus), (0, 16));
    let group = sample.group.clone().unwrap();
    assert_eq!((group.desired, group.min, group.max), (2, 0, 8));
    assert_eq!(group.in_service + group.pending, 2);
    let provider = sample.provider.clone().unwrap();
    assert!(provider.managed_scaling);
    let spec_target = f
        .env
        .spec
        .capacity
        .as_ref()
        .unwrap()
        .provider
        .managed_scaling
        .target_capacity;
    assert_eq!(provider.target_capacity, spec_target);
    // Two instances, no task: nothing reserved.
    assert_eq!(provider.reservation, 0);
    let cluster = sample.cluster.clone().unwrap();
    assert_eq!(cluster.status, "ACTIVE");
    assert_eq!((cluster.running_tasks, cluster.pending_tasks), (0, 0));

    // An idle cluster (no instance registered, no task): its load is not read - the
    // sample is the same with ListContainerInstances and ListTasks refused.
    assert_eq!(cluster.registered_instances, 0);
    let proxy =
        common::faults::FaultProxy::start(&f._moto.endpoint, common::faults::Faults::NONE, 3).await;
    for action in [
        "ListContainerInstances",
        "ListTasks",
        "DescribeContainerInstances",
    ] {
        proxy.answer(
            action,
            400,
            "ClientException",
            "not expected for an idle cluster",
        );
    }
    let through_proxy = server::aws::AwsCloud::new(
        server::aws::sdk_config(Some(&proxy.endpoint), Some("us-east-1")).await,
    );
    // (A second later: a sample of the same second would replace the first.)
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let idle = app::engine::sample_capacity(&through_proxy, &f.store, &f.env)
        .await
        .unwrap();
    assert_eq!(
        (idle.cluster, idle.provider),
        (sample.cluster.clone(), sample.provider.clone())
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    // The sampler keeps a sample of each applied environment.
    let store: std::sync::Arc<dyn app::engine::Store> = std::sync::Arc::new(f.store.clone());
    let cloud: std::sync::Arc<dyn app::engine::Cloud> =
        std::sync::Arc::new(server::aws::AwsCloud::new(
            server::aws::sdk_config(Some(&f._moto.endpoint), Some("us-east-1")).await,
        ));
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let metrics = server::metrics::handle();
    assert_eq!(server::sampler::round(&*store, &cloud).await, 1);
    // Its length and size are metrics (an operator sees a sampler falling behind).
    let exported = metrics.render();
    assert!(
        exported.contains("console_capacity_sampler_round_seconds"),
        "{exported}"
    );
    assert!(
        exported.contains("console_capacity_sampler_environments 1"),
        "{exported}"
    );
    let kept = f.store.capacity_samples(&f.env.id, "").await.unwrap();
    assert_eq!(kept.len(), 3, "{kept:#?}");
    assert_eq!(kept[2].group, sample.group);

    // A view reads AWS each time but keeps its reading only when the newest sample is
    // older than its period: many views of a watched environment add no sample.
    let minute = std::time::Duration::from_secs(60);
    for _ in 0..3 {
        // Seconds apart, so that each would be a sample of its own if it were kept.
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let seen = app::engine::sample_capacity_for_view(&f.cloud, &f.store, &f.env, minute)
            .await
            .unwrap();
        assert_eq!(seen.group, sample.group);
    }
    assert_eq!(
        f.store.capacity_samples(&f.env.id, "").await.unwrap().len(),
        3
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let second = std::time::Duration::from_secs(1);
    app::engine::sample_capacity_for_view(&f.cloud, &f.store, &f.env, second)
        .await
        .unwrap();
    assert_eq!(
        f.store.capacity_samples(&f.env.id, "").await.unwrap().len(),
        4
    );
}

#[tokio::test]
async fn the_capacity_page_shows_figures_and_charts() {
    let moto = common::moto().await;
    let dir = tempfile::tempdir().unwrap();
    // Views keep a sample when the newest is older than a second (a minute by default).
    let console = common::client::console_with(
        &moto.endpoint,
        &dir,
        &["--capacity-view-sample-seconds", "1"],
    )
    .await;
    let mut owner = common::client::Client {
        router: console.router.clone(),
        cookie: None,
    };
    let r = owner
        .credentials("sign_up", "ana", "correct horse battery")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let info: app::api::types::SessionInfo =
        serde_json::from_str(&owner.call("get_session", &[]).await.body).unwrap();
    let role = info.aws.default_service_role.unwrap();
    let r = owner.create("cap", "us-east-1", "16", &role).await;
    let id = r.location.unwrap().split('/').nth(2).unwrap().to_owned();

    // Before apply: nothing in AWS yet, said plainly; no chart without data... but the
    // view's own read is a sample.
    let page: CapacityPage =
        serde_json::from_str(&owner.call("get_capacity", &[("id", &id)]).await.body).unwrap();
    let now = page.now.unwrap();
    assert_eq!(now.compute_environment, None);
    assert_eq!(now.cluster, None);
    assert_eq!(page.window, "hour");
    assert_eq!(page.samples, 1);

    // Applied: the figures, and charts once there are samples.
    let review: app::api::types::Review =
        serde_json::from_str(&owner.call("review_environment", &[("id", &id)]).await.body).unwrap();
    // The review prices the environment at its maximum from the shipped table: 16
    // Fargate vCPUs with 2 GB each, us-east-1.
    assert!(
        (review.cost.total_usd_per_hour - (16.0 * 0.04048 + 32.0 * 0.004445)).abs() < 1e-9,
        "{:#?}",
        review.cost
    );
    assert!(review.cost.lines[0].sources[0].contains("aws.amazon.com/fargate/pricing"));
    let r = owner
        .call(
            "apply_environment",
            &[("id", &id), ("fingerprint", &review.fingerprint)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for _ in 0..200 {
        let p: app::api::types::EnvironmentPage =
            serde_json::from_str(&owner.call("get_environment", &[("id", &id)]).await.body)
                .unwrap();
        if p.run
            .is_some_and(|r| r.state != app::domain::RunState::Running)
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let page: CapacityPage = serde_json::from_str(
        &owner
            .call("get_capacity", &[("id", &id), ("window", "day")])
            .await
            .body,
    )
    .unwrap();
    assert_eq!(page.window, "day");
    assert_eq!(page.samples, 2);
    let ce = page.now.unwrap().compute_environment.unwrap();
    assert_eq!(ce.max_vcpus, 16);
    let titles: Vec<&str> = page.charts.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, ["Compute environment vCPUs", "Cluster tasks"]);
    assert!(page.charts[0].svg.contains("minutes ago (last day)"));

    // Jobs that ran (moto's simple backend: they succeed at once) show as throughput.
    common::moto_post(
        &moto.endpoint,
        "/moto-api/config",
        r#"{"batch": {"use_docker": false}}"#,
    )
    .await;
    let aws = common::aws(&moto.endpoint).await;
    aws.batch
        .register_job_definition()
        .job_definition_name("cap-job")
        .r#type(aws_sdk_batch::types::JobDefinitionType::Container)
        .container_properties(
            aws_sdk_batch::types::ContainerProperties::builder()
                .image("busybox")
                .resource_requirements(
                    aws_sdk_batch::types::ResourceRequirement::builder()
                        .r#type(aws_sdk_batch::types::ResourceType::Vcpu)
                        .value("1")
                        .build(),
                )
                .resource_requirements(
                    aws_sdk_batch::types::ResourceRequirement::builder()
                        .r#type(aws_sdk_batch::types::ResourceType::Memory)
                        .value("512")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    for n in 0..3 {
        aws.batch
            .submit_job()
            .job_name(format!("j{n}"))
            .job_queue("cap-queue")
            .job_definition("cap-job")
            .send()
            .await
            .unwrap();
    }
    let page: CapacityPage =
        serde_json::from_str(&owner.call("get_capacity", &[("id", &id)]).await.body).unwrap();
    assert_eq!(page.aws_error, None);
    let throughput = page
        .charts
        .iter()
        .find(|c| c.title == "Tasks and jobs per minute")
        .expect("a throughput chart");
    assert!(
        throughput.svg.contains("jobs started"),
        "{}",
        throughput.svg
    );

    let r = owner
        .call("get_capacity", &[("id", &id), ("window", "week")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.error().problem_for("window").is_some());

    // The environment page links each resource in AWS to its console page.
    let env_html = owner.get(&format!("/environments/{id}")).await;
    assert!(
        env_html.body.contains(
            "https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/cap/services?region=us-east-1"
        ),
        "{}",
        env_html.body
    );
    assert!(
        env_html
            .body
            .contains("#queues/detail/arn%3Aaws%3Abatch%3Aus-east-1")
    );

    // The page without JavaScript: figures and each chart once (vCPUs, tasks, throughput
    // and queue wait).
    let html = owner.get(&format!("/environments/{id}/capacity")).await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(
        html.body.contains("id=\"now-compute-environment\""),
        "{}",
        html.body
    );
    assert_eq!(html.body.matches("class=\"chart-svg\"").count(), 4);
    assert_eq!(html.body.matches("<svg").count(), 4);
}

#[tokio::test]
async fn a_bad_price_table_stops_the_start_naming_the_file_and_the_rule() {
    use clap::Parser;
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("prices.json");
    std::fs::write(
        &table,
        r#"{"prices": [{"region": "us-east-1", "item": "c6i.large", "vcpus": 2, "usd_per_hour": -1, "source": "s", "date": "d"}]}"#,
    )
    .unwrap();
    let db = format!("sqlite://{}/console.db", dir.path().display());
    let leptos = concat!(env!("CARGO_MANIFEST_DIR"), "/../Leptos.toml");
    let config = server::config::Config::parse_from([
        "server",
        "--leptos-config",
        leptos,
        "--database-url",
        &db,
        "--aws-endpoint-url",
        "http://127.0.0.1:9",
        "--price-table",
        table.to_str().unwrap(),
    ]);
    let err = server::build(&config, common::fast_wait())
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("prices.json"), "{message}");
    assert!(message.contains("needs a price of at least 0"), "{message}");
}
