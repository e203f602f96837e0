//! Live apply through the router against moto: the run's Server-Sent Events during a
//! slow apply (latency added at the fault proxy, so each step takes a while), a failing
//! apply's step and AWS error in the stream, the retry of the failed step (refused with a
//! stale plan or after a spec change, then applied), and the refusals of the event route.

mod common;

use std::time::Duration;

use app::api::types::{Review, SpecEditor};
use app::domain::run::live::{AwsErrorParts, LiveState};
use app::domain::{EnvironmentSpec, RunState};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::client::Client;
use common::faults::{FaultProxy, Faults};
use http_body_util::BodyExt;
use tower::ServiceExt;

async fn signed_up(router: &axum::Router, name: &str) -> Client {
    Client::signed_up(router, name).await
}

/// A new environment (cluster, compute environment, job queue) of `owner`; its id.
async fn created(owner: &mut Client, name: &str) -> String {
    let info: app::api::types::SessionInfo =
        serde_json::from_str(&owner.call("get_session", &[]).await.body).unwrap();
    let role = info.aws.default_service_role.unwrap();
    let r = owner.create(name, "us-east-1", "16", &role).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.location.unwrap().split('/').nth(2).unwrap().to_owned()
}

/// Reviews and applies the environment's plan.
async fn apply(owner: &mut Client, id: &str) {
    let review: Review =
        serde_json::from_str(&owner.call("review_environment", &[("id", id)]).await.body).unwrap();
    let r = owner
        .call(
            "apply_environment",
            &[("id", id), ("fingerprint", &review.fingerprint)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

async fn subscribe(client: &Client, id: &str) -> axum::response::Response {
    let mut req = Request::get(format!("/environments/{id}/runs/events"))
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

/// Every `run` event of a stream until it ends (each within 20 s of the last).
async fn events_until_end(body: &mut Body) -> Vec<LiveState> {
    let mut text = String::new();
    let mut out = Vec::new();
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(20), body.frame())
            .await
            .expect("an event (or the end) within 20 s");
        let Some(frame) = frame else {
            return out;
        };
        if let Ok(data) = frame.unwrap().into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
        while let Some(end) = text.find("\n\n") {
            let event: String = text.drain(..end + 2).collect();
            if event.contains("event: run")
                && let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: "))
            {
                out.push(serde_json::from_str(data).unwrap());
            }
        }
    }
}

/// The live state through the server function (as the page reads it).
async fn live(client: &mut Client, id: &str) -> LiveState {
    let r = client.call("live_run", &[("id", id)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

/// Waits for the environment's run to end; its final state.
async fn finished(client: &mut Client, id: &str) -> LiveState {
    for _ in 0..400 {
        let s = live(client, id).await;
        if s.run.as_ref().is_some_and(|r| !r.running()) {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the run did not finish");
}

#[tokio::test]
async fn a_slow_apply_streams_each_step_as_it_starts_and_finishes_then_the_end() {
    let moto = common::moto().await;
    let slow = Faults {
        latency: Duration::from_millis(250),
        ..Faults::NONE
    };
    let proxy = FaultProxy::start(&moto.endpoint, slow, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let console = common::client::console(&proxy.endpoint, &dir).await;
    let mut owner = signed_up(&console.router, "ana").await;
    let id = created(&mut owner, "slow").await;

    // Not signed in, or someone else: refused like the server functions.
    let anonymous = Client {
        router: console.router.clone(),
        cookie: None,
    };
    assert_eq!(
        subscribe(&anonymous, &id).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let mut other = signed_up(&console.router, "bob").await;
    assert_eq!(subscribe(&other, &id).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        other.call("live_run", &[("id", &id)]).await.status,
        StatusCode::NOT_FOUND
    );

    // Before any run: one event with no run, and the stream ends.
    let res = subscribe(&owner, &id).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "text/event-stream");
    let states = events_until_end(&mut res.into_body()).await;
    assert_eq!(states, [LiveState::default()]);

    apply(&mut owner, &id).await;
    let started = std::time::Instant::now();
    let res = subscribe(&owner, &id).await;
    assert_eq!(res.status(), StatusCode::OK);
    let mut body = res.into_body();
    let states = events_until_end(&mut body).await;
    let took = started.elapsed();

    // The first event came at once with the run in progress; the last is its end.
    let first = states.first().unwrap().run.clone().unwrap();
    assert!(first.running(), "{first:?}");
    let last = states.last().unwrap().run.clone().unwrap();
    assert_eq!(last.run.state, RunState::Succeeded, "{last:?}");
    assert!(
        states[..states.len() - 1]
            .iter()
            .all(|s| s.run.as_ref().unwrap().running())
    );
    assert!(
        took > Duration::from_secs(1),
        "the apply took {took:?}: too quick to watch"
    );
    // Every event shows something new, all of the same run.
    assert!(states.len() >= 4, "{} events: {states:#?}", states.len());
    for pair in states.windows(2) {
        let (a, b) = (pair[0].run.as_ref().unwrap(), pair[1].run.as_ref().unwrap());
        assert_eq!(a.run.id, b.run.id);
        assert!(!a.same_as(b), "an event without news");
        // Steps only ever appear and finish: what was shown stays, in its order.
        assert!(b.steps.len() >= a.steps.len());
        for (old, new) in a.steps.iter().zip(&b.steps) {
            assert_eq!(old.step, new.step);
            assert!(old.finished_at.is_none() || old.finished_at == new.finished_at);
        }
    }
    // Each step was seen running before it was seen finished.
    // The cluster and the compute environment start together (independent branches,
    // either may be recorded first); the queue waits for its compute environment.
    let names: Vec<&str> = last.steps.iter().map(|s| s.step.as_str()).collect();
    let mut first_two = names[..2].to_vec();
    first_two.sort_unstable();
    assert_eq!(
        first_two,
        [
            "create Batch compute environment slow-ce",
            "create ECS cluster slow"
        ],
        "{names:?}"
    );
    assert_eq!(
        names[2..],
        ["create Batch job queue slow-queue"],
        "{names:?}"
    );
    for name in &names {
        let seen_running = states.iter().any(|s| {
            s.run
                .as_ref()
                .unwrap()
                .steps
                .iter()
                .any(|x| x.step == *name && x.finished_at.is_none())
        });
        assert!(seen_running, "{name} never seen in progress: {states:#?}");
    }
    assert!(
        last.steps
            .iter()
            .all(|s| s.finished_at.is_some() && s.error.is_none())
    );
    assert!(last.elapsed(0.0).unwrap() > 0.5, "{last:?}");
    assert_eq!(states.last().unwrap().retry, None);

    // A tab that comes back after the end gets the final state at once, then the end.
    let states = events_until_end(&mut subscribe(&owner, &id).await.into_body()).await;
    assert_eq!(states.len(), 1);
    assert!(states[0].run.as_ref().unwrap().same_as(&last));
}

/// A failed apply: the job queue's creation answered with an AWS error.
async fn failed_apply(proxy: &FaultProxy, owner: &mut Client, id: &str) -> LiveState {
    proxy.answer(
        "CreateJobQueue",
        400,
        "ClientException",
        "Job queue limit exceeded for this account",
    );
    apply(owner, id).await;
    let states = events_until_end(&mut subscribe(owner, id).await.into_body()).await;
    states.last().unwrap().clone()
}

#[tokio::test]
async fn a_failing_step_streams_with_its_aws_error_and_its_retry_applies_what_is_left() {
    let moto = common::moto().await;
    let proxy = FaultProxy::start(&moto.endpoint, Faults::NONE, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let console = common::client::console(&proxy.endpoint, &dir).await;
    let mut owner = signed_up(&console.router, "ana").await;
    let id = created(&mut owner, "flaky").await;

    let end = failed_apply(&proxy, &mut owner, &id).await;
    let run = end.run.clone().unwrap();
    assert_eq!(run.run.state, RunState::Failed);
    let failed = run.failed_step().expect("a failed step");
    assert_eq!(failed.step, "create Batch job queue flaky-queue");
    let parts = AwsErrorParts::parse(failed.error.as_deref().unwrap()).unwrap();
    assert_eq!(parts.operation, "batch:CreateJobQueue");
    assert_eq!(parts.code.as_deref(), Some("ClientException"));
    assert_eq!(parts.message, "Job queue limit exceeded for this account");
    assert!(parts.request_id.is_some(), "{parts:?}");
    // The steps before it finished; the retry offers what the plan has left.
    assert_eq!(run.steps.iter().filter(|s| s.error.is_none()).count(), 2);
    let offer = end.retry.clone().expect("a retry");
    assert_eq!(offer.run_id, run.run.id);
    assert_eq!(offer.steps, ["create Batch job queue flaky-queue"]);
    assert_eq!(offer.blocked, None);
    assert!(!offer.fingerprint.is_empty());
    // The page reads the same.
    assert_eq!(live(&mut owner, &id).await.retry, Some(offer.clone()));

    // A stale fingerprint is refused; so is a retry by someone who may only view.
    let r = owner
        .call(
            "retry_apply",
            &[("id", &id), ("run", &run.run.id), ("fingerprint", "0000")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let mut other = signed_up(&console.router, "bob").await;
    let r = other
        .call(
            "retry_apply",
            &[
                ("id", &id),
                ("run", &run.run.id),
                ("fingerprint", &offer.fingerprint),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    // The fault gone, the retry applies only the failed step, and it succeeds.
    proxy.clear_answers();
    let r = owner
        .call(
            "retry_apply",
            &[
                ("id", &id),
                ("run", &run.run.id),
                ("fingerprint", &offer.fingerprint),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let states = events_until_end(&mut subscribe(&owner, &id).await.into_body()).await;
    let retried = states.last().unwrap().run.clone().unwrap();
    assert_ne!(retried.run.id, run.run.id);
    assert_eq!(retried.run.state, RunState::Succeeded, "{retried:?}");
    let names: Vec<&str> = retried.steps.iter().map(|s| s.step.as_str()).collect();
    assert_eq!(names, ["create Batch job queue flaky-queue"]);
    let aws = common::aws(&moto.endpoint).await;
    assert!(
        aws.job_queue_names()
            .await
            .contains(&"flaky-queue".to_owned())
    );
    // Audited like apply; nothing left to retry.
    let page: app::api::types::EnvironmentPage =
        serde_json::from_str(&owner.call("get_environment", &[("id", &id)]).await.body).unwrap();
    let audit = page
        .activity
        .iter()
        .find(|a| a.action == "environment.retry")
        .expect("the retry audited");
    assert!(audit.detail.contains(&run.run.id), "{audit:?}");
    assert!(audit.detail.contains(&offer.fingerprint), "{audit:?}");
    assert_eq!(finished(&mut owner, &id).await.retry, None);
    let r = owner
        .call(
            "retry_apply",
            &[
                ("id", &id),
                ("run", &run.run.id),
                ("fingerprint", &offer.fingerprint),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
}

#[tokio::test]
async fn a_retry_after_the_spec_changed_sends_the_user_to_review_the_new_plan() {
    let moto = common::moto().await;
    let proxy = FaultProxy::start(&moto.endpoint, Faults::NONE, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let console = common::client::console(&proxy.endpoint, &dir).await;
    let mut owner = signed_up(&console.router, "ana").await;
    let id = created(&mut owner, "edited").await;
    let end = failed_apply(&proxy, &mut owner, &id).await;
    let offer = end.retry.unwrap();
    proxy.clear_answers();

    // The spec is saved after the failed apply: the plan is no longer the reviewed one.
    let editor: SpecEditor =
        serde_json::from_str(&owner.call("get_spec_editor", &[("id", &id)]).await.body).unwrap();
    let mut spec: EnvironmentSpec = serde_json::from_str(&editor.spec_json).unwrap();
    spec.job_queue.as_mut().unwrap().priority += 1;
    let json = serde_json::to_string(&spec).unwrap();
    let r = owner
        .call(
            "save_spec",
            &[
                ("id", &id),
                ("base", "1"),
                ("spec_json", &json),
                ("message", "priority"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let state = live(&mut owner, &id).await;
    let blocked = state.retry.unwrap();
    assert!(
        blocked.blocked.as_deref().unwrap().contains("revision 2"),
        "{blocked:?}"
    );
    assert_eq!(blocked.fingerprint, "");
    let r = owner
        .call(
            "retry_apply",
            &[
                ("id", &id),
                ("run", &offer.run_id),
                ("fingerprint", &offer.fingerprint),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("review"), "{}", r.body);
    // Reviewing and applying the new plan works as always.
    apply(&mut owner, &id).await;
    let end = finished(&mut owner, &id).await;
    assert_eq!(end.run.unwrap().run.state, RunState::Succeeded);
}
