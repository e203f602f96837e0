//! Session expiry on inactivity. tower-sessions moves a session's expiry only when the
//! session is saved, and it is saved only when modified: a signed-in user who only reads
//! pages would be signed out `--session-idle-seconds` after signing in. This layer
//! marks a signed-in session as seen (saving it, and re-setting its cookie) when it was
//! last marked more than [`refresh_every`] ago, so it expires that long after the last
//! request, give or take one refresh period, for one store write per period per session.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tower_sessions::Session;

/// When the session was last marked seen (seconds since 1970).
const SEEN_KEY: &str = "seen";

/// How often a session in use is saved: a tenth of the idle timeout, at least a second
/// and at most five minutes.
pub fn refresh_every(idle_seconds: i64) -> i64 {
    (idle_seconds / 10).clamp(1, 300)
}

/// Middleware (inside the session layer): marks a signed-in session seen, on requests
/// that are a user's activity (see [`is_activity`]).
pub async fn keep_alive(
    axum::extract::State(every): axum::extract::State<i64>,
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    if is_activity(request.uri().path())
        && let Err(e) = mark_seen(&session, every).await
    {
        tracing::warn!(error = %e, "could not mark the session seen");
    }
    next.run(request).await
}

/// Pages and server functions are a user's activity; static files, probes, metrics
/// and the token-authenticated API are not (they would cost a session read each,
/// and a browser fetching a stylesheet is not someone using the console).
pub fn is_activity(path: &str) -> bool {
    !(path.starts_with("/pkg/")
        || path.starts_with("/api/v1/")
        || matches!(path, "/healthz" | "/readyz" | "/metrics" | "/favicon.ico"))
}

async fn mark_seen(session: &Session, every: i64) -> Result<(), tower_sessions::session::Error> {
    // Only a stored session of a signed-in user (an anonymous visitor gets none).
    if session
        .get::<serde_json::Value>(app::api::ssr::USER_KEY)
        .await?
        .is_none()
    {
        return Ok(());
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let seen = session.get::<i64>(SEEN_KEY).await?;
    if seen.is_none_or(|at| now - at >= every) {
        session.insert(SEEN_KEY, now).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn pages_and_server_functions_are_activity_files_and_probes_are_not() {
        for path in ["/", "/environments/abc/capacity", "/api/get_session"] {
            assert!(super::is_activity(path), "{path}");
        }
        for path in [
            "/pkg/console.wasm",
            "/healthz",
            "/readyz",
            "/metrics",
            "/api/v1/environments",
        ] {
            assert!(!super::is_activity(path), "{path}");
        }
    }

    #[test]
    fn the_refresh_period_is_a_tenth_of_the_timeout_within_bounds() {
        assert_eq!(super::refresh_every(3), 1);
        assert_eq!(super::refresh_every(600), 60);
        assert_eq!(super::refresh_every(7 * 24 * 3600), 300);
    }
}
