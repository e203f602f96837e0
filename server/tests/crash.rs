//! Crash safety of the store: the server binary is killed (SIGKILL) while a client saves
//! revisions in a loop, then restarted on the same database, several times. Every
//! revision the server acknowledged must be there with its content, numbers must run
//! without gaps, and the environment must point at the latest revision.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Reply {
    status: u16,
    cookie: Option<String>,
    body: String,
}

/// One HTTP/1.0 request; `None` if the server is not there (or died mid-request).
fn request(port: u16, method: &str, path: &str, cookie: Option<&str>, form: &str) -> Option<Reply> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let cookie = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n{cookie}\r\n{form}",
        form.len()
    )
    .ok()?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw).ok()?;
    let (head, body) = raw.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let cookie = head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned);
    Some(Reply {
        status,
        cookie,
        body: body.to_owned(),
    })
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn start(port: u16, db: &str, aws: &str) -> Child {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let child = Command::new(env!("CARGO_BIN_EXE_server"))
        .current_dir(&root)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", db)
        .env("CONSOLE_AWS_ENDPOINT_URL", aws)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while request(port, "GET", "/healthz", None, "").is_none() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

fn call<T: serde::de::DeserializeOwned>(port: u16, cookie: &str, endpoint: &str, form: &str) -> T {
    let r = request(
        port,
        "POST",
        &format!("/api/{endpoint}"),
        Some(cookie),
        form,
    )
    .unwrap();
    assert_eq!(r.status, 200, "{endpoint}: {}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

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
    let list: Vec<app::api::types::EnvironmentSummary> = serde_json::from_str(
        &request(port, "POST", "/api/list_environments", Some(&cookie), "")
            .unwrap()
            .body,
    )
    .unwrap();
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
        server.kill().unwrap(); // SIGKILL
        server.wait().unwrap();
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
    server.kill().unwrap();
    server.wait().unwrap();
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
