//! Load on the release server with `wrk` (Debian's `wrk`): the environment list page of
//! a user with 1,000 environments against a bare handler (`/healthz`, same server, same
//! middleware) in the same run; then a soak of 200 signed-in sessions browsing the list
//! and an applied environment's page, queue view and capacity view, with the server's
//! memory sampled every minute. A benchmark, run by hand (figures in docs/perf.md):
//!
//! ```sh
//! apt-get install -y wrk
//! cargo bench -p server --bench load                    # a 60 s soak
//! SOAK_SECONDS=600 cargo bench -p server --bench load   # the ten-minute soak
//! ```
//!
//! The soak's environment is made through the pages' calls: the owner of the 1,000
//! creates it with the new-environment form, adds the CPU preset's Fargate job
//! definition in the spec editor, reviews and applies it (moto is the AWS) and submits
//! `JOBS` jobs (four fifths SUCCEEDED at once by moto's simple backend, one fifth kept
//! SUBMITTED); a viewer link (read once from the share page) is accepted by every other
//! session. During the soak four `wrk` processes of `CONNECTIONS / 4` connections each
//! (one a page) request `/`, `/environments/{id}`, `/environments/{id}/queue` and
//! `/environments/{id}/capacity`, each rotating over every session's cookie, and
//! `WATCHERS` sessions hold the queue's live counts open
//! (`/environments/{id}/queue/events`) as the queue page does in a browser, so the
//! queue view's counts come from the queue's one poller. Each response is checked: a
//! status other than 200 (wrk itself counts only >= 400), a page without its content
//! (the list's table, the resources table, the job filter, the sample count) or a page
//! saying AWS could not be read is an error. Every minute: the server's and moto's RSS
//! and CPU, the load average, and the server's own counters from `/metrics` (requests
//! by route and status, AWS calls by operation and outcome).
//!
//! Before and after the soak each page is also read once at a time (three times), with
//! the AWS calls each view made.
//!
//! `ENVIRONMENTS` (1000), `SESSIONS` (200), `CONNECTIONS` (200, shared out among the
//! pages), `SECONDS` (30, per measurement), `SOAK_SECONDS` (60), `JOBS` (100) and
//! `WATCHERS` (`SESSIONS`) set the sizes; `PAGES` (e.g. `list,environment,queue`) picks
//! the soak's pages; `UNLOADED=1` times single requests instead.

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use app::domain::spec::presets::Preset;
use app::domain::{
    EnvironmentSpec, Network, RecordStatus, RecordedResource, ResourceKind, RunKind, RunState,
};
use app::engine::Store;
use common::process::{encode, request, start};
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

/// CPU seconds (user + system, all threads) `pid` has used (100 ticks a second).
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // After the command's closing parenthesis: field 3 (state) first; utime is field 14.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// The one-minute load average of the machine.
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(f64::NAN)
}

/// The process id of the moto server listening on `port`.
fn moto_pid(port: &str) -> Option<u32> {
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
            let moto = args.iter().any(|a| a.ends_with(b"moto_server"));
            let on_port = args
                .windows(2)
                .any(|w| w[0] == b"-p" && w[1] == port.as_bytes());
            (moto && on_port).then_some(pid)
        })
}

/// What `wrk --latency` reported, and what the script found in the answers.
#[derive(Debug, Default)]
struct Figures {
    requests_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    requests: u64,
    /// wrk's errors: answers of status >= 400, and socket errors (timeouts included).
    errors: u64,
    /// Of those, requests that took longer than the timeout.
    timeouts: u64,
    /// Answers other than 200 (checked pages only).
    not_ok: u64,
    /// 200s without the page's content (checked pages only).
    no_content: u64,
    /// Pages saying AWS could not be read (checked pages only).
    aws_errors: u64,
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

/// How a wrk run is made.
struct Load<'a> {
    path: &'a str,
    cookies: &'a [String],
    connections: u64,
    seconds: u64,
    /// Text every good page contains; checking answers costs wrk some time, so the
    /// list-against-bare measurement does not check.
    check: Option<&'a str>,
    /// wrk's timeout (its default 2 s drops slower answers from the latency figures).
    timeout_seconds: Option<u64>,
}

/// Runs wrk with the cookies rotated over the requests.
fn wrk(port: u16, load: &Load) -> Figures {
    let script = tempfile::NamedTempFile::new().unwrap();
    let list = load
        .cookies
        .iter()
        .map(|c| format!("{c:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut lua = format!(
        "local cookies = {{ {list} }}\nlocal n = 0\n\
         request = function()\n  n = n % #cookies + 1\n  \
         return wrk.format(\"GET\", nil, {{ Cookie = cookies[n] }}, nil)\nend\n"
    );
    if let Some(marker) = load.check {
        lua.push_str(&format!(
            "local marker = {marker:?}\n\
             not_ok, no_content, aws_errors = 0, 0, 0\n\
             local threads = {{}}\n\
             setup = function(thread) table.insert(threads, thread) end\n\
             response = function(status, headers, body)\n  \
               if status ~= 200 then not_ok = not_ok + 1\n  \
               elseif not string.find(body, marker, 1, true) then no_content = no_content + 1 end\n  \
               if body and string.find(body, \"Could not read\", 1, true) then aws_errors = aws_errors + 1 end\n\
             end\n\
             done = function(summary, latency, requests)\n  \
               local a, b, c = 0, 0, 0\n  \
               for _, t in ipairs(threads) do\n    \
                 a = a + t:get(\"not_ok\"); b = b + t:get(\"no_content\"); c = c + t:get(\"aws_errors\")\n  \
               end\n  \
               io.write(string.format(\"Checked: not_ok %d no_content %d aws_errors %d\\n\", a, b, c))\n\
             end\n"
        ));
    }
    script.as_file().write_all(lua.as_bytes()).unwrap();
    let mut args = vec![
        "--latency".to_owned(),
        "-t2".to_owned(),
        format!("-c{}", load.connections),
        format!("-d{}s", load.seconds),
        "-s".to_owned(),
        script.path().to_str().unwrap().to_owned(),
    ];
    if let Some(t) = load.timeout_seconds {
        args.push(format!("--timeout={t}s"));
    }
    args.push(format!("http://127.0.0.1:{port}{}", load.path));
    let out = Command::new("wrk")
        .args(&args)
        .output()
        .expect("wrk (apt-get install -y wrk)");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .map(|v| v.split_whitespace().next().unwrap_or_default().to_owned())
    };
    // "Socket errors: connect 0, read 0, write 0, timeout 0"
    let socket = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Socket errors:"))
        .map(|l| {
            l.split(',')
                .filter_map(|part| {
                    let mut words = part.split_whitespace();
                    Some((words.next()?.to_owned(), words.next()?.parse::<u64>().ok()?))
                })
                .collect::<BTreeMap<_, _>>()
        })
        .unwrap_or_default();
    let checked = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix("Checked:"))
            .and_then(|l| {
                let words: Vec<&str> = l.split_whitespace().collect();
                words
                    .windows(2)
                    .find(|w| w[0] == key)
                    .and_then(|w| w[1].parse::<u64>().ok())
            })
            .unwrap_or(0)
    };
    let requests = text
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    if requests == 0 {
        eprintln!(
            "wrk {}: {text}{}",
            load.path,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Figures {
        requests_per_second: field("Requests/sec:")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0),
        p50_ms: field("50%").map_or(f64::NAN, |v| millis(&v)),
        p99_ms: field("99%").map_or(f64::NAN, |v| millis(&v)),
        requests,
        errors: field("Non-2xx or 3xx responses:")
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
            + socket.values().sum::<u64>(),
        timeouts: socket.get("timeout").copied().unwrap_or(0),
        not_ok: checked("not_ok"),
        no_content: checked("no_content"),
        aws_errors: checked("aws_errors"),
    }
}

/// One series of the server's `/metrics`: name, labels, value.
type Series = (String, Vec<(String, String)>, f64);

/// The server's metrics now.
fn scrape(port: u16) -> Vec<Series> {
    let Some(r) = request(port, "GET", "/metrics", None, "") else {
        return Vec::new();
    };
    r.body
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let value: f64 = value.parse().ok()?;
            let (name, labels) = match series.split_once('{') {
                Some((n, rest)) => (n, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            let labels = labels
                .split("\",")
                .filter(|s| !s.is_empty())
                .filter_map(|kv| {
                    let (k, v) = kv.split_once("=\"")?;
                    Some((k.to_owned(), v.trim_end_matches('"').to_owned()))
                })
                .collect();
            Some((name.to_owned(), labels, value))
        })
        .collect()
}

fn label<'a>(labels: &'a [(String, String)], key: &str) -> &'a str {
    labels
        .iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

/// The sum of the series named `name` by the value of their label `by`, `after` minus
/// `before` (counters), for the series `keep` accepts.
fn delta_by(
    before: &[Series],
    after: &[Series],
    name: &str,
    by: &[&str],
    keep: impl Fn(&[(String, String)]) -> bool,
) -> BTreeMap<String, f64> {
    let mut sums = BTreeMap::new();
    for (sign, set) in [(-1.0, before), (1.0, after)] {
        for (n, labels, value) in set {
            if n == name && keep(labels) {
                let key = by
                    .iter()
                    .map(|k| label(labels, k))
                    .collect::<Vec<_>>()
                    .join(" ");
                *sums.entry(key).or_insert(0.0) += sign * value;
            }
        }
    }
    sums.retain(|_, v| *v != 0.0);
    sums
}

fn total(sums: &BTreeMap<String, f64>) -> f64 {
    // `+ 0.0`: an empty sum is -0.0.
    sums.values().sum::<f64>() + 0.0
}

/// Requests to anything but the scrapes themselves.
fn not_metrics(l: &[(String, String)]) -> bool {
    label(l, "route") != "/metrics"
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

/// A server function's answer as JSON (panics on a non-200).
fn call_json(port: u16, cookie: &str, endpoint: &str, form: &str) -> serde_json::Value {
    let r = request(
        port,
        "POST",
        &format!("/api/{endpoint}"),
        Some(cookie),
        form,
    )
    .unwrap();
    assert_eq!(r.status, 200, "{endpoint}: {}", r.body);
    serde_json::from_str(&r.body).unwrap_or(serde_json::Value::Null)
}

/// The soak's environment, through the pages' calls: created with the new-environment
/// form, the CPU preset's job definition added in the spec editor, reviewed and applied
/// (its run followed until it ends); its id.
fn applied_environment(port: u16, cookie: &str, name: &str) -> String {
    let info: app::api::types::SessionInfo = common::process::call(port, cookie, "get_session", "");
    let role = info.aws.default_service_role.unwrap_or_default();
    call_json(
        port,
        cookie,
        "create_environment",
        &format!(
            "name={name}&region=us-east-1&max_vcpus=16&service_role={}",
            encode(&role)
        ),
    );
    let list: app::api::types::EnvironmentList =
        common::process::call(port, cookie, "list_environments", &format!("search={name}"));
    let id = list
        .items
        .iter()
        .find(|e| e.name == name)
        .expect("the new environment in the list")
        .id
        .clone();
    let editor: app::api::types::SpecEditor =
        common::process::call(port, cookie, "get_spec_editor", &format!("id={id}"));
    let mut spec: EnvironmentSpec = serde_json::from_str(&editor.spec_json).unwrap();
    spec.job_definition = Preset::CpuFargate
        .spec(
            name,
            "us-east-1",
            spec.network.clone(),
            &common::preset_roles(),
        )
        .job_definition;
    call_json(
        port,
        cookie,
        "save_spec",
        &format!(
            "id={id}&base={}&message=jobs&spec_json={}",
            editor.revision,
            encode(&serde_json::to_string(&spec).unwrap())
        ),
    );
    let review: app::api::types::Review =
        common::process::call(port, cookie, "review_environment", &format!("id={id}"));
    call_json(
        port,
        cookie,
        "apply_environment",
        &format!("id={id}&fingerprint={}", review.fingerprint),
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let live = call_json(port, cookie, "live_run", &format!("id={id}"));
        let state: Option<RunState> =
            serde_json::from_value(live["run"]["run"]["state"].clone()).ok();
        match state {
            Some(RunState::Running) | None => {
                assert!(Instant::now() < deadline, "the apply did not finish");
                std::thread::sleep(Duration::from_millis(100));
            }
            Some(RunState::Succeeded) => return id,
            Some(other) => panic!("the apply ended {other:?}: {live}"),
        }
    }
}

/// Holds `path` (a Server-Sent-Event stream) open until `stop`: its status and the
/// number of `counts` events received, and whether the server closed it first.
fn watch(port: u16, path: &str, cookie: &str, stop: &AtomicBool) -> (u16, u64, bool) {
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return (0, 0, true);
    };
    stream
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    if write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\nCookie: {cookie}\r\n\r\n"
    )
    .is_err()
    {
        return (0, 0, true);
    }
    let (mut status, mut events, mut pending) = (0_u16, 0_u64, Vec::new());
    let mut buf = [0_u8; 4096];
    while !stop.load(Ordering::Relaxed) {
        match stream.read(&mut buf) {
            Ok(0) => return (status, events, true),
            Ok(n) => {
                pending.extend_from_slice(&buf[..n]);
                while let Some(end) = pending.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = pending.drain(..=end).collect();
                    let line = String::from_utf8_lossy(&line);
                    let line = line.trim_end();
                    if status == 0 && line.starts_with("HTTP/") {
                        status = line
                            .split(' ')
                            .nth(1)
                            .and_then(|s| s.parse().ok())
                            .unwrap_or(0);
                    } else if line == "event: counts" {
                        events += 1;
                    }
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return (status, events, true),
        }
    }
    (status, events, false)
}

/// One soak page: its name, path and the text a good answer contains.
struct Page {
    name: &'static str,
    path: String,
    marker: &'static str,
}

/// What the processes and the server's counters looked like at one moment.
struct Sample {
    at: Duration,
    rss: f64,
    cpu: f64,
    moto_rss: f64,
    moto_cpu: f64,
    load: f64,
    metrics: Vec<Series>,
}

fn sample(started: Instant, server: u32, moto: Option<u32>, port: u16) -> Sample {
    Sample {
        at: started.elapsed(),
        rss: memory(server).0,
        cpu: cpu_seconds(server),
        moto_rss: moto.map_or(f64::NAN, |p| memory(p).0),
        moto_cpu: moto.map_or(f64::NAN, cpu_seconds),
        load: load_average(),
        metrics: scrape(port),
    }
}

/// One line of the memory table: this sample against the previous one.
fn print_sample(s: &Sample, previous: Option<&Sample>) {
    let Some(p) = previous else {
        println!(
            "  {:>5.0} s  server RSS {:>6.1} MiB  moto RSS {:>6.1} MiB  load {:>5.2}",
            s.at.as_secs_f64(),
            s.rss,
            s.moto_rss,
            s.load
        );
        return;
    };
    let wall = (s.at - p.at).as_secs_f64().max(1e-9);
    let requests = delta_by(
        &p.metrics,
        &s.metrics,
        "console_http_requests_total",
        &["status"],
        not_metrics,
    );
    let not_ok: f64 = requests
        .iter()
        .filter(|(k, _)| k.as_str() != "200")
        .map(|(_, v)| v)
        .sum::<f64>()
        + 0.0;
    let aws = delta_by(
        &p.metrics,
        &s.metrics,
        "console_aws_calls_total",
        &["outcome"],
        |_| true,
    );
    println!(
        "  {:>5.0} s  server RSS {:>6.1} MiB  moto RSS {:>6.1} MiB  load {:>5.2}  \
         server CPU {:>4.0}%  moto CPU {:>4.0}%  requests {:>6.1}/s  not 200 {:>4.0}  \
         AWS calls {:>6.1}/s  AWS errors {:>4.0}",
        s.at.as_secs_f64(),
        s.rss,
        s.moto_rss,
        s.load,
        100.0 * (s.cpu - p.cpu) / wall,
        100.0 * (s.moto_cpu - p.moto_cpu) / wall,
        total(&requests) / wall,
        not_ok,
        total(&aws) / wall,
        aws.get("error").copied().unwrap_or(0.0),
    );
    // Each page route's rate and mean time in the server over the interval.
    let pages = |l: &[(String, String)]| label(l, "route").starts_with('/') && not_metrics(l);
    let count = delta_by(
        &p.metrics,
        &s.metrics,
        "console_http_requests_total",
        &["route"],
        pages,
    );
    let time = delta_by(
        &p.metrics,
        &s.metrics,
        "console_http_request_duration_seconds_sum",
        &["route"],
        pages,
    );
    let routes = count
        .iter()
        .map(|(route, n)| {
            let mean = 1000.0 * time.get(route).copied().unwrap_or(f64::NAN) / n;
            format!("{route} {:.1}/s {mean:.0} ms", n / wall)
        })
        .collect::<Vec<_>>()
        .join("; ");
    println!("          {routes}");
}

fn main() {
    let environments = env_number("ENVIRONMENTS", 1000);
    let sessions = env_number("SESSIONS", 200);
    let connections = env_number("CONNECTIONS", 200);
    let seconds = env_number("SECONDS", 30);
    let soak_seconds = env_number("SOAK_SECONDS", 60);
    let jobs = env_number("JOBS", 100);
    let watchers = env_number("WATCHERS", sessions);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let moto = rt.block_on(common::moto());
    let moto_process = moto_pid(moto.endpoint.rsplit(':').next().unwrap_or_default());
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/load.db", dir.path().display());
    let port = common::free_port();
    let started = Instant::now();
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
                let t = Instant::now();
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
    let measure = |path, cookies: &[String], connections, seconds| {
        wrk(
            port,
            &Load {
                path,
                cookies,
                connections,
                seconds,
                check: None,
                timeout_seconds: None,
            },
        )
    };
    let _warm = measure("/", &owner_only, 8, 2);
    let list = measure("/", &owner_only, connections, seconds);
    let bare = measure("/healthz", &owner_only, connections, seconds);
    let (rss_after_list, _) = memory(server.pid());
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

    // The soak's environment: applied, with jobs in its queue, shared with every
    // session through a viewer link.
    let t = Instant::now();
    let id = applied_environment(port, &owner_cookie, "soak");
    println!("soak environment applied in {:?}", t.elapsed());
    rt.block_on(async {
        let config = r#"{"batch": {"use_docker": false}}"#;
        common::moto_post(&moto.endpoint, "/moto-api/config", config).await;
        common::moto_post(
            &moto.endpoint,
            "/moto-api/state-manager/set-transition",
            r#"{"model_name": "batch::job", "transition": {"progression": "manual", "times": 1000000}}"#,
        )
        .await;
    });
    let waiting = jobs / 5;
    for n in 0..jobs {
        if n == jobs - waiting {
            // From here on moto's Docker backend, which keeps them SUBMITTED.
            let config = r#"{"batch": {"use_docker": true}}"#;
            rt.block_on(common::moto_post(
                &moto.endpoint,
                "/moto-api/config",
                config,
            ));
        }
        call_json(
            port,
            &owner_cookie,
            "submit_job",
            &format!("id={id}&form[name]=soak-{n}"),
        );
    }
    call_json(
        port,
        &owner_cookie,
        "create_share_link",
        &format!("id={id}&role=viewer&expires_in_days=7"),
    );
    let sharing: app::api::types::Sharing =
        common::process::call(port, &owner_cookie, "get_sharing", &format!("id={id}"));
    let link = sharing.created.expect("the new link, shown once");
    let token = link.strip_prefix("/share/").unwrap().to_owned();
    for cookie in &cookies[1..] {
        call_json(port, cookie, "accept_share_link", &format!("token={token}"));
    }
    println!(
        "{jobs} jobs submitted ({waiting} kept SUBMITTED), viewer link accepted by {} sessions",
        cookies.len() - 1
    );

    let all_pages = [
        Page {
            name: "list /",
            path: "/".to_owned(),
            marker: "id=\"environments\"",
        },
        Page {
            name: "environment",
            path: format!("/environments/{id}"),
            marker: "id=\"resources\"",
        },
        Page {
            name: "queue",
            path: format!("/environments/{id}/queue"),
            marker: "id=\"job-filter\"",
        },
        Page {
            name: "capacity",
            path: format!("/environments/{id}/capacity"),
            marker: "id=\"sample-count\"",
        },
    ];
    // PAGES: which of them the soak browses (all four by default).
    let wanted = std::env::var("PAGES").unwrap_or_default();
    let pages: Vec<Page> = all_pages
        .into_iter()
        .filter(|p| wanted.is_empty() || wanted.split(',').any(|w| p.name.starts_with(w.trim())))
        .collect();
    assert!(
        !pages.is_empty(),
        "PAGES names none of list, environment, queue, capacity"
    );
    let per_page = (connections / pages.len() as u64).max(1);
    // Each page once at a time, as a viewer: its size, time and AWS calls.
    let viewer = cookies.get(1).unwrap_or(&owner_cookie).clone();
    let unloaded = |label: &str, page: &Page| {
        let before = scrape(port);
        let mut times = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            let r = request(port, "GET", &page.path, Some(&viewer), "").unwrap();
            times.push(t.elapsed());
            assert_eq!(r.status, 200, "{}: {}", page.path, r.body);
            assert!(r.body.contains(page.marker), "{}: {}", page.path, r.body);
            assert!(
                !r.body.contains("Could not read"),
                "{}: {}",
                page.path,
                r.body
            );
            if times.len() == 3 {
                print!(
                    "  {:<30} {:>7} B, ",
                    format!("{} {label}", page.name),
                    r.body.len()
                );
            }
        }
        let calls = delta_by(
            &before,
            &scrape(port),
            "console_aws_calls_total",
            &["operation"],
            |_| true,
        );
        println!(
            "{:?}; AWS calls per view {:.1}: {}",
            times,
            total(&calls) / 3.0,
            calls
                .iter()
                .map(|(k, v)| format!("{k} {:.1}", v / 3.0))
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    println!("one page at a time (a viewer's session; includes any sampler round):");
    for page in &pages {
        unloaded("", page);
    }

    // The queue's live counts, held open by `WATCHERS` sessions for the whole soak.
    let stop = Arc::new(AtomicBool::new(false));
    let events_path = format!("/environments/{id}/queue/events");
    let watching: Vec<_> = cookies
        .iter()
        .cycle()
        .take(watchers as usize)
        .cloned()
        .map(|cookie| {
            let (stop, path) = (stop.clone(), events_path.clone());
            std::thread::Builder::new()
                .stack_size(128 * 1024)
                .spawn(move || watch(port, &path, &cookie, &stop))
                .unwrap()
        })
        .collect();
    std::thread::sleep(Duration::from_secs(3));
    for page in pages.iter().filter(|p| p.name == "queue") {
        unloaded("(counts polled)", page);
    }

    // The soak: each page by every session, CONNECTIONS / pages connections each.
    println!(
        "soak {soak_seconds} s: {} sessions, {per_page} connections per page ({}), {watchers} queue watchers; memory and counters:",
        cookies.len(),
        pages.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
    );
    let soak_started = Instant::now();
    let mut samples = vec![sample(soak_started, server.pid(), moto_process, port)];
    print_sample(&samples[0], None);
    let runs: Vec<_> = pages
        .iter()
        .map(|page| {
            let (path, marker, cookies) = (page.path.clone(), page.marker, cookies.clone());
            std::thread::spawn(move || {
                wrk(
                    port,
                    &Load {
                        path: &path,
                        cookies: &cookies,
                        connections: per_page,
                        seconds: soak_seconds,
                        check: Some(marker),
                        timeout_seconds: Some(60),
                    },
                )
            })
        })
        .collect();
    let mut next = Duration::from_secs(60);
    while !runs.iter().all(|r| r.is_finished()) {
        if soak_started.elapsed() >= next {
            let s = sample(soak_started, server.pid(), moto_process, port);
            print_sample(&s, samples.last());
            samples.push(s);
            next += Duration::from_secs(60);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let figures: Vec<Figures> = runs.into_iter().map(|r| r.join().unwrap()).collect();
    let end = sample(soak_started, server.pid(), moto_process, port);
    print_sample(&end, samples.last());
    samples.push(end);
    // wrk is gone but the server may still work through requests it had accepted: wait
    // until its request counters stand still for 3 s (at most 60 s).
    let settled = Instant::now();
    let served = || {
        scrape(port)
            .iter()
            .filter(|(n, l, _)| n == "console_http_requests_total" && not_metrics(l))
            .map(|(_, _, v)| v)
            .sum::<f64>()
    };
    let mut last = served();
    let mut still = Instant::now();
    while still.elapsed() < Duration::from_secs(3) && settled.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(500));
        let now = served();
        if now != last {
            (last, still) = (now, Instant::now());
        }
    }
    println!(
        "after the soak ({:.1} s for the server to finish the requests it had), one page at a time:",
        settled.elapsed().as_secs_f64()
    );
    for page in &pages {
        unloaded("(after)", page);
    }
    stop.store(true, Ordering::Relaxed);
    let watched: Vec<(u16, u64, bool)> = watching.into_iter().map(|w| w.join().unwrap()).collect();
    let (rss_after, peak) = memory(server.pid());

    println!("soak per page (wrk, {per_page} connections each, 60 s timeout):");
    for (page, f) in pages.iter().zip(&figures) {
        println!(
            "  {:<12} {:>7.1} req/s  p50 {:>8.2} ms  p99 {:>8.2} ms  requests {:>7}  \
             wrk errors {} (timeouts {})  not 200 {}  without content {}  AWS-error pages {}",
            page.name,
            f.requests_per_second,
            f.p50_ms,
            f.p99_ms,
            f.requests,
            f.errors,
            f.timeouts,
            f.not_ok,
            f.no_content,
            f.aws_errors
        );
    }
    let (first, last) = (&samples[0], samples.last().unwrap());
    let wall = (last.at - first.at).as_secs_f64();
    println!("soak per route (the server's counters, whole soak):");
    let requests = delta_by(
        &first.metrics,
        &last.metrics,
        "console_http_requests_total",
        &["method", "route", "status"],
        not_metrics,
    );
    let time = delta_by(
        &first.metrics,
        &last.metrics,
        "console_http_request_duration_seconds_sum",
        &["method", "route", "status"],
        not_metrics,
    );
    for (key, n) in &requests {
        println!(
            "  {key:<48} {n:>8.0} ({:>6.1}/s), mean {:>8.2} ms in the server",
            n / wall,
            1000.0 * time.get(key).copied().unwrap_or(f64::NAN) / n
        );
    }
    println!("AWS calls during the soak:");
    let aws = delta_by(
        &first.metrics,
        &last.metrics,
        "console_aws_calls_total",
        &["service", "operation", "outcome", "status"],
        |_| true,
    );
    for (key, n) in &aws {
        println!("  {key:<48} {n:>8.0} ({:>6.1}/s)", n / wall);
    }
    let samples_taken = delta_by(
        &first.metrics,
        &last.metrics,
        "console_capacity_samples_total",
        &["result"],
        |_| true,
    );
    println!("capacity sampler (all environments): {samples_taken:?}");
    let kept = rt
        .block_on(store.capacity_samples(&id, "1970-01-01T00:00:00Z"))
        .map_or(0, |s| s.len());
    println!("capacity samples kept for the soak environment: {kept}");
    let ok_watchers = watched.iter().filter(|w| w.0 == 200).count();
    let closed = watched.iter().filter(|w| w.2).count();
    println!(
        "queue watchers: {ok_watchers} of {} answered 200, {closed} closed by the server, counts events {}",
        watched.len(),
        watched.iter().map(|w| w.1).sum::<u64>()
    );
    println!(
        "server memory: {rss_before:.1} MiB before, {rss_after_list:.1} MiB after the list runs, {rss_after:.1} MiB after the soak, peak {peak:.1} MiB"
    );
    // Least squares over the samples after the first minute (the warm-up).
    let warm: Vec<(f64, f64)> = samples
        .iter()
        .filter(|s| s.at >= Duration::from_secs(60))
        .map(|s| (s.at.as_secs_f64() / 60.0, s.rss))
        .collect();
    if warm.len() >= 3 {
        let n = warm.len() as f64;
        let (mx, my) = (
            warm.iter().map(|w| w.0).sum::<f64>() / n,
            warm.iter().map(|w| w.1).sum::<f64>() / n,
        );
        let slope = warm.iter().map(|w| (w.0 - mx) * (w.1 - my)).sum::<f64>()
            / warm.iter().map(|w| (w.0 - mx).powi(2)).sum::<f64>();
        println!("server RSS trend after the first minute: {slope:+.2} MiB a minute");
    }
}
