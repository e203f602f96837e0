//! The queue view with 10,000 jobs in its queue: the first page (the `queue_page` server
//! function, and the HTML page rendered through the router) is timed, with the counts
//! read for the request and with the counts of a watching poller, and its counts are
//! checked against what was submitted, state by state. A benchmark, run by hand (figures
//! in docs/perf.md):
//!
//! ```sh
//! cargo bench -p server --bench queue
//! ```
//!
//! moto is the AWS: a private moto server, the console in-process (release build, the
//! production poll policy, SQLite), the environment applied through its pages' calls.
//! The queue is filled with the SDK, bypassing the console, by concurrent SubmitJob
//! calls: SUCCEEDED jobs through moto's simple backend (`{"batch": {"use_docker":
//! false}}`: a job succeeds at once), FAILED jobs through its Docker backend with no
//! Docker daemon (they fail at once), SUBMITTED jobs through the Docker backend with the
//! `batch::job` transition set to manual (they stay SUBMITTED; one idle moto thread
//! each). All are single jobs, so the counts mean what they would on AWS (moto lists an
//! array job's children beside it, AWS does not).
//!
//! moto answers ListJobs with every matching job at once (it ignores maxResults and
//! never returns a nextToken), so each count reads a state's whole list in one answer
//! and the first page reads the whole queue and pages it in the console
//! (`PageToken::Skip`); against AWS the same page is one ListJobs of 50 and the counts
//! are ten pages of 1,000 a state.
//!
//! `SUCCEEDED` (9000), `FAILED` (250), `SUBMITTED` (750) set the mix, `CONCURRENCY` (16)
//! the SubmitJob calls in flight, `ITERATIONS` (15) the samples per measurement.

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::api::queue::QueueView;
use app::api::types::{EnvironmentPage, Review, SessionInfo, SpecEditor};
use app::domain::queue::JobState;
use app::domain::spec::presets::Preset;
use app::domain::{EnvironmentSpec, RunState};
use app::engine::WaitPolicy;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use clap::Parser;
use common::client::Client;
use futures::StreamExt;
use http_body_util::BodyExt;
use tower::ServiceExt;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Median and 95th percentile (nearest rank).
fn stats(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    let p95 = v[((v.len() as f64 * 0.95).ceil() as usize).clamp(1, v.len()) - 1];
    (v[v.len() / 2], p95)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

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

async fn use_docker(endpoint: &str, on: bool) {
    let body = format!(r#"{{"batch": {{"use_docker": {on}}}}}"#);
    moto_post(endpoint, "/moto-api/config", &body).await;
}

async fn transition(endpoint: &str, transition: &str) {
    let body = format!(r#"{{"model_name": "batch::job", "transition": {transition}}}"#);
    moto_post(endpoint, "/moto-api/state-manager/set-transition", &body).await;
}

/// `n` single jobs named `<prefix>-<i>`, `concurrency` SubmitJob calls in flight.
async fn submit_many(
    batch: &aws_sdk_batch::Client,
    queue: &str,
    definition: &str,
    prefix: &str,
    n: u64,
    concurrency: usize,
) -> Duration {
    let started = Instant::now();
    let results: Vec<_> = futures::stream::iter(0..n)
        .map(|i| {
            batch
                .submit_job()
                .job_name(format!("{prefix}-{i}"))
                .job_queue(queue)
                .job_definition(definition)
                .send()
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    for r in results {
        r.expect("SubmitJob");
    }
    started.elapsed()
}

/// How many jobs of the queue moto lists in `state`.
async fn listed(batch: &aws_sdk_batch::Client, queue: &str, state: &str) -> usize {
    batch
        .list_jobs()
        .job_queue(queue)
        .job_status(state.into())
        .send()
        .await
        .unwrap()
        .job_summary_list()
        .len()
}

/// The console on `endpoint` with the server's own wait and poll policy (a poll every
/// 3 s), as `console_with` builds it for the tests.
async fn console(endpoint: &str, dir: &tempfile::TempDir) -> server::Console {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let db = format!("sqlite://{}/console.db", dir.path().display());
    let leptos = format!("{root}/Leptos.toml");
    let config = server::config::Config::parse_from([
        "server",
        "--leptos-config",
        &leptos,
        "--database-url",
        &db,
        "--aws-endpoint-url",
        endpoint,
        "--capacity-sample-seconds",
        "0",
    ]);
    server::build(&config, WaitPolicy::default()).await.unwrap()
}

/// An environment with the CPU preset's Fargate job definition, applied through the
/// pages' calls (as `tests/queue.rs` does); its id.
async fn applied_environment(owner: &mut Client, name: &str) -> String {
    let info: SessionInfo =
        serde_json::from_str(&owner.call("get_session", &[]).await.body).unwrap();
    let role = info.aws.default_service_role.unwrap();
    let r = owner.create(name, "us-east-1", "16", &role).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = r.location.unwrap().split('/').nth(2).unwrap().to_owned();
    let editor: SpecEditor =
        serde_json::from_str(&owner.call("get_spec_editor", &[("id", &id)]).await.body).unwrap();
    let mut spec: EnvironmentSpec = serde_json::from_str(&editor.spec_json).unwrap();
    spec.job_definition = Preset::CpuFargate
        .spec(
            name,
            "us-east-1",
            spec.network.clone(),
            &common::preset_roles(),
        )
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
    for _ in 0..600 {
        let page: EnvironmentPage =
            serde_json::from_str(&owner.call("get_environment", &[("id", &id)]).await.body)
                .unwrap();
        match page.run.map(|r| r.state) {
            Some(RunState::Running) => tokio::time::sleep(Duration::from_millis(100)).await,
            Some(RunState::Succeeded) => return id,
            other => panic!("apply ended {other:?}"),
        }
    }
    panic!("apply did not finish");
}

/// The counts a page must show.
struct Expected {
    succeeded: u64,
    failed: u64,
    submitted: u64,
}

impl Expected {
    fn total(&self) -> u64 {
        self.succeeded + self.failed + self.submitted
    }

    fn check_view(&self, v: &QueueView) {
        assert_eq!(v.aws_error, None);
        for s in JobState::ALL {
            let want = match s {
                JobState::Succeeded => self.succeeded,
                JobState::Failed => self.failed,
                JobState::Submitted => self.submitted,
                _ => 0,
            };
            assert_eq!(v.counts.of(s), want, "{s:?}: {:?}", v.counts);
        }
        assert!(v.counts.states.iter().all(|c| !c.more), "{:?}", v.counts);
        assert_eq!(v.items.len(), 50);
        assert!(v.next.is_some());
    }

    fn check_html(&self, html: &str) {
        let total = self.total();
        for (state, n) in [
            ("ALL", total),
            ("SUBMITTED", self.submitted),
            ("PENDING", 0),
            ("RUNNABLE", 0),
            ("STARTING", 0),
            ("RUNNING", 0),
            ("SUCCEEDED", self.succeeded),
            ("FAILED", self.failed),
        ] {
            let attr = format!(r#"data-state="{state}" data-count="{n}""#);
            assert!(html.contains(&attr), "{attr} missing");
        }
        assert_eq!(html.matches("<tr data-job=").count(), 50);
        assert!(html.contains(r#"id="next-page""#));
    }
}

/// One `queue_page` call (the first page unless `form` says otherwise): the view and
/// the size of its JSON.
async fn view(owner: &Client, id: &str, form: &[(&str, &str)]) -> (QueueView, usize) {
    let mut owner = Client {
        router: owner.router.clone(),
        cookie: owner.cookie.clone(),
    };
    let mut fields = vec![("id", id)];
    fields.extend_from_slice(form);
    let r = owner.call("queue_page", &fields).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    (serde_json::from_str(&r.body).unwrap(), r.body.len())
}

/// The HTML page at `path`, rendered through the router.
async fn html(owner: &Client, path: &str) -> String {
    let mut owner = Client {
        router: owner.router.clone(),
        cookie: owner.cookie.clone(),
    };
    let r = owner.get(path).await;
    assert_eq!(r.status, StatusCode::OK);
    r.body
}

/// Times `iterations` calls of `f` after one warm-up call.
async fn time<F, Fut>(iterations: u64, mut f: F) -> (Duration, Duration)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    f().await;
    let mut samples = Vec::new();
    for _ in 0..iterations {
        let t = Instant::now();
        f().await;
        samples.push(t.elapsed());
    }
    stats(samples)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

async fn run() {
    let expected = Expected {
        succeeded: env_number("SUCCEEDED", 9000),
        failed: env_number("FAILED", 250),
        submitted: env_number("SUBMITTED", 750),
    };
    let concurrency = env_number("CONCURRENCY", 16) as usize;
    let iterations = env_number("ITERATIONS", 15);

    let moto = common::moto().await;
    let dir = tempfile::tempdir().unwrap();
    let console = console(&moto.endpoint, &dir).await;
    let router = console.router.clone();
    let mut owner = Client {
        router: router.clone(),
        cookie: None,
    };
    let r = owner
        .credentials("sign_up", "bench", "correct horse battery")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = applied_environment(&mut owner, "bench").await;
    let (queue, definition) = ("bench-queue", "bench-job");

    // Fill the queue (the SDK straight to moto).
    let aws = common::aws(&moto.endpoint).await;
    let batch = &aws.batch;
    let fill = Instant::now();
    use_docker(&moto.endpoint, false).await;
    let t_succeeded = submit_many(
        batch,
        queue,
        definition,
        "done",
        expected.succeeded,
        concurrency,
    )
    .await;
    use_docker(&moto.endpoint, true).await;
    let t_failed = submit_many(
        batch,
        queue,
        definition,
        "failed",
        expected.failed,
        concurrency,
    )
    .await;
    for _ in 0..200 {
        if listed(batch, queue, "FAILED").await as u64 == expected.failed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    transition(
        &moto.endpoint,
        r#"{"progression": "manual", "times": 1000000}"#,
    )
    .await;
    let t_submitted = submit_many(
        batch,
        queue,
        definition,
        "waiting",
        expected.submitted,
        concurrency,
    )
    .await;
    let fill = fill.elapsed();
    // moto agrees with the mix before the console is asked.
    for (state, n) in [
        ("SUCCEEDED", expected.succeeded),
        ("FAILED", expected.failed),
        ("SUBMITTED", expected.submitted),
    ] {
        assert_eq!(
            listed(batch, queue, state).await as u64,
            n,
            "moto's {state}"
        );
    }
    let total = expected.total();
    let rate = |n: u64, d: Duration| n as f64 / d.as_secs_f64();
    println!(
        "queue                         {total} jobs: {} SUCCEEDED, {} FAILED, {} SUBMITTED",
        expected.succeeded, expected.failed, expected.submitted
    );
    println!(
        "fill                          {:.1} s ({:.0} SubmitJob/s, {concurrency} in flight)",
        fill.as_secs_f64(),
        rate(total, fill)
    );
    println!(
        "  simple backend (SUCCEEDED)  {:.1} s ({:.0}/s)",
        t_succeeded.as_secs_f64(),
        rate(expected.succeeded, t_succeeded)
    );
    println!(
        "  Docker backend (FAILED)     {:.1} s ({:.0}/s)",
        t_failed.as_secs_f64(),
        rate(expected.failed, t_failed)
    );
    println!(
        "  manual (SUBMITTED)          {:.1} s ({:.0}/s)",
        t_submitted.as_secs_f64(),
        rate(expected.submitted, t_submitted)
    );

    // What moto costs: one ListJobs of the whole queue, and one of the largest state.
    let (all_p50, all_p95) = time(iterations, || async move {
        let out = batch
            .list_jobs()
            .job_queue(queue)
            .filters(
                aws_sdk_batch::types::KeyValuesPair::builder()
                    .name("AFTER_CREATED_AT")
                    .values("0")
                    .build(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(out.job_summary_list().len() as u64, total);
    })
    .await;
    let e = &expected;
    let (big_p50, big_p95) = time(iterations, || async move {
        assert_eq!(listed(batch, queue, "SUCCEEDED").await as u64, e.succeeded);
    })
    .await;
    let cloud: Arc<dyn app::engine::Cloud> = Arc::new(server::aws::AwsCloud::new(
        server::aws::sdk_config(Some(&moto.endpoint), Some("us-east-1")).await,
    ));
    let cloud = &cloud;
    let (count_p50, count_p95) = time(iterations, || async move {
        let c = app::engine::count_jobs(&**cloud, "us-east-1", queue)
            .await
            .unwrap();
        assert_eq!(c.total(), total);
    })
    .await;

    // The first page with the counts read for the request (nobody watching the queue).
    let (o, e, id) = (&owner, &expected, id.as_str());
    let path = format!("/environments/{id}/queue");
    let path = path.as_str();
    let (first, json_bytes) = view(o, id, &[]).await;
    e.check_view(&first);
    assert!(!first.counts_polled);
    let first_html = html(o, path).await;
    e.check_html(&first_html);
    let (fn_p50, fn_p95) = time(iterations, || async move {
        let (v, _) = view(o, id, &[]).await;
        e.check_view(&v);
        assert!(!v.counts_polled);
    })
    .await;
    let (page_p50, page_p95) = time(iterations, || async move {
        e.check_html(&html(o, path).await);
    })
    .await;
    // Filtered by state, and a name search (moto then answers only the matches).
    let (failed_p50, failed_p95) = time(iterations, || async move {
        let (v, _) = view(o, id, &[("state", "FAILED")]).await;
        assert_eq!(v.items.len(), 50);
        assert!(v.items.iter().all(|j| j.state == Some(JobState::Failed)));
    })
    .await;
    let (search_p50, search_p95) = time(iterations, || async move {
        let (v, _) = view(o, id, &[("search", "waiting-7")]).await;
        // waiting-7, waiting-70..79 and waiting-700..749: 61, a page of 50.
        assert_eq!(v.items.len(), 50);
        assert!(v.items.iter().all(|j| j.name.starts_with("waiting-7")));
    })
    .await;

    // Someone watches the queue (an open event stream): its poller's counts serve the
    // page, which then lists the page alone.
    let mut req = Request::get(format!("/environments/{id}/queue/events"))
        .header(header::ACCEPT, "text/event-stream");
    if let Some(c) = &owner.cookie {
        req = req.header(header::COOKIE, c);
    }
    let res = router
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let mut events = res.into_body();
    let waited = Instant::now();
    let mut text = String::new();
    while !text.contains("event: counts") {
        let frame = tokio::time::timeout(Duration::from_secs(30), events.frame())
            .await
            .expect("the first counts within 30 s")
            .expect("the stream is open")
            .unwrap();
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
    }
    let first_event = waited.elapsed();
    let (polled, _) = view(o, id, &[]).await;
    e.check_view(&polled);
    assert!(polled.counts_polled);
    let (wfn_p50, wfn_p95) = time(iterations, || async move {
        let (v, _) = view(o, id, &[]).await;
        e.check_view(&v);
        assert!(v.counts_polled);
    })
    .await;
    let (wpage_p50, wpage_p95) = time(iterations, || async move {
        e.check_html(&html(o, path).await);
    })
    .await;
    drop(events);

    println!("samples                       {iterations} per line after a warm-up; median / p95");
    println!(
        "moto ListJobs, whole queue    {} / {} ({total} summaries)",
        ms(all_p50),
        ms(all_p95)
    );
    println!(
        "moto ListJobs, SUCCEEDED      {} / {} ({} summaries)",
        ms(big_p50),
        ms(big_p95),
        expected.succeeded
    );
    println!(
        "count_jobs (7 ListJobs)       {} / {}",
        ms(count_p50),
        ms(count_p95)
    );
    println!(
        "queue_page, counts read       {} / {} ({json_bytes} B JSON)",
        ms(fn_p50),
        ms(fn_p95)
    );
    println!(
        "HTML page, counts read        {} / {} ({} B HTML)",
        ms(page_p50),
        ms(page_p95),
        first_html.len()
    );
    println!(
        "queue_page state=FAILED       {} / {}",
        ms(failed_p50),
        ms(failed_p95)
    );
    println!(
        "queue_page name search        {} / {}",
        ms(search_p50),
        ms(search_p95)
    );
    println!("first SSE counts event        {}", ms(first_event));
    println!(
        "queue_page, poller's counts   {} / {}",
        ms(wfn_p50),
        ms(wfn_p95)
    );
    println!(
        "HTML page, poller's counts    {} / {}",
        ms(wpage_p50),
        ms(wpage_p95)
    );
}
