//! The one error type of the server functions, mapped once to an HTTP status.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

use crate::domain::Problem;

/// What a server function call can fail with, as the browser sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Input broke rules; each problem names its field.
    #[error("please correct the highlighted fields")]
    Invalid(Vec<Problem>),
    /// Not signed in (or the session expired).
    #[error("please sign in")]
    Unauthenticated,
    /// No such thing, or not yours (the two are not told apart).
    #[error("not found")]
    NotFound,
    /// Visible to the caller, but their role does not allow this; the message says so.
    #[error("{0}")]
    Forbidden(String),
    /// The request conflicts with the current state (e.g. a run in progress).
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts; the message says when to try again.
    #[error("{0}")]
    TooManyRequests(String),
    /// The console cannot take this now (e.g. it is shutting down); try again shortly.
    #[error("{0}")]
    Unavailable(String),
    /// AWS refused or failed: the step, the error code, the message and request id.
    #[error("{0}")]
    Aws(String),
    /// A failure on the server whose details are logged under this reference.
    #[error("internal error (reference {0}); the details are in the server log")]
    Internal(String),
    /// The request did not reach the function or its answer could not be read.
    #[error("request failed: {0}")]
    Transport(String),
}

impl AppError {
    /// The problems of an [`AppError::Invalid`], else none.
    pub fn problems(&self) -> &[Problem] {
        match self {
            AppError::Invalid(p) => p,
            _ => &[],
        }
    }

    /// The message for `field`, if the error has a problem there.
    pub fn problem_for(&self, field: &str) -> Option<String> {
        self.problems()
            .iter()
            .find(|p| p.field == field)
            .map(|p| p.message.clone())
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Invalid(_) => 422,
            AppError::Unauthenticated => 401,
            AppError::NotFound => 404,
            AppError::Forbidden(_) => 403,
            AppError::Conflict(_) => 409,
            AppError::TooManyRequests(_) => 429,
            AppError::Unavailable(_) => 503,
            AppError::Aws(_) => 502,
            AppError::Internal(_) => 500,
            AppError::Transport(_) => 400,
        }
    }

    /// A single-field validation error.
    pub fn invalid(field: &str, rule: &str, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![Problem {
            field: field.into(),
            rule: rule.into(),
            message: message.into(),
        }])
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}
