//! Errors of the engine and of the ports it drives.

use std::fmt;

/// An AWS call that failed: which operation, AWS's error code and message, the request id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloudError {
    /// `service:Operation`, e.g. `batch:CreateComputeEnvironment`.
    pub operation: String,
    /// AWS's error code (e.g. `ClientException`), when the response had one.
    pub code: Option<String>,
    /// AWS's message, or a description of the transport failure.
    pub message: String,
    /// The AWS request id, when there was a response.
    pub request_id: Option<String>,
}

impl fmt::Display for CloudError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: ", self.operation)?;
        if let Some(code) = &self.code {
            write!(f, "{code}: ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for CloudError {}

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken (e.g. a duplicate name); the message says which.
    #[error("{0}")]
    Conflict(String),
    /// Anything else (IO, SQL); logged, not shown.
    #[error("storage error: {0}")]
    Backend(String),
}

/// Why an engine operation failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// An AWS call failed during `step`.
    #[error("{step}: {source}")]
    Aws {
        /// The step that failed, e.g. "create Batch compute environment infer-ce".
        step: String,
        /// The AWS error.
        source: CloudError,
    },
    /// A resource did not reach the awaited status in time.
    #[error("{step}: timed out after {seconds}s waiting for {waiting_for}")]
    Timeout {
        /// The step that was waiting.
        step: String,
        /// What it waited for.
        waiting_for: String,
        /// How long it waited.
        seconds: u64,
    },
    /// AWS reports the resource unusable (e.g. compute environment INVALID).
    #[error("{step}: {message}")]
    Failed {
        /// The step.
        step: String,
        /// AWS's status reason.
        message: String,
    },
    /// The console is shutting down: the run stopped at a journalled point.
    #[error(
        "interrupted: the console shut down during this run (stopped after {step}); apply or destroy again to continue"
    )]
    Stopped {
        /// Where it stopped.
        step: String,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
