//! Load on the release server with `wrk` (Debian's `wrk`): the environment list page of
//! a user with 1,000 environments against a bare handler (`/healthz`, same server, same
//! middleware) in the same run, then a soak of 200 signed-in sessions browsing list and
//! history pages, with the server's memory before, after and at its peak. A benchmark,
//! run by hand (figures in docs/perf.md):
//!
//! ```sh
//! apt-get install -y wrk
//! cargo bench -p server --bench load
//! ```
//!
//! `ENVIRONMENTS` (1000), `SESSIONS` (200), `CONNECTIONS` (200), `SECONDS` (30, per
//! measurement) and `SOAK_SECONDS` (60; 600 for the ten-minute soak) set the sizes;
//! `UNLOADED=1` times single requests instead.

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::Write;
use std::process::Command;

use app::domain::{
    EnvironmentSpec, Network, RecordStatus, RecordedResource, ResourceKind, RunKind,
};
use app::engine::Store;
use common::process::{request, start};
use server::store::SqlStore;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `VmRSS` and `VmHWM` (peak) of `pid`, in MiB.
fn memory(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (kib("VmRSS:") / 1024.0, kib("VmHWM:") / 1024.0)
}

/// What `wrk --latency` reported.
#[derive(Debug)]
struct Figures {
    requests_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    requests: u64,
    errors: u64,
}

fn millis(text: &str) -> f64 {
    let (number, unit) = text
        .find(|c: char| c.is_ascii_alphabetic())
        .map_or((text, "ms"), |i| text.split_at(i));
    let n: f64 = number.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => n / 1000.0,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        _ => n,
    }
}

/// Runs wrk against `path` with the cookies rotated over the requests.
fn wrk(port: u16, path: &str, cookies: &[String], connections: u64, seconds: u64) -> Figures {
    let script = tempfile::NamedTempFile::new().unwrap();
    let list = cookies
        .iter()
        .map(|c| format!("{c:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    writeln!(
        script.as_file(),
        "local cookies = {{ {list} }}\nlocal n = 0\n\
         request = function()\n  n = n % #cookies + 1\n  \
         return wrk.format(\"GET\", nil, {{ Cookie = cookies[n] }}, nil)\nend"
    )
    .unwrap();
    let out = Command::new("wrk")
        .args([
            "--latency",
            "-t2",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "-s",
            script.path().to_str().unwrap(),
            &format!("http://127.0.0.1:{port}{path}"),
        ])
        .output()
        .expect("wrk (apt-get install -y wrk)");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .map(|v| v.split_whitespace().next().unwrap_or_default().to_owned())
    };
    let errors = field("Non-2xx or 3xx responses:")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0)
        + text
            .lines()
            .find(|l| l.trim().starts_with("Socket errors:"))
            .map_or(0, |l| {
                l.split(|c: char| !c.is_ascii_digit())
                    .filter_map(|n| n.parse::<u64>().ok())
                    .sum()
            });
    let requests = text
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Figures {
        requests_per_second: field("Requests/sec:")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0),
        p50_ms: field("50%").map_or(f64::NAN, |v| millis(&v)),
        p99_ms: field("99%").map_or(f64::NAN, |v| millis(&v)),
        requests,
        errors,
    }
}

fn sign_up(port: u16, name: &str) -> String {
    let r = request(
        port,
        "POST",
        "/api/sign_up",
        None,
        &format!("username={name}&password=correct+horse+battery"),
    )
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    r.cookie.unwrap()
}

fn main() {
    let environments = env_number("ENVIRONMENTS", 1000);
    let sessions = env_number("SESSIONS", 200);
    let connections = env_number("CONNECTIONS", 200);
    let seconds = env_number("SECONDS", 30);
    let soak_seconds = env_number("SOAK_SECONDS", 60);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let moto = rt.block_on(common::moto());
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/load.db", dir.path().display());
    let port = common::free_port();
    let started = std::time::Instant::now();
    let server = start(port, &db, &moto.endpoint);
    let startup = started.elapsed();

    // The owner of the environments, and the other signed-in users.
    let owner_cookie = sign_up(port, "owner");
    let store = rt.block_on(SqlStore::connect(&db)).unwrap();
    let owner = rt.block_on(store.find_user("owner")).unwrap().unwrap().id;
    let network = Network {
        vpc_id: "vpc-12345678".into(),
        subnets: vec!["subnet-12345678".into()],
        security_group_ids: vec!["sg-12345678".into()],
    };
    let mut ids = Vec::new();
    rt.block_on(async {
        for i in 0..environments {
            let spec = EnvironmentSpec::minimal(
                &format!("load-{i}"),
                "us-east-1",
                16,
                None,
                network.clone(),
            );
            let id = store
                .insert_environment(&owner, "owner", &spec)
                .await
                .unwrap();
            for kind in [ResourceKind::Cluster, ResourceKind::ComputeEnvironment] {
                let resource = RecordedResource {
                    kind,
                    name: spec.resource_name(kind).unwrap().to_owned(),
                    arn: Some(format!("arn:aws:load:::{i}")),
                    status: RecordStatus::Created,
                    settings: Default::default(),
                };
                store.record_resource(&id, &resource).await.unwrap();
            }
            let run = store
                .start_run(&id, RunKind::Refresh, "owner")
                .await
                .unwrap();
            store.finish_run(&run, None).await.unwrap();
            ids.push(id);
        }
    });
    let mut cookies = vec![owner_cookie.clone()];
    for i in 1..sessions {
        cookies.push(sign_up(port, &format!("user{i}")));
    }
    let (rss_before, _) = memory(server.pid());
    // UNLOADED=1: single requests, one at a time, instead of the load runs.
    if std::env::var_os("UNLOADED").is_some() {
        for (method, path) in [
            ("GET", "/"),
            ("POST", "/api/list_environments"),
            ("POST", "/api/get_session"),
            ("GET", "/healthz"),
        ] {
            for _ in 0..3 {
                let t = std::time::Instant::now();
                let r = request(port, method, path, Some(&owner_cookie), "").unwrap();
                println!(
                    "{method} {path}: {} {} bytes in {:?}",
                    r.status,
                    r.body.len(),
                    t.elapsed()
                );
            }
        }
        return;
    }

    // The list page of 1,000 environments against the bare handler, in the same run.
    let owner_only = vec![owner_cookie.clone()];
    let _warm = wrk(port, "/", &owner_only, 8, 2);
    let list = wrk(port, "/", &owner_only, connections, seconds);
    let bare = wrk(port, "/healthz", &owner_only, connections, seconds);
    let (rss_after_list, _) = memory(server.pid());

    // The soak: every session, the list page and an environment's history page.
    let history = format!("/environments/{}/history", ids[0]);
    let soak_list = std::thread::spawn({
        let cookies = cookies.clone();
        move || wrk(port, "/", &cookies, connections / 2, soak_seconds)
    });
    let soak_history = wrk(port, &history, &owner_only, connections / 2, soak_seconds);
    let soak_list = soak_list.join().unwrap();
    let (rss_after, peak) = memory(server.pid());

    println!("server start-up (to /healthz)     {startup:?}");
    println!(
        "environments {environments}, sessions {sessions}, connections {connections}, {seconds} s per measurement"
    );
    println!(
        "list page (1 user, {environments} envs)  {:>9.1} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  errors {}",
        list.requests_per_second, list.p50_ms, list.p99_ms, list.errors
    );
    println!(
        "bare handler (/healthz)           {:>9.1} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  errors {}",
        bare.requests_per_second, bare.p50_ms, bare.p99_ms, bare.errors
    );
    println!(
        "list / bare                       {:>9.3} (throughput), p50 x{:.1}, p99 x{:.1}",
        list.requests_per_second / bare.requests_per_second,
        list.p50_ms / bare.p50_ms,
        list.p99_ms / bare.p99_ms
    );
    println!(
        "soak {soak_seconds} s: list ({} sessions) {} requests, {} errors, p99 {:.2} ms; history {} requests, {} errors, p99 {:.2} ms",
        cookies.len(),
        soak_list.requests,
        soak_list.errors,
        soak_list.p99_ms,
        soak_history.requests,
        soak_history.errors,
        soak_history.p99_ms
    );
    println!(
        "server memory: {rss_before:.1} MiB before, {rss_after_list:.1} MiB after the list runs, {rss_after:.1} MiB after the soak, peak {peak:.1} MiB"
    );
}
