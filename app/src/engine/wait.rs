//! Polling AWS until a resource reaches a status, with back-off and a timeout.

use std::time::Duration;

use super::error::EngineError;
use super::ports::{Cloud, Observed};
use crate::domain::ResourceKind;

/// How long and how often to poll AWS for an asynchronous status.
#[derive(Clone, Copy, Debug)]
pub struct WaitPolicy {
    /// First pause between polls; doubled after each poll.
    pub initial: Duration,
    /// Longest pause between polls.
    pub max_interval: Duration,
    /// Give up after this long.
    pub timeout: Duration,
}

impl Default for WaitPolicy {
    /// Real AWS: compute environments take a minute or two; queues and clusters seconds.
    fn default() -> Self {
        WaitPolicy {
            initial: Duration::from_secs(1),
            max_interval: Duration::from_secs(15),
            timeout: Duration::from_secs(15 * 60),
        }
    }
}

/// What a poll decided.
pub(crate) enum Poll {
    /// Keep waiting.
    Pending,
    /// Done.
    Ready,
    /// AWS says it will never get there.
    Failed(String),
}

/// The resource being waited for.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Target<'a> {
    /// Its region.
    pub region: &'a str,
    /// Its kind.
    pub kind: ResourceKind,
    /// Its name.
    pub name: &'a str,
}

/// Polls `read` until `decide` says ready or failed, or the policy's timeout passes.
pub(crate) async fn wait_for(
    cloud: &dyn Cloud,
    target: Target<'_>,
    step: &str,
    waiting_for: &str,
    policy: WaitPolicy,
    decide: impl Fn(Option<&Observed>) -> Poll,
) -> Result<(), EngineError> {
    let started = tokio::time::Instant::now();
    let mut pause = policy.initial;
    loop {
        let observed = cloud
            .read(target.region, target.kind, target.name)
            .await
            .map_err(|source| EngineError::Aws {
                step: step.to_owned(),
                source,
            })?;
        match decide(observed.as_ref()) {
            Poll::Ready => return Ok(()),
            Poll::Failed(message) => {
                return Err(EngineError::Failed {
                    step: step.to_owned(),
                    message,
                });
            }
            Poll::Pending => {}
        }
        // Waiting is a journalled point: the resource is recorded already.
        if super::stop::stop_requested() {
            return Err(EngineError::Stopped {
                step: format!("{step}, while waiting for {waiting_for}"),
            });
        }
        if started.elapsed() >= policy.timeout {
            return Err(EngineError::Timeout {
                step: step.to_owned(),
                waiting_for: waiting_for.to_owned(),
                seconds: policy.timeout.as_secs(),
            });
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(policy.max_interval);
    }
}
