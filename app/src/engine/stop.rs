//! Stopping runs at a journalled point when the console shuts down.
//!
//! A run executed with [`StopSignal`] in scope (see `runner::execute_until`) checks it
//! where stopping loses nothing: before starting a creation or a deletion, and while
//! polling AWS for a status (the resource is journalled by then). An AWS call already
//! made is always answered and journalled first.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Asks the runs that carry it to stop at their next journalled point.
#[derive(Clone, Debug, Default)]
pub struct StopSignal(Arc<AtomicBool>);

impl StopSignal {
    /// Asks every run carrying this signal to stop.
    pub fn request(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was asked for.
    pub fn requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

tokio::task_local! {
    /// The signal of the run the current task executes.
    static CURRENT: StopSignal;
}

/// Runs `fut` with `signal` as the stop signal that [`stop_requested`] reads.
pub(crate) async fn with_signal<F: std::future::Future>(signal: StopSignal, fut: F) -> F::Output {
    CURRENT.scope(signal, fut).await
}

/// Whether the run executing in this task was asked to stop (never, outside a run
/// executed with a signal).
pub(crate) fn stop_requested() -> bool {
    CURRENT.try_with(StopSignal::requested).unwrap_or(false)
}

/// The runs this process executes in the background: counted while they run, and
/// stopped together at shutdown.
#[derive(Clone, Debug)]
pub struct BackgroundRuns {
    stop: StopSignal,
    active: Arc<tokio::sync::watch::Sender<usize>>,
}

impl Default for BackgroundRuns {
    fn default() -> Self {
        BackgroundRuns {
            stop: StopSignal::default(),
            active: Arc::new(tokio::sync::watch::Sender::new(0)),
        }
    }
}

/// Held by a background run while it executes.
#[derive(Debug)]
pub struct RunGuard(Arc<tokio::sync::watch::Sender<usize>>);

impl Drop for RunGuard {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n -= 1);
    }
}

impl BackgroundRuns {
    /// Counts a run about to start; `None` once the console is shutting down.
    pub fn start(&self) -> Option<RunGuard> {
        if self.stop.requested() {
            return None;
        }
        self.active.send_modify(|n| *n += 1);
        Some(RunGuard(self.active.clone()))
    }

    /// The signal the runs carry.
    pub fn signal(&self) -> StopSignal {
        self.stop.clone()
    }

    /// Runs executing now.
    pub fn active(&self) -> usize {
        *self.active.borrow()
    }

    /// Asks every run to stop at its next journalled point and waits (at most
    /// `timeout`) until none runs; returns how many still did.
    pub async fn drain(&self, timeout: std::time::Duration) -> usize {
        self.stop.request();
        let mut rx = self.active.subscribe();
        let _ = tokio::time::timeout(timeout, rx.wait_for(|n| *n == 0)).await;
        self.active()
    }
}
