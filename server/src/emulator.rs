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
    /// Starts `moto_server` on a free loopback port and waits until it answers.
    pub async fn start(moto_server: &Path) -> Result<Self, EmulatorError> {
        if !moto_server.exists() {
            return Err(EmulatorError::Missing(moto_server.display().to_string()));
        }
        let port = free_port().map_err(|e| EmulatorError::Start(e.to_string()))?;
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
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Ok(emulator);
            }
            if let Ok(Some(status)) = emulator.child.try_wait() {
                return Err(EmulatorError::Start(format!(
                    "moto_server exited with {status}"
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(EmulatorError::Start(
            "no answer on its port within 10 s".into(),
        ))
    }
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
