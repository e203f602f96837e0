//! The local AWS emulator: a moto server child process on a free loopback port.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

/// A running moto server; killed when dropped.
#[derive(Debug)]
pub struct Emulator {
    child: Child,
    /// Its endpoint, e.g. `http://127.0.0.1:41234`.
    pub endpoint: String,
}

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The executable is missing.
    #[error(
        "the AWS emulator {0} is missing: install it with `python3 -m venv .venv && .venv/bin/pip install 'moto[server]'` (the README's run command does this)"
    )]
    Missing(String),
    /// Starting or reaching it failed.
    #[error("the AWS emulator did not start: {0}")]
    Start(String),
}

impl Emulator {
    /// Starts `moto_server` on a free loopback port and waits until it answers. A port
    /// is chosen free but may be taken before moto binds it: then moto exits, and
    /// another port is tried (three in all).
    pub async fn start(moto_server: &Path) -> Result<Self, EmulatorError> {
        let ports = std::iter::from_fn(|| free_port().ok()).take(3);
        Self::start_on(moto_server, ports).await
    }

    /// Starts `moto_server` on the first of `ports` where it comes up.
    pub async fn start_on(
        moto_server: &Path,
        ports: impl IntoIterator<Item = u16>,
    ) -> Result<Self, EmulatorError> {
        if !moto_server.exists() {
            return Err(EmulatorError::Missing(moto_server.display().to_string()));
        }
        let mut last = EmulatorError::Start("no free loopback port".into());
        for port in ports {
            match Self::start_at(moto_server, port).await {
                Ok(emulator) => return Ok(emulator),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    async fn start_at(moto_server: &Path, port: u16) -> Result<Self, EmulatorError> {
        let child = Command::new(moto_server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "false")
            .stdout(Stdio::null())
            // CONSOLE_MOTO_LOG=<file> keeps moto's log (its tracebacks explain its 500s).
            .stderr(
                std::env::var_os("CONSOLE_MOTO_LOG")
                    .and_then(|path| {
                        std::fs::OpenOptions::new()
                            .create(true)
                            .append(true)
                            .open(path)
                            .ok()
                    })
                    .map_or_else(Stdio::null, Stdio::from),
            )
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| EmulatorError::Start(format!("{}: {e}", moto_server.display())))?;
        let endpoint = format!("http://127.0.0.1:{port}");
        let mut emulator = Emulator { child, endpoint };
        for _ in 0..200 {
            // moto's own answer, not merely an open port (another process may hold it).
            if answers_as_moto(port).await {
                return Ok(emulator);
            }
            if let Ok(Some(status)) = emulator.child.try_wait() {
                return Err(EmulatorError::Start(format!(
                    "moto_server exited with {status} (port {port})"
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(EmulatorError::Start(format!(
            "no answer on port {port} within 10 s"
        )))
    }
}

/// Whether moto answers `GET /moto-api/` on `port` with 200.
async fn answers_as_moto(port: u16) -> bool {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let probe = async {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .ok()?;
        stream
            .write_all(b"GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            .await
            .ok()?;
        let mut head = [0_u8; 12];
        stream.read_exact(&mut head).await.ok()?;
        Some(head.starts_with(b"HTTP/1.") && &head[9..12] == b"200")
    };
    tokio::time::timeout(Duration::from_millis(500), probe)
        .await
        .ok()
        .flatten()
        .unwrap_or(false)
}

impl Emulator {
    /// Stops the emulator and waits for it to exit.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// A loopback port that was free a moment ago.
fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}
