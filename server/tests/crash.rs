//! Crash safety of the store: the server binary is killed (SIGKILL) while a client saves
//! revisions in a loop, then restarted on the same database, several times. Every
//! revision the server acknowledged must be there with its content, numbers must run
//! without gaps, and the environment must point at the latest revision.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::process::{call, encode, request, start};

fn spec_editor(port: u16, cookie: &str, id: &str) -> app::api::types::SpecEditor {
    call(port, cookie, "get_spec_editor", &format!("id={id}"))
}

/// Max vCPUs in revision `number`, read as its diff from revision 1.
fn revision_vcpus(port: u16, cookie: &str, id: &str, number: u64) -> Option<String> {
    let history: app::api::types::History = call(
        port,
        cookie,
        "get_history",
        &format!("id={id}&from=1&to={number}"),
    );
    history
        .diff?
        .changes
        .into_iter()
        .find(|c| c.path == "compute_environment.max_vcpus")?
        .new
}

#[tokio::test(flavor = "multi_thread")]
async fn acknowledged_revisions_survive_sigkill() {
    let moto = common::moto().await;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/console.db", dir.path().display());
    let port = common::free_port();
    let mut server = start(port, &db, &moto.endpoint);

    let signup = request(
        port,
        "POST",
        "/api/sign_up",
        None,
        "username=crash&password=correct+horse+battery",
    )
    .unwrap();
    assert_eq!(signup.status, 200, "{}", signup.body);
    let cookie = signup.cookie.unwrap();
    let r = request(
        port,
        "POST",
        "/api/create_environment",
        Some(&cookie),
        "name=crashy&region=us-east-1&max_vcpus=16&service_role=",
    )
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    let list: app::api::types::EnvironmentList = serde_json::from_str(
        &request(port, "POST", "/api/list_environments", Some(&cookie), "")
            .unwrap()
            .body,
    )
    .unwrap();
    let list = list.items;
    let editor = spec_editor(port, &cookie, &list[0].id);
    let id = editor.id.clone();
    let template: serde_json::Value = serde_json::from_str(&editor.spec_json).unwrap();

    // (revision number, max vCPUs) of every save the server answered 200 to.
    let acknowledged = Arc::new(Mutex::new(vec![(1_u64, 16_u64)]));
    for round in 0..4_u64 {
        let stop = Arc::new(AtomicBool::new(false));
        let saver = {
            let (stop, acknowledged, cookie, id, template) = (
                stop.clone(),
                acknowledged.clone(),
                cookie.clone(),
                id.clone(),
                template.clone(),
            );
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let (base, _) = *acknowledged.lock().unwrap().last().unwrap();
                    let vcpus = 100 + base;
                    let mut spec = template.clone();
                    spec["compute_environment"]["max_vcpus"] = vcpus.into();
                    let form = format!(
                        "id={id}&base={base}&message=round&spec_json={}",
                        encode(&spec.to_string())
                    );
                    match request(port, "POST", "/api/save_spec", Some(&cookie), &form) {
                        Some(r) if r.status == 200 => {
                            acknowledged.lock().unwrap().push((base + 1, vcpus));
                        }
                        Some(r) => panic!("save answered {}: {}", r.status, r.body),
                        // Killed: this save may or may not have committed.
                        None => return,
                    }
                }
            })
        };
        std::thread::sleep(Duration::from_millis(150 + 130 * round));
        server.kill(); // SIGKILL
        stop.store(true, Ordering::SeqCst);
        saver.join().unwrap();

        server = start(port, &db, &moto.endpoint);
        // The session survived too (it lives in the same database).
        let history: app::api::types::History =
            call(port, &cookie, "get_history", &format!("id={id}"));
        let numbers: Vec<u64> = history.revisions.iter().rev().map(|r| r.number).collect();
        let latest = *numbers.last().unwrap();
        assert_eq!(numbers, (1..=latest).collect::<Vec<_>>(), "no gaps");
        let acked = acknowledged.lock().unwrap().clone();
        let (last_acked, _) = *acked.last().unwrap();
        // At most the one in-flight save committed without being acknowledged.
        assert!(
            latest == last_acked || latest == last_acked + 1,
            "latest {latest}, acknowledged up to {last_acked}"
        );
        assert!(acked.len() > 1, "round {round}: no save was acknowledged");
        // The environment's current spec is its latest revision's.
        let editor = spec_editor(port, &cookie, &id);
        assert_eq!(editor.revision, latest);
        let current: serde_json::Value = serde_json::from_str(&editor.spec_json).unwrap();
        if latest > last_acked {
            // The in-flight save committed: its content is what the loop sent.
            acknowledged
                .lock()
                .unwrap()
                .push((latest, 100 + last_acked));
        }
        let acked = acknowledged.lock().unwrap().clone();
        assert_eq!(
            current["compute_environment"]["max_vcpus"],
            acked.last().unwrap().1
        );
        // Every acknowledged revision holds what was sent.
        for &(number, vcpus) in &acked[1..] {
            assert_eq!(
                revision_vcpus(port, &cookie, &id, number),
                Some(vcpus.to_string())
            );
        }
    }
    server.kill();
    let saved = acknowledged.lock().unwrap().len();
    eprintln!("{saved} revisions over 4 kills");
    // And SQLite itself finds its file sound.
    let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(check, "ok");
}

/// The environment page's data, once its run is no longer running.
fn settled(port: u16, cookie: &str, id: &str) -> app::api::types::EnvironmentPage {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let page: app::api::types::EnvironmentPage =
            call(port, cookie, "get_environment", &format!("id={id}"));
        if page
            .run
            .as_ref()
            .is_none_or(|r| r.state != app::domain::RunState::Running)
        {
            return page;
        }
        assert!(std::time::Instant::now() < deadline, "the run never ended");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Starts an apply of the plan the review page shows.
fn apply(port: u16, cookie: &str, id: &str) {
    let review: app::api::types::Review =
        call(port, cookie, "review_environment", &format!("id={id}"));
    let r = request(
        port,
        "POST",
        "/api/apply_environment",
        Some(cookie),
        &format!("id={id}&fingerprint={}", review.fingerprint),
    )
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
}

/// SIGKILL at every AWS call of an apply in turn - once before the call reaches AWS and
/// once after AWS carried it out but before the answer arrives - then restart and apply
/// again: every apply converges, and AWS holds each resource once, all journalled.
#[test]
fn an_apply_killed_at_every_aws_call_converges() {
    use common::faults::{FaultProxy, Faults, Trap};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let moto = rt.block_on(common::moto());
    let calm = Faults {
        latency: Duration::ZERO,
        throttle: 0.0,
        server_error: 0.0,
        drop: 0.0,
    };
    let proxy = rt.block_on(FaultProxy::start(&moto.endpoint, calm, 1));
    let aws = rt.block_on(common::aws(&moto.endpoint));
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/console.db", dir.path().display());
    let port = common::free_port();
    let mut server = start(port, &db, &proxy.endpoint);
    let signup = request(
        port,
        "POST",
        "/api/sign_up",
        None,
        "username=killer&password=correct+horse+battery",
    )
    .unwrap();
    let cookie = signup.cookie.unwrap();
    let info: app::api::types::SessionInfo = call(port, &cookie, "get_session", "");
    let role = encode(&info.aws.default_service_role.unwrap());

    let mut names = Vec::new();
    let mut kills = Vec::new();
    for forward in [false, true] {
        for at in 1.. {
            let name = format!("k{at}{}", if forward { "after" } else { "before" });
            let r = request(
                port,
                "POST",
                "/api/create_environment",
                Some(&cookie),
                &format!("name={name}&region=us-east-1&max_vcpus=4&service_role={role}"),
            )
            .unwrap();
            assert_eq!(r.status, 200, "{}", r.body);
            let list: app::api::types::EnvironmentList = call(
                port,
                &cookie,
                "list_environments",
                &format!("search={name}"),
            );
            let id = list
                .items
                .iter()
                .find(|e| e.name == name)
                .unwrap()
                .id
                .clone();
            names.push(name.clone());
            // Every kind of resource (no instances: see `faults.rs`).
            let editor = spec_editor(port, &cookie, &id);
            let mut spec = app::domain::EnvironmentSpec::from_json(&editor.spec_json).unwrap();
            common::full_stack(&mut spec, 0);
            let json = serde_json::to_string(&spec).unwrap();
            let r = request(
                port,
                "POST",
                "/api/save_spec",
                Some(&cookie),
                &format!("id={id}&base=1&message=full&spec_json={}", encode(&json)),
            )
            .unwrap();
            assert_eq!(r.status, 200, "{}", r.body);

            let (fired, trapped) = std::sync::mpsc::channel();
            proxy.arm(Trap { at, forward, fired });
            apply(port, &cookie, &id);
            let done = match trapped.recv_timeout(Duration::from_secs(5)) {
                Ok(call) => {
                    kills.push(format!("{name}: {call}"));
                    server.kill(); // SIGKILL
                    proxy.disarm();
                    server = start(port, &db, &proxy.endpoint);
                    let page = settled(port, &cookie, &id);
                    let run = page.run.unwrap();
                    assert!(
                        run.error.unwrap_or_default().starts_with("interrupted"),
                        "the killed run is marked interrupted"
                    );
                    apply(port, &cookie, &id);
                    false
                }
                // The apply made fewer calls than `at`: every call has had its kill.
                Err(_) => {
                    proxy.disarm();
                    true
                }
            };
            let page = settled(port, &cookie, &id);
            let run = page.run.as_ref().unwrap();
            assert_eq!(
                run.state,
                app::domain::RunState::Succeeded,
                "{name}: {run:?}"
            );
            for r in &page.resources {
                let (recorded, observed) =
                    (r.recorded.as_ref().unwrap(), r.observed.as_ref().unwrap());
                assert_eq!(
                    recorded.status,
                    app::domain::RecordStatus::Created,
                    "{name}: {kills:?} {page:#?}"
                );
                assert_eq!(
                    recorded.arn.as_deref(),
                    Some(observed.arn.as_str()),
                    "{name}"
                );
            }
            assert_eq!(page.resources.len(), 8);
            if done {
                break;
            }
        }
    }
    server.kill();
    eprintln!("{} kills:\n{}", kills.len(), kills.join("\n"));
    // Every call of the eight resources' creations, before and after it took effect.
    assert!(kills.len() >= 30, "{kills:?}");

    // AWS holds exactly the environments' resources: no duplicate, no orphan.
    names.sort();
    let mut clusters = rt.block_on(aws.cluster_names());
    clusters.sort();
    assert_eq!(clusters, names);
    let mut ces = rt.block_on(aws.compute_environment_names());
    ces.sort();
    assert_eq!(
        ces,
        names.iter().map(|n| format!("{n}-ce")).collect::<Vec<_>>()
    );
    let groups: Vec<String> = names.iter().map(|n| format!("{n}-asg")).collect();
    assert_eq!(rt.block_on(aws.group_names()), groups);
    assert_eq!(rt.block_on(aws.launch_template_names()), groups);
    for name in &names {
        assert!(rt.block_on(aws.has_capacity_provider(&format!("{name}-cp"))));
    }
    let mut queues = rt.block_on(aws.job_queue_names());
    queues.sort();
    assert_eq!(
        queues,
        names
            .iter()
            .map(|n| format!("{n}-queue"))
            .collect::<Vec<_>>()
    );
}

/// SIGTERM during an apply whose AWS calls each take a second: the server stops the run
/// at its next journalled point and exits at once (not after the apply); the run says
/// it was interrupted by the shutdown, every journalled resource is in AWS with its ARN,
/// and the next apply finishes the environment.
#[test]
fn sigterm_stops_a_running_apply_at_a_journalled_point() {
    use common::faults::{FaultProxy, Faults};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let moto = rt.block_on(common::moto());
    let slow = Faults {
        latency: Duration::from_secs(1),
        throttle: 0.0,
        server_error: 0.0,
        drop: 0.0,
    };
    let proxy = rt.block_on(FaultProxy::start(&moto.endpoint, slow, 1));
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/console.db", dir.path().display());
    let port = common::free_port();
    let mut server = start(port, &db, &proxy.endpoint);
    let signup = request(
        port,
        "POST",
        "/api/sign_up",
        None,
        "username=term&password=correct+horse+battery",
    )
    .unwrap();
    let cookie = signup.cookie.unwrap();
    let info: app::api::types::SessionInfo = call(port, &cookie, "get_session", "");
    let role = encode(&info.aws.default_service_role.unwrap());
    let r = request(
        port,
        "POST",
        "/api/create_environment",
        Some(&cookie),
        &format!("name=term&region=us-east-1&max_vcpus=4&service_role={role}"),
    )
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    let list: app::api::types::EnvironmentList = call(port, &cookie, "list_environments", "");
    let id = list.items[0].id.clone();
    apply(port, &cookie, &id);
    // Wait until the apply has made its first calls.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while proxy
        .counts
        .forwarded
        .load(std::sync::atomic::Ordering::SeqCst)
        < 2
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the apply made no call"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let asked = std::time::Instant::now();
    let status = server.terminate(Duration::from_secs(20));
    let took = asked.elapsed();
    assert!(status.success(), "{status:?}");
    // One call in flight (a second) and the step's journal writes, not the whole apply.
    assert!(took < Duration::from_secs(5), "shutdown took {took:?}");

    server = start(port, &db, &proxy.endpoint);
    let page = settled(port, &cookie, &id);
    let run = page.run.as_ref().unwrap();
    let error = run.error.clone().unwrap_or_default();
    assert!(
        error.starts_with("interrupted: the console shut down during this run"),
        "{error}"
    );
    for r in page.resources.iter().filter(|r| r.recorded.is_some()) {
        let recorded = r.recorded.as_ref().unwrap();
        assert_eq!(recorded.status, app::domain::RecordStatus::Created, "{r:?}");
        assert_eq!(
            recorded.arn.as_deref(),
            r.observed.as_ref().map(|o| o.arn.as_str()),
            "{r:?}"
        );
    }
    assert!(
        page.resources.iter().any(|r| r.recorded.is_none()),
        "the apply was stopped before its end: {page:#?}"
    );
    apply(port, &cookie, &id);
    let page = settled(port, &cookie, &id);
    assert_eq!(
        page.run.as_ref().unwrap().state,
        app::domain::RunState::Succeeded
    );
    assert!(page.resources.iter().all(|r| r.recorded.is_some()));
    server.kill();
}
