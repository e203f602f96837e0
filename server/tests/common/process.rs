//! The server binary as a child process, driven over plain HTTP/1.0 from blocking code
//! (so tests can SIGKILL it at any moment and start it again on the same database).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Reply {
    pub status: u16,
    pub cookie: Option<String>,
    pub body: String,
}

/// One HTTP/1.0 request; `None` if the server is not there (or died mid-request).
pub fn request(
    port: u16,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    form: &str,
) -> Option<Reply> {
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

pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The server process; killed when dropped (a failing test leaves nothing running).
pub struct Server(Child);

impl Server {
    /// The process id.
    pub fn pid(&self) -> u32 {
        self.0.id()
    }

    /// SIGKILL, and wait for the process to be gone.
    pub fn kill(&mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}

impl Server {
    /// SIGTERM, and wait (at most `within`) for the process to exit; its exit status.
    pub fn terminate(&mut self, within: Duration) -> std::process::ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the server ignored SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the server on `port` with database `db` and the AWS endpoint `aws`, and waits
/// until it answers.
pub fn start(port: u16, db: &str, aws: &str) -> Server {
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
    Server(child)
}

/// Calls a server function and decodes its JSON answer (panics on a non-200).
pub fn call<T: serde::de::DeserializeOwned>(
    port: u16,
    cookie: &str,
    endpoint: &str,
    form: &str,
) -> T {
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
