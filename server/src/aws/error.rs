//! Turning SDK errors into the engine's [`CloudError`].

use app::engine::CloudError;
use aws_sdk_ecs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_ecs::operation::RequestId;

/// Maps any SDK error of `operation` (e.g. `ecs:CreateCluster`) to a [`CloudError`] with
/// AWS's code, message and request id when the service answered.
pub fn cloud_error<E, R>(operation: &str, err: SdkError<E, R>) -> CloudError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let meta = ProvideErrorMetadata::meta(&err);
    let code = meta.code().map(str::to_owned);
    let message = meta
        .message()
        .map(str::to_owned)
        .unwrap_or_else(|| DisplayErrorContext(&err).to_string());
    CloudError {
        operation: operation.to_owned(),
        code,
        message,
        request_id: meta.request_id().map(str::to_owned),
    }
}

/// A [`CloudError`] for a response that lacked something the adapter needs.
pub fn malformed(operation: &str, what: &str) -> CloudError {
    CloudError {
        operation: operation.to_owned(),
        code: None,
        message: format!("the response has no {what}"),
        request_id: None,
    }
}
