//! `server`: runs the batch-inference console. See `--help` and the README.

use app::engine::WaitPolicy;
use clap::Parser;
use server::config::Config;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,aws_config=error")),
        )
        .init();
    let config = Config::parse();
    let console = match server::build(&config, WaitPolicy::default()).await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("cannot start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let addr = console.leptos_options.site_addr;
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!("cannot listen on {addr}: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("console listening on http://{addr}");
    let serve = axum::serve(
        listener,
        console
            .router
            .into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal());
    if let Err(e) = serve.await {
        tracing::error!("server error: {e}");
        return std::process::ExitCode::FAILURE;
    }
    // Running applies and destroys stop at their next journalled point.
    let running = console.runs.active();
    if running > 0 {
        tracing::info!(
            running,
            "stopping the runs in progress at a journalled point"
        );
        let left = console
            .runs
            .drain(std::time::Duration::from_secs(config.drain_seconds))
            .await;
        if left > 0 {
            tracing::warn!(
                left,
                "runs still in progress at exit; marked interrupted at the next start"
            );
        }
    }
    if let Some(emulator) = console.emulator {
        emulator.stop().await;
    }
    std::process::ExitCode::SUCCESS
}

/// Resolves on Ctrl-C or SIGTERM, so the emulator child is stopped on either.
async fn shutdown_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("cannot listen for SIGTERM: {e}");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
