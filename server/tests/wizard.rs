//! The new-environment wizard over HTTP (the real router, SQLite, moto): a draft from a
//! preset walked step by step, bad values refused naming their field (the draft keeps
//! the rest), back keeps what was typed, pickers from the account, the environment
//! created at the end; drafts are private to their user.

mod common;

use app::api::wizard::WizardPage;
use app::domain::wizard::{Picker, Step};
use axum::http::StatusCode;
use common::client::{Client, console};

async fn signed_up(router: &axum::Router, name: &str) -> Client {
    Client::signed_up(router, name).await
}

async fn page(c: &mut Client, draft: &str, step: Step) -> WizardPage {
    let r = c
        .call("get_wizard", &[("draft", draft), ("step", step.key())])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

/// Posts a step's form: every field as the page shows it, with `changes` applied
/// (a checkbox whose value is "false" is left out, as browsers do).
async fn save(
    c: &mut Client,
    draft: &str,
    step: Step,
    go: &str,
    changes: &[(&str, &str)],
) -> common::client::Reply {
    let shown = page(c, draft, step).await;
    let mut form: Vec<(String, String)> = vec![
        ("draft".into(), draft.into()),
        ("step".into(), step.key().into()),
        ("go".into(), go.into()),
    ];
    for (i, field) in step.fields().iter().enumerate() {
        let mut value = shown
            .values
            .iter()
            .find(|(p, _)| p == field.path)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        if let Some((_, v)) = changes.iter().find(|(p, _)| *p == field.path) {
            value = (*v).to_owned();
        }
        if value == "false" {
            continue;
        }
        form.push((format!("values[{i}]"), value));
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    c.call("save_wizard_step", &pairs).await
}

fn value<'a>(p: &'a WizardPage, path: &str) -> &'a str {
    p.values
        .iter()
        .find(|(k, _)| k == path)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no field {path}"))
}

#[tokio::test]
async fn a_preset_walked_through_the_wizard_becomes_an_environment() {
    let moto = common::moto().await;
    let dir = tempfile::tempdir().unwrap();
    let console = console(&moto.endpoint, &dir).await;
    let mut alice = signed_up(&console.router, "alice").await;

    // The start page works before hydration.
    let start = alice.get("/wizard").await;
    assert!(
        start.body.contains("id=\"wizard-start-form\""),
        "{}",
        start.body
    );
    let r = alice
        .call(
            "start_wizard",
            &[
                ("source", "gpu_g5"),
                ("name", "Bad Name"),
                ("region", "mars-1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = r
        .error()
        .problems()
        .iter()
        .map(|p| p.field.clone())
        .collect();
    assert_eq!(fields, ["name", "region"]);
    let r = alice
        .call(
            "start_wizard",
            &[
                ("source", "gpu_g5"),
                ("name", "wiz"),
                ("region", "us-east-1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let location = r.location.unwrap();
    let draft = location.split('/').nth(2).unwrap().to_owned();
    assert_eq!(location, format!("/wizard/{draft}/basics"));

    // Basics: a new name renames the resources named after it.
    let basics = page(&mut alice, &draft, Step::Basics).await;
    assert_eq!(value(&basics, "name"), "wiz");
    let r = save(
        &mut alice,
        &draft,
        Step::Basics,
        "next",
        &[("name", "vision")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.location.unwrap(), format!("/wizard/{draft}/network"));

    // Network: the pickers list the account's VPC and its subnets; the default VPC holds.
    let network = page(&mut alice, &draft, Step::Network).await;
    let vpc = value(&network, "network.vpc_id").to_owned();
    let subnets = &network
        .options
        .iter()
        .find(|(p, _)| *p == Picker::Subnets)
        .unwrap()
        .1;
    assert!(!subnets.is_empty());
    assert!(
        network
            .options
            .iter()
            .find(|(p, _)| *p == Picker::Vpc)
            .unwrap()
            .1
            .iter()
            .any(|o| o.value == vpc && o.label.contains("(default)"))
    );
    // A subnet id AWS would refuse: named, and the step is not left.
    let r = save(
        &mut alice,
        &draft,
        Step::Network,
        "next",
        &[("network.subnets", "subnet-nothex!")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.error().problems()[0].field.starts_with("network.subnets"));
    // Back is always allowed, and keeps what was typed.
    let r = save(
        &mut alice,
        &draft,
        Step::Network,
        "back",
        &[("network.subnets", "subnet-nothex!")],
    )
    .await;
    assert_eq!(r.location.unwrap(), format!("/wizard/{draft}/basics"));
    let again = page(&mut alice, &draft, Step::Network).await;
    assert_eq!(value(&again, "network.subnets"), "subnet-nothex!");
    let r = save(
        &mut alice,
        &draft,
        Step::Network,
        "next",
        &[("network.subnets", &subnets[0].value)],
    )
    .await;
    assert_eq!(
        r.location.unwrap(),
        format!("/wizard/{draft}/cluster"),
        "{}",
        r.body
    );

    // Cluster: the renamed cluster; a size that is not a number, then one AWS refuses.
    let cluster = page(&mut alice, &draft, Step::Cluster).await;
    assert_eq!(value(&cluster, "cluster.name"), "vision");
    assert_eq!(value(&cluster, "capacity.provider.name"), "vision-cp");
    let profile = "arn:aws:iam::123456789012:instance-profile/ecsInstanceRole";
    let r = save(
        &mut alice,
        &draft,
        Step::Cluster,
        "next",
        &[
            ("capacity.auto_scaling_group.max_size", "eight"),
            ("capacity.auto_scaling_group.instance_profile", profile),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let p = r.error().problems()[0].clone();
    assert_eq!(
        (p.field.as_str(), p.rule.as_str()),
        (
            "capacity.auto_scaling_group.max_size",
            "console.whole-number"
        )
    );
    // The problems of the last attempt are shown once on the page (forms without JS).
    let shown = page(&mut alice, &draft, Step::Cluster).await;
    assert_eq!(
        shown.problems[0].field,
        "capacity.auto_scaling_group.max_size"
    );
    assert!(
        page(&mut alice, &draft, Step::Cluster)
            .await
            .problems
            .is_empty()
    );
    let r = save(
        &mut alice,
        &draft,
        Step::Cluster,
        "next",
        &[
            ("capacity.auto_scaling_group.max_size", "2"),
            ("capacity.auto_scaling_group.desired_capacity", "5"),
            ("capacity.auto_scaling_group.instance_profile", profile),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.error()
            .problems()
            .iter()
            .all(|p| p.field.starts_with("capacity.auto_scaling_group")),
        "{:?}",
        r.error()
    );
    let r = save(
        &mut alice,
        &draft,
        Step::Cluster,
        "next",
        &[
            ("capacity.auto_scaling_group.max_size", "4"),
            ("capacity.auto_scaling_group.desired_capacity", "0"),
            ("capacity.auto_scaling_group.instance_profile", profile),
        ],
    )
    .await;
    assert_eq!(
        r.location.unwrap(),
        format!("/wizard/{draft}/compute"),
        "{}",
        r.body
    );

    // Compute: the instance role is still to be picked.
    let r = save(&mut alice, &draft, Step::Compute, "next", &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        r.error().problems()[0].field,
        "compute_environment.instance_role"
    );
    let r = save(
        &mut alice,
        &draft,
        Step::Compute,
        "next",
        &[("compute_environment.instance_role", profile)],
    )
    .await;
    assert_eq!(
        r.location.unwrap(),
        format!("/wizard/{draft}/workload"),
        "{}",
        r.body
    );

    // Workload: a role that is not a role ARN is refused; then the environment is created.
    let r = save(
        &mut alice,
        &draft,
        Step::Workload,
        "next",
        &[("task_definition.execution_role", "ecsTaskExecutionRole")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.error()
            .problems()
            .iter()
            .any(|p| p.field == "task_definition.execution_role"),
        "{:?}",
        r.error()
    );
    let exec = "arn:aws:iam::123456789012:role/ecsTaskExecutionRole";
    let job = "arn:aws:iam::123456789012:role/inference-job";
    let r = save(
        &mut alice,
        &draft,
        Step::Workload,
        "next",
        &[
            ("task_definition.execution_role", exec),
            ("job_definition.job_role", job),
            ("job_definition.execution_role", exec),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let review = r.location.unwrap();
    assert!(review.ends_with("/review"), "{review}");
    let id = review.split('/').nth(2).unwrap();
    let env: app::api::types::EnvironmentPage =
        serde_json::from_str(&alice.call("get_environment", &[("id", id)]).await.body).unwrap();
    assert_eq!(env.spec.name, "vision");
    assert_eq!(env.spec.network.subnets, [subnets[0].value.clone()]);
    let group = match &env.spec.capacity.as_ref().unwrap().auto_scaling_group {
        app::domain::spec::AutoScalingGroupSource::Create(g) => g.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!((group.name.as_str(), group.max_size), ("vision-asg", 4));
    assert_eq!(
        env.spec.task_definition.unwrap().execution_role.as_deref(),
        Some(exec)
    );
    // The draft is gone.
    let r = alice
        .call("get_wizard", &[("draft", &draft), ("step", "basics")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn drafts_are_kept_per_user_and_optional_parts_come_and_go() {
    let moto = common::moto().await;
    let dir = tempfile::tempdir().unwrap();
    let console = console(&moto.endpoint, &dir).await;
    let mut alice = signed_up(&console.router, "alice").await;
    let mut bob = signed_up(&console.router, "bob").await;
    let r = alice
        .call(
            "start_wizard",
            &[
                ("source", "blank"),
                ("name", "plain"),
                ("region", "us-east-1"),
            ],
        )
        .await;
    let draft = r.location.unwrap().split('/').nth(2).unwrap().to_owned();

    // Someone else's draft does not exist for them.
    let r = bob
        .call("get_wizard", &[("draft", &draft), ("step", "basics")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // A blank spec has no EC2 capacity; including it adds the preset's, and the step
    // stays open to show its settings; leaving it out removes it again.
    let cluster = page(&mut alice, &draft, Step::Cluster).await;
    assert_eq!(value(&cluster, "capacity"), "false");
    assert!(
        !cluster
            .values
            .iter()
            .any(|(p, v)| p == "capacity.provider.name" && !v.is_empty())
    );
    let r = save(
        &mut alice,
        &draft,
        Step::Cluster,
        "next",
        &[("capacity", "true")],
    )
    .await;
    // The same step again, as a new address (so that the page reads it again).
    assert!(
        r.location
            .unwrap()
            .starts_with(&format!("/wizard/{draft}/cluster?saved="))
    );
    let cluster = page(&mut alice, &draft, Step::Cluster).await;
    assert_eq!(value(&cluster, "capacity.provider.name"), "plain-cp");
    let r = save(
        &mut alice,
        &draft,
        Step::Cluster,
        "stay",
        &[("capacity", "false")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        value(&page(&mut alice, &draft, Step::Cluster).await, "capacity"),
        "false"
    );

    // A copy of an environment one may copy starts a draft renamed after the new name.
    let token = alice.token("t").await;
    let (_, created) = alice
        .api(
            "POST",
            "/environments",
            Some(&token),
            Some(serde_json::json!({"name": "source", "region": "us-east-1", "max_vcpus": 16})),
        )
        .await;
    let source = created["id"].as_str().unwrap().to_owned();
    let r = alice
        .call(
            "start_wizard",
            &[
                ("source", &format!("copy:{source}")),
                ("name", "copied"),
                ("region", "us-east-1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let copy = r.location.unwrap().split('/').nth(2).unwrap().to_owned();
    let basics = page(&mut alice, &copy, Step::Basics).await;
    assert_eq!(value(&basics, "name"), "copied");
    let cluster = page(&mut alice, &copy, Step::Cluster).await;
    assert_eq!(value(&cluster, "cluster.name"), "copied");
    // Someone without a role on the source cannot copy it.
    let r = bob
        .call(
            "start_wizard",
            &[
                ("source", &format!("copy:{source}")),
                ("name", "stolen"),
                ("region", "us-east-1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        alice
            .call("discard_draft", &[("draft", &copy)])
            .await
            .status,
        StatusCode::OK
    );

    // The start page lists the draft; discarding it deletes it.
    let start: app::api::wizard::StartPage =
        serde_json::from_str(&alice.call("get_wizard_start", &[]).await.body).unwrap();
    assert_eq!(start.drafts.len(), 1);
    assert_eq!(start.drafts[0].step, "cluster");
    let r = alice.call("discard_draft", &[("draft", &draft)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let start: app::api::wizard::StartPage =
        serde_json::from_str(&alice.call("get_wizard_start", &[]).await.body).unwrap();
    assert!(start.drafts.is_empty());
}
