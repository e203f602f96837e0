//! Live apply: the environment's latest run pushed to its page as Server-Sent Events at
//! `/environments/{id}/runs/events`.
//!
//! The store is the truth (runs execute in background tasks, possibly on another
//! replica): while someone is subscribed, the stream reads the latest run and its steps
//! every [`INTERVAL`] and sends `event: run` (a [`LiveState`] as JSON) at once on
//! connect, then whenever a step starts, finishes or fails. When the run has ended it
//! sends the final state (with the retry of a failed apply) and closes. Each read is
//! authorized again, so a revoked link stops the stream at once.

use std::convert::Infallible;
use std::time::Duration;

use app::api::AppError;
use app::api::ssr::Services;
use app::domain::Operation;
use app::domain::run::live::LiveState;
use axum::extract::{Path, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use leptos::prelude::provide_context;
use leptos::reactive::computed::ScopedFuture;
use leptos::reactive::owner::Owner;

/// Between two reads of the store while subscribed.
pub const INTERVAL: Duration = Duration::from_millis(300);

/// The live state as `parts`' user may see it now.
async fn read(services: &Services, parts: &Parts, id: &str) -> Result<LiveState, AppError> {
    let owner = Owner::new();
    owner
        .with(|| {
            provide_context(parts.clone());
            provide_context(services.clone());
            let (services, id) = (services.clone(), id.to_owned());
            ScopedFuture::new(async move {
                let access = app::api::ssr::authorize(&services, &id, Operation::View).await?;
                app::api::live::ssr::live_state(&services, &access).await
            })
        })
        .await
}

/// Whether `new` shows anything `old` did not (the read time aside).
fn changed(old: &LiveState, new: &LiveState) -> bool {
    old.retry != new.retry
        || match (&old.run, &new.run) {
            (Some(a), Some(b)) => !a.same_as(b),
            (a, b) => a.is_some() != b.is_some(),
        }
}

/// `GET /environments/{id}/runs/events`: `event: run` with the latest run's state and
/// steps, first at once, then at each change; the stream ends after a finished run's
/// state. Authorized as the environment page (`Operation::View`).
pub async fn events(services: Services, Path(id): Path<String>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let first = match read(&services, &parts, &id).await {
        Ok(state) => state,
        Err(e) => {
            let status =
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (status, e.to_string()).into_response();
        }
    };
    struct Watch {
        services: Services,
        parts: Parts,
        id: String,
        /// The state sent last (`None` before the first).
        sent: Option<LiveState>,
        /// The next state to send, already read.
        next: Option<LiveState>,
    }
    let watch = Watch {
        services,
        parts,
        id,
        sent: None,
        next: Some(first),
    };
    let stream = futures::stream::unfold(watch, |mut w| async move {
        // A finished run was sent: the stream ends.
        if w.sent
            .as_ref()
            .is_some_and(|s| s.run.as_ref().is_none_or(|r| !r.running()))
        {
            return None;
        }
        loop {
            let state = match w.next.take() {
                Some(s) => s,
                None => {
                    tokio::time::sleep(INTERVAL).await;
                    match read(&w.services, &w.parts, &w.id).await {
                        Ok(s) => s,
                        // No longer allowed (link revoked, signed out): stop.
                        Err(
                            AppError::NotFound | AppError::Forbidden(_) | AppError::Unauthenticated,
                        ) => {
                            return None;
                        }
                        Err(e) => {
                            tracing::warn!(environment = %w.id, "reading the live run: {e}");
                            continue;
                        }
                    }
                }
            };
            if w.sent.as_ref().is_none_or(|old| changed(old, &state)) {
                let event = Event::default()
                    .event("run")
                    .json_data(&state)
                    .unwrap_or_else(|_| Event::default().comment("unencodable"));
                w.sent = Some(state);
                return Some((Ok::<_, Infallible>(event), w));
            }
        }
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}
