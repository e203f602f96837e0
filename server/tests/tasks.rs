//! ECS tasks through the real SDK against moto: run in batches of ten on Fargate, list
//! and stop them with a reason; RunTask refused for want of container instances, as moto
//! and as AWS answer it, explained with the group's numbers.

mod common;

use app::api::types::{
    EnvironmentPage, Review, RunTasksResult, SpecEditor, StopTasksResult, TaskPage,
};
use app::domain::spec::presets::Preset;
use app::domain::tasks::{RunTasksForm, STARTED_BY_TAG, TaskStatus, parse_run_tasks};
use app::domain::{EnvironmentSpec, RunKind, RunState};
use app::engine::Cloud;
use axum::http::StatusCode;
use common::client::Client;
use common::engine::{Fixture, fixture_with, run};
use common::preset_roles;

/// An environment with the CPU preset's Fargate task definition (its container
/// reserving the task's memory), applied.
async fn fargate_environment(name: &str) -> Fixture {
    let f = fixture_with(name, None, |spec, _| {
        let cpu = Preset::CpuFargate.spec(
            &spec.name,
            &spec.region,
            spec.network.clone(),
            &preset_roles(),
        );
        spec.task_definition = cpu.task_definition.map(|mut t| {
            // moto's RunTask fails (500) for a container with neither memory nor a
            // reservation, which AWS allows when the task has memory.
            t.containers[0].memory_reservation = Some(2048);
            t
        });
    })
    .await;
    run(&f, RunKind::Apply).await.unwrap();
    f
}

fn request(count: &str, placement: &str) -> RunTasksForm {
    RunTasksForm {
        count: count.into(),
        placement: placement.into(),
        ..RunTasksForm::default()
    }
}

#[tokio::test]
async fn tasks_run_in_batches_of_ten_on_fargate_are_listed_and_stopped_with_a_reason() {
    let f = fargate_environment("infer").await;
    common::keep_tasks_running(&f._moto.endpoint).await;
    let spec = &f.env.spec;
    let form = RunTasksForm {
        command: "python3 -m infer --shard 1".into(),
        environment: "MODEL=small".into(),
        ..request("25", "fargate")
    };
    let req = parse_run_tasks(&form, spec, "alice").unwrap();
    let report = app::engine::run_tasks(&f.cloud, spec, &req).await;
    assert!(report.error.is_none(), "{:?}", report.error);
    assert_eq!((report.requested, report.calls), (25, 3));
    assert_eq!(report.started.len(), 25);
    assert!(report.failures.is_empty() && report.diagnoses.is_empty());

    // What AWS holds, read by the console and by the raw SDK.
    let tasks = f.cloud.list_tasks(&spec.region, "infer").await.unwrap();
    assert_eq!(tasks.len(), 25);
    for t in &tasks {
        assert_eq!(t.status, Some(TaskStatus::Running), "{t:?}");
        assert_eq!(t.started_by.as_deref(), Some("console/alice"));
        assert_eq!(t.launch_type.as_deref(), Some("FARGATE"));
        assert!(
            t.task_definition_arn
                .ends_with("task-definition/infer-task:1"),
            "{t:?}"
        );
    }
    let raw = f
        .aws
        .ecs
        .describe_tasks()
        .cluster("infer")
        .tasks(&tasks[0].arn)
        .include(aws_sdk_ecs::types::TaskField::Tags)
        .send()
        .await
        .unwrap();
    let task = &raw.tasks()[0];
    assert!(
        task.tags()
            .iter()
            .any(|t| t.key() == Some(STARTED_BY_TAG) && t.value() == Some("alice")),
        "{:?}",
        task.tags()
    );
    let container = &task.overrides().unwrap().container_overrides()[0];
    assert_eq!(container.name(), Some("inference"));
    assert_eq!(
        container.command(),
        ["python3", "-m", "infer", "--shard", "1"]
    );

    // Stop two, with a reason.
    for t in &tasks[..2] {
        f.cloud
            .stop_task(&spec.region, "infer", &t.arn, "wrong shard")
            .await
            .unwrap();
    }
    let after = f.cloud.list_tasks(&spec.region, "infer").await.unwrap();
    let stopped: Vec<_> = after
        .iter()
        .filter(|t| t.status == Some(TaskStatus::Stopped))
        .collect();
    assert_eq!(stopped.len(), 2);
    for t in stopped {
        assert_eq!(t.stopped_reason.as_deref(), Some("wrong shard"));
        assert!(tasks[..2].iter().any(|s| s.arn == t.arn));
    }
}

#[tokio::test]
async fn run_task_without_container_instances_is_explained_as_moto_and_aws_answer_it() {
    // EC2 capacity of 0 instances: the cluster's default strategy places on it.
    let f = fixture_with("gpu", None, |spec, _| common::full_stack(spec, 0)).await;
    run(&f, RunKind::Apply).await.unwrap();
    let spec = &f.env.spec;
    let req = parse_run_tasks(&request("12", "default"), spec, "alice").unwrap();

    // moto raises a plain 500 ("No instances found"): an error that stops the batches.
    // (One attempt: the SDK would retry a 500 with back-off for seconds.)
    let once = server::aws::sdk_config(Some(&f._moto.endpoint), Some("us-east-1"))
        .await
        .to_builder()
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(1))
        .build();
    let report = app::engine::run_tasks(&server::aws::AwsCloud::new(once), spec, &req).await;
    let error = report
        .error
        .expect("moto refuses RunTask without instances");
    assert_eq!(error.operation, "ecs:RunTask");
    assert_eq!((report.calls, report.started.len()), (1, 0));

    // AWS refuses the call with InvalidParameterException: a placement failure, diagnosed.
    let proxy = common::faults::FaultProxy::start(
        f._moto.endpoint.as_str(),
        common::faults::Faults::NONE,
        1,
    )
    .await;
    proxy.answer(
        "RunTask",
        400,
        "InvalidParameterException",
        "No Container Instances were found in your cluster.",
    );
    let cloud = server::aws::AwsCloud::new(
        server::aws::sdk_config(Some(&proxy.endpoint), Some("us-east-1")).await,
    );
    let report = app::engine::run_tasks(&cloud, spec, &req).await;
    assert!(report.error.is_none(), "{:?}", report.error);
    assert_eq!((report.calls, report.started.len()), (1, 0));
    assert_eq!(report.failures.len(), 1);
    let keys: Vec<&str> = report.diagnoses.iter().map(|d| d.key.as_str()).collect();
    assert_eq!(keys, ["no-instances"]);
    assert_eq!(
        report.diagnoses[0].problem,
        "No container instance is registered with the cluster (the group wants 0 of at most 8)"
    );
}

/// The task view's data for `status` and `q`.
async fn list(owner: &mut Client, id: &str, status: &str, q: &str) -> TaskPage {
    let r = owner
        .call(
            "list_tasks",
            &[("id", id), ("status", status), ("search", q)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

/// Signs up `name` on the router.
async fn signed_up(router: &axum::Router, name: &str) -> Client {
    Client::signed_up(router, name).await
}

#[tokio::test]
async fn the_task_view_runs_lists_filters_and_stops_tasks_over_http() {
    let moto = common::moto().await;
    let dir = tempfile::tempdir().unwrap();
    common::keep_tasks_running(&moto.endpoint).await;
    let console = common::client::console(&moto.endpoint, &dir).await;
    let mut owner = signed_up(&console.router, "ana").await;

    // An environment with a Fargate task definition, applied through the pages' calls.
    let info: app::api::types::SessionInfo =
        serde_json::from_str(&owner.call("get_session", &[]).await.body).unwrap();
    let role = info.aws.default_service_role.unwrap();
    let r = owner.create("web", "us-east-1", "16", &role).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = r.location.unwrap().split('/').nth(2).unwrap().to_owned();
    let editor: SpecEditor =
        serde_json::from_str(&owner.call("get_spec_editor", &[("id", &id)]).await.body).unwrap();
    let mut spec: EnvironmentSpec = serde_json::from_str(&editor.spec_json).unwrap();
    let mut task = Preset::CpuFargate
        .spec("web", "us-east-1", spec.network.clone(), &preset_roles())
        .task_definition
        .unwrap();
    task.containers[0].memory_reservation = Some(2048);
    spec.task_definition = Some(task);
    let json = serde_json::to_string(&spec).unwrap();
    let r = owner
        .call(
            "save_spec",
            &[
                ("id", &id),
                ("base", "1"),
                ("spec_json", &json),
                ("message", "tasks"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let review: Review =
        serde_json::from_str(&owner.call("review_environment", &[("id", &id)]).await.body).unwrap();
    let r = owner
        .call(
            "apply_environment",
            &[("id", &id), ("fingerprint", &review.fingerprint)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for _ in 0..200 {
        let page: EnvironmentPage =
            serde_json::from_str(&owner.call("get_environment", &[("id", &id)]).await.body)
                .unwrap();
        match page.run.map(|r| r.state) {
            Some(RunState::Running) => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Some(RunState::Succeeded) => break,
            other => panic!("apply ended {other:?}"),
        }
    }

    // Bad input names its field; nothing is started.
    let r = owner
        .call(
            "run_tasks",
            &[
                ("id", &id),
                ("form[count]", "500"),
                ("form[placement]", "fargate"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.error().problem_for("count").is_some(), "{}", r.body);

    // Twelve tasks on Fargate, with a command override: two RunTask calls.
    let r = owner
        .call(
            "run_tasks",
            &[
                ("id", &id),
                ("form[count]", "12"),
                ("form[placement]", "fargate"),
                ("form[command]", "python3 -m infer"),
                ("form[public_ip]", "true"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ran: RunTasksResult = serde_json::from_str(&r.body).unwrap();
    assert_eq!((ran.requested, ran.started, ran.calls), (12, 12, 2));
    assert!(ran.error.is_none() && ran.failures.is_empty());
    // What was sent, shown on the page: the two RunTask requests and the API equivalent.
    let sent: Vec<serde_json::Value> = ran
        .requests
        .iter()
        .map(|r| serde_json::from_str(&r.payload).unwrap())
        .collect();
    assert_eq!(ran.requests[0].operation, "ecs:RunTask");
    assert_eq!(
        (sent.len(), &sent[0]["count"], &sent[1]["count"]),
        (2, &10.into(), &2.into())
    );
    assert_eq!(sent[0]["launchType"], "FARGATE");
    assert_eq!(
        sent[0]["overrides"]["containerOverrides"][0]["command"],
        serde_json::json!(["python3", "-m", "infer"])
    );
    assert_eq!(
        sent[0]["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"],
        "ENABLED"
    );
    assert!(
        ran.command.starts_with("curl -X POST")
            && ran
                .command
                .contains(&format!("/api/v1/environments/{id}/tasks"))
            && ran.command.contains(r#""count":"12""#),
        "{}",
        ran.command
    );

    let page = list(&mut owner, &id, "", "").await;
    assert_eq!(page.matching, 12, "{page:?}");
    assert_eq!(page.aws_error, None);
    let running = page
        .counts
        .iter()
        .find(|(s, _)| *s == TaskStatus::Running)
        .unwrap()
        .1;
    assert_eq!(running, 12);
    let one = page.items[3].id().to_owned();
    let found = list(&mut owner, &id, "", &one).await;
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].id(), one);

    // Stop two of them (sparse checkbox indexes, as a browser sends them), with a reason.
    let (a, b) = (page.items[0].arn.clone(), page.items[5].arn.clone());
    let r = owner
        .call(
            "stop_tasks",
            &[
                ("id", &id),
                ("tasks%5B0%5D", &a),
                ("tasks%5B5%5D", &b),
                ("reason", "wrong model"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let stopped: StopTasksResult = serde_json::from_str(&r.body).unwrap();
    assert_eq!((stopped.stopped, stopped.errors.len()), (2, 0));
    let sent: Vec<&str> = stopped
        .requests
        .iter()
        .map(|r| r.operation.as_str())
        .collect();
    assert_eq!(sent, ["ecs:StopTask", "ecs:StopTask"]);
    assert!(stopped.requests[1].payload.contains(&b) && stopped.command.contains("/tasks/stop"));
    let page = list(&mut owner, &id, "STOPPED", "").await;
    assert_eq!(page.matching, 2);
    for t in &page.items {
        assert!(t.arn == a || t.arn == b);
        assert_eq!(t.stopped_reason.as_deref(), Some("wrong model"));
    }
    assert_eq!(list(&mut owner, &id, "RUNNING", "").await.matching, 10);
    let r = owner
        .call("list_tasks", &[("id", &id), ("status", "EXPLODED")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);

    // A task of another cluster is refused by name, and text that cannot name a task by
    // its rule, before any StopTask call; both actions are in the audit log.
    for (task, rule) in [
        (
            "arn:aws:ecs:us-east-1:123456789012:task/other/0123456789abcdef0123456789abcdef",
            "console.task-of-cluster",
        ),
        ("not-a-task", "ecs.task-id"),
        (
            "arn:aws:ecs:us-east-1:123456789012:task/tasks/abc",
            "ecs.task-id",
        ),
    ] {
        let r = owner
            .call("stop_tasks", &[("id", &id), ("tasks[0]", task)])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let rules: Vec<String> = r
            .error()
            .problems()
            .iter()
            .map(|p| p.rule.clone())
            .collect();
        assert_eq!(rules, [rule], "{task}");
    }
    let page: EnvironmentPage =
        serde_json::from_str(&owner.call("get_environment", &[("id", &id)]).await.body).unwrap();
    let actions: Vec<&str> = page.activity.iter().map(|a| a.action.as_str()).collect();
    assert!(
        actions.contains(&"tasks.run") && actions.contains(&"tasks.stop"),
        "{actions:?}"
    );

    // The page itself renders the tasks without JavaScript.
    let html = owner
        .get(&format!("/environments/{id}/tasks?status=STOPPED"))
        .await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(html.body.contains("wrong model"), "{}", html.body);
    assert!(
        html.body
            .contains(r#"data-status="STOPPED" data-count="2""#)
    );
}
