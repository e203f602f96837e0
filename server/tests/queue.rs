//! The Batch queue view through the router against moto: submit 50 jobs (one of them an
//! array job), counts and state filters, name and id search, page tokens, job detail,
//! cancel with a reason; and the live counts: several Server-Sent-Event subscribers
//! share one poller (ListJobs calls counted at a proxy in front of moto).
//!
//! moto's Batch: without Docker a job submitted to the default backend starts a thread
//! that moves it on at each state-manager "advance" and fails once it tries to run a
//! container. Setting the `batch::job` transition to "manual" with a huge count keeps
//! such jobs SUBMITTED for the whole test; `{"batch": {"use_docker": false}}` in
//! `/moto-api/config` switches submissions to moto's simple backend, where a job is
//! SUCCEEDED at once. Both per moto server, at run time, so each state is
//! deterministic. moto lists array children with their parent in the queue (AWS lists
//! only the parent) and ignores maxResults (the console pages such answers itself).

mod common;

use std::time::Duration;

use app::api::queue::{QueueView, SubmitJobResult};
use app::api::types::{EnvironmentPage, Review, SpecEditor};
use app::domain::queue::{JobDetail, JobState, StopJobsReport};
use app::domain::spec::presets::Preset;
use app::domain::{EnvironmentSpec, RunState};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::client::Client;
use common::preset_roles;
use http_body_util::BodyExt;
use tower::ServiceExt;

async fn moto_post(endpoint: &str, path: &str, body: &str) {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    let req = hyper::Request::post(format!("{}{path}", endpoint.trim_end_matches('/')))
        .header("content-type", "application/json")
        .body(http_body_util::Full::new(bytes::Bytes::from(
            body.to_owned(),
        )))
        .unwrap();
    let res = client.request(req).await.unwrap();
    assert!(res.status().is_success(), "moto {path}: {}", res.status());
}

/// Jobs submitted with Docker "on" stay SUBMITTED (see the module's comment).
async fn keep_jobs_submitted(endpoint: &str) {
    moto_post(
        endpoint,
        "/moto-api/state-manager/set-transition",
        r#"{"model_name": "batch::job", "transition": {"progression": "manual", "times": 1000000}}"#,
    )
    .await;
}

/// `false`: jobs submitted from now on SUCCEED at once (moto's simple backend).
async fn use_docker(endpoint: &str, on: bool) {
    moto_post(
        endpoint,
        "/moto-api/config",
        &format!(r#"{{"batch": {{"use_docker": {on}}}}}"#),
    )
    .await;
}

/// Signs up `name` on the router.
async fn signed_up(router: &axum::Router, name: &str) -> Client {
    Client::signed_up(router, name).await
}

/// An environment named `name` with the CPU preset's Fargate job definition, applied
/// through the pages' calls; its id.
async fn applied_environment(owner: &mut Client, name: &str) -> String {
    let info: app::api::types::SessionInfo =
        serde_json::from_str(&owner.call("get_session", &[]).await.body).unwrap();
    let role = info.aws.default_service_role.unwrap();
    let r = owner.create(name, "us-east-1", "16", &role).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = r.location.unwrap().split('/').nth(2).unwrap().to_owned();
    let editor: SpecEditor =
        serde_json::from_str(&owner.call("get_spec_editor", &[("id", &id)]).await.body).unwrap();
    let mut spec: EnvironmentSpec = serde_json::from_str(&editor.spec_json).unwrap();
    assert!(spec.job_queue.is_some());
    spec.job_definition = Preset::CpuFargate
        .spec(name, "us-east-1", spec.network.clone(), &preset_roles())
        .job_definition;
    let json = serde_json::to_string(&spec).unwrap();
    let form = [
        ("id", id.as_str()),
        ("base", "1"),
        ("spec_json", json.as_str()),
        ("message", "jobs"),
    ];
    let r = owner.call("save_spec", &form).await;
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
    for _ in 0..400 {
        let page: EnvironmentPage =
            serde_json::from_str(&owner.call("get_environment", &[("id", &id)]).await.body)
                .unwrap();
        match page.run.map(|r| r.state) {
            Some(RunState::Running) => tokio::time::sleep(Duration::from_millis(50)).await,
            Some(RunState::Succeeded) => return id,
            other => panic!("apply ended {other:?}"),
        }
    }
    panic!("apply did not finish");
}

async fn submit(owner: &mut Client, id: &str, fields: &[(&str, &str)]) -> SubmitJobResult {
    let mut form = vec![("id", id)];
    form.extend_from_slice(fields);
    let r = owner.call("submit_job", &form).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

async fn page(owner: &mut Client, id: &str, state: &str, q: &str, token: &str) -> QueueView {
    let r = owner
        .call(
            "queue_page",
            &[
                ("id", id),
                ("state", state),
                ("search", q),
                ("token", token),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

#[tokio::test]
async fn the_queue_view_submits_counts_filters_searches_pages_and_cancels_jobs() {
    let moto = common::moto().await;
    let dir = tempfile::tempdir().unwrap();
    keep_jobs_submitted(&moto.endpoint).await;
    let console = common::client::console(&moto.endpoint, &dir).await;
    let mut owner = signed_up(&console.router, "ana").await;
    let id = applied_environment(&mut owner, "batch").await;

    // Bad input names its field and rule; nothing is submitted.
    let r = owner
        .call(
            "submit_job",
            &[
                ("id", &id),
                ("form[name]", "-bad name"),
                ("form[array_size]", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let e = r.error();
    assert!(e.problem_for("name").is_some(), "{}", r.body);
    assert!(e.problem_for("array_size").is_some(), "{}", r.body);

    // 50 jobs: ten that succeed at once, 35 that wait, one array job of five.
    use_docker(&moto.endpoint, false).await;
    for n in 0..10 {
        submit(&mut owner, &id, &[("form[name]", &format!("done-{n}"))]).await;
    }
    use_docker(&moto.endpoint, true).await;
    let mut shards = Vec::new();
    for n in 0..35 {
        let name = format!("shard-{n}");
        let fields = [
            ("form[name]", name.as_str()),
            ("form[parameters]", "model=small"),
            ("form[command]", "python3 -m infer Ref::model"),
        ];
        shards.push(submit(&mut owner, &id, &fields).await);
    }
    let sweep = submit(
        &mut owner,
        &id,
        &[("form[name]", "sweep"), ("form[array_size]", "5")],
    )
    .await;
    assert_eq!(sweep.array_size, Some(5));

    // Counts per state (moto lists the five children beside their parent).
    let all = page(&mut owner, &id, "", "", "").await;
    assert_eq!(all.aws_error, None);
    assert_eq!(all.counts.of(JobState::Submitted), 41, "{:?}", all.counts);
    assert_eq!(all.counts.of(JobState::Succeeded), 10);
    assert_eq!(all.counts.total(), 51);
    // Every state, one page of 50 and a token for the rest.
    assert_eq!(all.items.len(), 50);
    let next = all.next.clone().expect("a next page");
    let rest = page(&mut owner, &id, "", "", &next).await;
    assert_eq!((rest.items.len(), rest.next.as_deref()), (1, None));
    assert!(!all.items.iter().any(|j| j.id == rest.items[0].id));
    // State filters.
    let done = page(&mut owner, &id, "SUCCEEDED", "", "").await;
    assert_eq!(done.items.len(), 10);
    assert!(
        done.items
            .iter()
            .all(|j| j.state == Some(JobState::Succeeded))
    );
    assert!(done.items.iter().all(|j| j.name.starts_with("done-")));
    let waiting = page(&mut owner, &id, "SUBMITTED", "", "").await;
    assert_eq!((waiting.items.len(), waiting.next.as_deref()), (41, None));
    assert_eq!(
        page(&mut owner, &id, "RUNNING", "", "").await.items.len(),
        0
    );
    // Name prefix (ListJobs' JOB_NAME filter) and id (DescribeJobs).
    let named = page(&mut owner, &id, "", "shard-1", "").await;
    let mut names: Vec<&str> = named.items.iter().map(|j| j.name.as_str()).collect();
    names.sort();
    assert_eq!(names.len(), 11, "shard-1 and shard-10..19: {names:?}");
    assert_eq!(
        page(&mut owner, &id, "SUCCEEDED", "shard", "")
            .await
            .items
            .len(),
        0
    );
    assert_eq!(page(&mut owner, &id, "", "sweep", "").await.items.len(), 6);
    let one = &shards[7].job_id;
    let found = page(&mut owner, &id, "", one, "").await;
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].name, "shard-7");
    // Bad filters and tokens are refused by name.
    for (state, token, field) in [("EXPLODED", "", "state"), ("", "forged", "token")] {
        let r = owner
            .call(
                "queue_page",
                &[("id", &id), ("state", state), ("token", token)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.error().problem_for(field).is_some(), "{}", r.body);
    }

    // Detail: parameters, command, array children.
    let r = owner.call("get_job", &[("id", &id), ("job", one)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let detail: JobDetail = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        detail.parameters,
        [("model".to_owned(), "small".to_owned())]
    );
    // (moto shows the command as submitted, Ref::model unsubstituted.)
    assert_eq!(detail.command[..3], ["python3", "-m", "infer"]);
    let r = owner
        .call("get_job", &[("id", &id), ("job", &sweep.job_id)])
        .await;
    let detail: JobDetail = serde_json::from_str(&r.body).unwrap();
    assert_eq!(detail.array.and_then(|a| a.size), Some(5));

    // Cancel one waiting job with a reason (a finished one is reported, not touched).
    let succeeded = done.items[0].id.clone();
    let r = owner
        .call(
            "cancel_jobs",
            &[
                ("id", &id),
                ("jobs%5B0%5D", one),
                ("jobs%5B4%5D", &succeeded),
                ("reason", "wrong input"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let report: StopJobsReport = serde_json::from_str(&r.body).unwrap();
    assert_eq!(report.cancelled.as_slice(), std::slice::from_ref(one));
    assert!(report.terminated.is_empty());
    assert_eq!(report.errors, [format!("{succeeded}: already SUCCEEDED")]);
    // What was sent, and the command line that does the same.
    assert_eq!(report.requests.len(), 1);
    assert_eq!(report.requests[0].operation, "batch:CancelJob");
    assert!(report.requests[0].payload.contains(one.as_str()));
    assert!(report.requests[0].payload.contains("wrong input"));
    assert!(
        report
            .command
            .starts_with(&format!("console jobs cancel {id} {one}")),
        "{}",
        report.command
    );
    let r = owner.call("get_job", &[("id", &id), ("job", one)]).await;
    let detail: JobDetail = serde_json::from_str(&r.body).unwrap();
    assert_eq!(detail.summary.status_reason.as_deref(), Some("wrong input"));
    let r = owner.call("cancel_jobs", &[("id", &id)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.error().problem_for("jobs").is_some());

    // Audited; and the page renders without JavaScript.
    let env: EnvironmentPage =
        serde_json::from_str(&owner.call("get_environment", &[("id", &id)]).await.body).unwrap();
    let actions: Vec<&str> = env.activity.iter().map(|a| a.action.as_str()).collect();
    assert!(
        actions.contains(&"jobs.submit") && actions.contains(&"jobs.cancel"),
        "{actions:?}"
    );
    let html = owner
        .get(&format!("/environments/{id}/queue?state=SUCCEEDED"))
        .await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(
        html.body
            .contains(r#"data-state="SUCCEEDED" data-count="10""#),
        "{}",
        html.body
    );
    assert!(html.body.contains("done-3"));
    let html = owner.get(&format!("/environments/{id}")).await;
    assert!(html.body.contains(r#"id="queue-link""#));
}

/// Opens the queue's event stream as `client`.
async fn subscribe(client: &Client, id: &str) -> axum::response::Response {
    let mut req = Request::get(format!("/environments/{id}/queue/events"))
        .header(header::ACCEPT, "text/event-stream");
    if let Some(c) = &client.cookie {
        req = req.header(header::COOKIE, c);
    }
    client
        .router
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

/// The next `counts` event of an event stream, decoded.
async fn next_counts(body: &mut Body) -> app::domain::queue::QueueSnapshot {
    let mut text = String::new();
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), body.frame())
            .await
            .expect("an event within 10 s")
            .expect("the stream is open")
            .unwrap();
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
        while let Some(end) = text.find("\n\n") {
            let event: String = text.drain(..end + 2).collect();
            if event.contains("event: counts")
                && let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: "))
            {
                return serde_json::from_str(data).unwrap();
            }
        }
    }
}

#[tokio::test]
async fn subscribers_of_a_queue_share_one_poller_and_see_changes_pushed() {
    let moto = common::moto().await;
    keep_jobs_submitted(&moto.endpoint).await;
    // The console talks to moto through a proxy that counts Batch calls.
    let proxy =
        common::faults::FaultProxy::start(&moto.endpoint, common::faults::Faults::NONE, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let console = common::client::console(&proxy.endpoint, &dir).await;
    let mut owner = signed_up(&console.router, "ana").await;
    let id = applied_environment(&mut owner, "live").await;
    submit(&mut owner, &id, &[("form[name]", "first")]).await;

    // Not signed in, or someone else: refused like the server functions.
    let anonymous = Client {
        router: console.router.clone(),
        cookie: None,
    };
    assert_eq!(
        subscribe(&anonymous, &id).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let other = signed_up(&console.router, "bob").await;
    assert_eq!(subscribe(&other, &id).await.status(), StatusCode::NOT_FOUND);

    // Five watchers; each gets the counts.
    let forwarded = || {
        proxy
            .counts
            .forwarded
            .load(std::sync::atomic::Ordering::SeqCst)
    };
    let before = forwarded();
    let started = std::time::Instant::now();
    let mut streams = Vec::new();
    for _ in 0..5 {
        let res = subscribe(&owner, &id).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[header::CONTENT_TYPE], "text/event-stream",);
        streams.push(res.into_body());
    }
    for body in &mut streams {
        let s = next_counts(body).await;
        assert_eq!(s.counts.of(JobState::Submitted), 1, "{s:?}");
    }
    // A change (submitted outside the console) reaches every watcher without a reload.
    let aws = common::aws(&moto.endpoint).await;
    aws.batch
        .submit_job()
        .job_name("second")
        .job_queue("live-queue")
        .job_definition("live-job")
        .send()
        .await
        .unwrap();
    for body in &mut streams {
        let s = next_counts(body).await;
        assert_eq!(s.counts.of(JobState::Submitted), 2, "{s:?}");
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    // The only Batch calls in this window are the poller's ListJobs (seven per poll):
    // one poller every 200 ms, not five.
    let calls = forwarded() - before;
    let elapsed = started.elapsed().as_secs_f64();
    let polls_allowed = (elapsed / 0.2).ceil() as u64 + 1;
    // A poll may be in flight when the window closes: count started polls.
    assert!(calls >= 14, "{calls} ListJobs calls in {elapsed:.1} s");
    assert!(
        calls <= 7 * polls_allowed,
        "{calls} ListJobs calls in {elapsed:.1} s: more than one poller's"
    );
    // The page reads the poller's counts instead of counting again.
    let view = page(&mut owner, &id, "", "", "").await;
    assert!(view.counts_polled);
    assert_eq!(view.counts.of(JobState::Submitted), 2);
    let metrics = owner.get("/metrics").await.body;
    assert!(
        metrics.contains(r#"console_poller_lag_seconds{queue="live-queue"}"#),
        "{metrics}"
    );

    // When the last watcher leaves, the polling stops.
    drop(streams);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let after = forwarded();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(forwarded(), after, "polling after every watcher left");
    let view = page(&mut owner, &id, "", "", "").await;
    assert!(!view.counts_polled);
}
