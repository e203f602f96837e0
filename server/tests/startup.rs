//! The server binary as a user starts it: with no AWS credentials it starts the local
//! emulator and says so; with credentials it talks to AWS; SIGTERM stops the emulator too.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;

struct Server {
    child: Child,
    port: u16,
    _data: tempfile::TempDir,
}

/// GET `path` over plain HTTP/1.0; `None` while nothing listens.
fn get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: text/html\r\n\r\n"
    )
    .ok()?;
    let mut body = String::new();
    stream.read_to_string(&mut body).ok()?;
    Some(body)
}

/// These tests choose "free" ports and one holds a port on purpose: they run one at a
/// time, so that none takes a port another has just chosen.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Starts the server with a clean environment plus `env`.
fn start(env: &[(&str, &str)]) -> Server {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let data = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.env_clear()
        .current_dir(&root)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        // No profile, no credentials file, no instance metadata: no credentials at all.
        .env("HOME", data.path())
        .env("AWS_CONFIG_FILE", data.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", data.path().join("none"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/console.db", data.path().display()),
        )
        .env("CONSOLE_MOTO_SERVER", common::moto_server())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().unwrap();
    let server = Server {
        child,
        port,
        _data: data,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while get(port, "/healthz").is_none() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn terminate(server: &mut Server) {
    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success(), "server exited with {status}");
            return;
        }
        assert!(Instant::now() < deadline, "server ignored SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn without_credentials_it_runs_the_emulator_and_says_so() {
    let _serial = one_at_a_time();
    let mut server = start(&[]);
    let page = get(server.port, "/").unwrap();
    assert!(page.contains("sandbox: local AWS emulator"), "{page}");
    assert!(page.contains("AWS account 123456789012"), "{page}");
    let endpoint = page
        .split("id=\"sandbox\" title=\"http://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("emulator endpoint in the badge");
    let emulator_port: u16 = endpoint.parse().unwrap();
    assert!(TcpStream::connect(("127.0.0.1", emulator_port)).is_ok());

    // SIGTERM stops the console and its emulator child.
    terminate(&mut server);
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", emulator_port)).is_ok() {
        assert!(
            Instant::now() < deadline,
            "the emulator outlived the console"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn with_credentials_it_talks_to_aws_not_the_emulator() {
    let _serial = one_at_a_time();
    // Credentials in the environment, and an unreachable AWS endpoint so the test never
    // leaves the machine: the console must not fall back to the emulator.
    let server = start(&[
        ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00"),
        ("AWS_SECRET_ACCESS_KEY", "not-a-real-secret"),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
        ("AWS_MAX_ATTEMPTS", "1"),
    ]);
    let page = get(server.port, "/").unwrap();
    assert!(!page.contains("sandbox: local AWS emulator"), "{page}");
    assert!(
        page.contains("AWS identity unknown: sts:GetCallerIdentity failed"),
        "{page}"
    );
}

/// A port another process holds is not mistaken for the emulator (an open port is not
/// moto): moto cannot bind it and exits, and the next port is used.
#[test]
fn the_emulator_skips_a_port_another_process_holds() {
    let _serial = one_at_a_time();
    let holder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let held = holder.local_addr().unwrap().port();
    let free = common::free_port();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let emulator = server::emulator::Emulator::start_on(&common::moto_server(), [held, free])
            .await
            .unwrap();
        assert_eq!(emulator.endpoint, format!("http://127.0.0.1:{free}"));
        // Only one port, and it is held: a clear error naming it.
        let e = server::emulator::Emulator::start_on(&common::moto_server(), [held])
            .await
            .unwrap_err();
        assert!(e.to_string().contains(&format!("port {held}")), "{e}");
    });
    drop(holder);
}
