//! What every REST handler shares: the bearer-token layer, the call of the service layer
//! (the server functions' code) with the request in Leptos context, and the one mapping
//! of [`AppError`] to a JSON error response.

use std::future::Future;
use std::sync::Arc;

use app::api::AppError;
use app::api::ssr::{ApiCaller, Services};
use app::domain::Problem;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leptos::prelude::{Owner, provide_context};
use leptos::reactive::computed::ScopedFuture;
use serde::Serialize;
use utoipa::ToSchema;

/// Rate limiter of API requests, keyed by token id.
pub type TokenLimiter = governor::DefaultKeyedRateLimiter<String>;

/// The REST API's state: the services, the Leptos context the server functions expect,
/// and the per-token rate limiter.
#[derive(Clone)]
pub struct ApiState {
    /// Store, cloud and the rest.
    pub services: Services,
    /// Provides the context of a server-function call (services, queue pollers).
    pub context: Arc<dyn Fn() + Send + Sync>,
    /// Requests per token.
    pub limiter: Arc<TokenLimiter>,
}

/// A limiter allowing each token `per_minute` requests a minute, in bursts of as many.
pub fn token_limiter(per_minute: u32) -> TokenLimiter {
    let per_minute =
        std::num::NonZeroU32::new(per_minute.max(1)).unwrap_or(std::num::NonZeroU32::MIN);
    governor::RateLimiter::keyed(governor::Quota::per_minute(per_minute))
}

/// The error body of every refused or failed API request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What kind of error: `invalid`, `unauthenticated`, `not_found`, `forbidden`,
    /// `conflict`, `too_many_requests`, `unavailable`, `aws`, `internal`, `bad_request`.
    pub error: String,
    /// What went wrong, for a person.
    pub message: String,
    /// With `invalid`: each broken rule, naming its field.
    pub problems: Vec<Problem>,
}

/// An [`AppError`] answered as JSON with its status.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

/// A request field that the API refuses: 422 naming the field and rule.
pub fn invalid(field: &str, rule: &str, message: impl Into<String>) -> ApiError {
    ApiError(AppError::invalid(field, rule, message))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let kind = match &e {
            AppError::Invalid(_) => "invalid",
            AppError::Unauthenticated => "unauthenticated",
            AppError::NotFound => "not_found",
            AppError::Forbidden(_) => "forbidden",
            AppError::Conflict(_) => "conflict",
            AppError::TooManyRequests(_) => "too_many_requests",
            AppError::Unavailable(_) => "unavailable",
            AppError::Aws(_) => "aws",
            AppError::Internal(_) => "internal",
            AppError::Transport(_) => "bad_request",
        };
        let message = match &e {
            AppError::Unauthenticated => {
                "send a personal API token (create one at /account/tokens) as Authorization: Bearer <token>".to_owned()
            }
            other => other.to_string(),
        };
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (
            status,
            Json(ErrorBody {
                error: kind.to_owned(),
                message,
                problems: e.problems().to_vec(),
            }),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// Authenticates `/api/v1` requests by their bearer token (the session cookie is not
/// accepted here), applies the token's rate limit, and hands the caller to the handlers.
pub async fn bearer(State(state): State<ApiState>, mut req: Request, next: Next) -> Response {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(app::domain::tokens::bearer_token)
        .map(str::to_owned);
    let Some(token) = token else {
        if req.headers().contains_key(header::AUTHORIZATION) {
            return unauthenticated(
                "the Authorization header is not `Bearer bcon_...`: send a personal API token \
                 (create one at /account/tokens)",
                r#"Bearer error="invalid_request""#,
            );
        }
        return ApiError(AppError::Unauthenticated).into_response();
    };
    let caller = match app::api::tokens::authenticate(&state.services, &token).await {
        Ok(Some(caller)) => caller,
        Ok(None) => {
            tracing::info!("refused an unknown, revoked or expired API token");
            return unauthenticated(
                "this API token is unknown, revoked or expired: create a new one at \
                 /account/tokens",
                r#"Bearer error="invalid_token""#,
            );
        }
        Err(e) => return ApiError(e).into_response(),
    };
    if let Err(not_until) = state.limiter.check_key(&caller.token_id) {
        use governor::clock::Clock;
        let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        metrics::counter!("console_api_rate_limited_total").increment(1);
        let mut response = ApiError(AppError::TooManyRequests(format!(
            "this token made too many requests; try again in {seconds} s"
        )))
        .into_response();
        if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    req.extensions_mut().insert::<ApiCaller>(caller);
    next.run(req).await
}

/// A 401 saying what was wrong with the credentials sent (RFC 6750's error codes in
/// `WWW-Authenticate`); a request without any gets the plain [`AppError::Unauthenticated`].
fn unauthenticated(message: &str, challenge: &'static str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        )],
        Json(ErrorBody {
            error: "unauthenticated".to_owned(),
            message: message.to_owned(),
            problems: Vec::new(),
        }),
    )
        .into_response()
}

/// Runs `body` (server-function code) with the request in Leptos context, as
/// leptos_axum does for a server function, so that it finds the services and the caller.
pub async fn call<T, F, Fut>(state: &ApiState, parts: Parts, body: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
    T: Send + 'static,
{
    let context = state.context.clone();
    let owner = Owner::new();
    owner
        .with(|| {
            ScopedFuture::new(async move {
                provide_context(parts);
                provide_context(leptos_axum::ResponseOptions::default());
                context();
                body().await
            })
        })
        .await
        .map_err(ApiError)
}

/// The caller the bearer layer authenticated.
pub fn caller(parts: &Parts) -> Result<ApiCaller, ApiError> {
    parts
        .extensions
        .get::<ApiCaller>()
        .cloned()
        .ok_or(ApiError(AppError::Unauthenticated))
}
