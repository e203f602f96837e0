//! Server-side helpers of the server functions: the services in context, the signed-in
//! user, and the single mapping of lower-layer errors to [`AppError`].

use std::future::Future;
use std::sync::Arc;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use tracing::error;

use super::error::AppError;
use super::types::AwsInfo;
use crate::domain::{Operation, Permissions, Role, allows};
use crate::engine::{Cloud, EngineError, EnvironmentRecord, Store, StoreError, WaitPolicy};

/// What the server functions reach through Leptos context (provided by `server/`).
#[derive(Clone)]
pub struct Services {
    /// Storage.
    pub store: Arc<dyn Store>,
    /// AWS (or the emulator).
    pub cloud: Arc<dyn Cloud>,
    /// The AWS side, as found at start-up.
    pub aws: AwsInfo,
    /// How the engine waits for AWS.
    pub wait: WaitPolicy,
    /// Sign-in attempts per username.
    pub sign_in_limiter: Arc<SignInLimiter>,
    /// Where identities come from.
    pub auth: AuthMode,
    /// Runs executing in the background (stopped at a journalled point on shutdown).
    pub runs: crate::engine::BackgroundRuns,
    /// The prices of the review page's cost estimate.
    pub prices: Arc<crate::domain::pricing::PriceTable>,
    /// A capacity view keeps its reading as a sample only when the newest kept one is
    /// older than this.
    pub capacity_view_every: std::time::Duration,
}

/// Where the console learns who the user is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMode {
    /// Local accounts: sign-up and sign-in with a password, a session cookie.
    Local,
    /// Single sign-on in front of the console: a trusted proxy names the user in a header
    /// (the server's proxy layer turns it into a [`ProxyIdentity`]); local sign-in is off.
    Proxy,
}

/// The user a trusted proxy named for this request (a request extension set by the
/// server only for requests from a configured proxy address).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyIdentity(pub String);

/// The caller a personal API token authenticated (a request extension set by the
/// server's bearer-token layer of the REST API): it takes the place of the session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiCaller {
    /// The token's owner.
    pub user: CurrentUser,
    /// The token's id (the key of its rate limit).
    pub token_id: String,
}

/// What single sign-on accounts have instead of a password hash: no password matches.
pub const SSO_PASSWORD_HASH: &str = "!single-sign-on";

/// Rate limiter of sign-in attempts, keyed by username.
pub type SignInLimiter = governor::DefaultKeyedRateLimiter<String>;

/// Ten sign-in attempts at once per username, then one every 30 seconds.
pub fn sign_in_limiter() -> SignInLimiter {
    let quota = governor::Quota::with_period(std::time::Duration::from_secs(30))
        .expect("a non-zero period")
        .allow_burst(std::num::NonZeroU32::new(10).expect("non-zero"));
    governor::RateLimiter::keyed(quota)
}

/// The services provided by the server.
pub fn services() -> Result<Services, AppError> {
    use_context::<Services>().ok_or_else(|| internal("services missing from context"))
}

/// The session key of the signed-in user.
pub const USER_KEY: &str = "user";

/// The signed-in user, as stored in the session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    /// User id.
    pub id: String,
    /// Sign-in name.
    pub username: String,
}

/// The request's session.
pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>()
        .await
        .map_err(|e| internal(format!("session layer: {e}")))
}

/// The signed-in user, if any: from the trusted proxy's assertion in proxy mode (the
/// account is created on first sight), else from the session.
pub async fn maybe_user() -> Result<Option<CurrentUser>, AppError> {
    let parts = use_context::<axum::http::request::Parts>();
    if let Some(caller) = parts.as_ref().and_then(|p| p.extensions.get::<ApiCaller>()) {
        return Ok(Some(caller.user.clone()));
    }
    let services = services()?;
    if services.auth == AuthMode::Proxy {
        let asserted = parts.and_then(|p| p.extensions.get::<ProxyIdentity>().cloned());
        let Some(ProxyIdentity(username)) = asserted else {
            return Ok(None);
        };
        return Ok(Some(sso_account(&services, username).await?));
    }
    session()
        .await?
        .get::<CurrentUser>(USER_KEY)
        .await
        .map_err(|e| internal(format!("session read: {e}")))
}

/// The account of a user named by the proxy, created (and audited) on first sight.
async fn sso_account(services: &Services, username: String) -> Result<CurrentUser, AppError> {
    if let Some(user) = services.store.find_user(&username).await? {
        return Ok(CurrentUser {
            id: user.id,
            username,
        });
    }
    let id = match services
        .store
        .create_user(&username, SSO_PASSWORD_HASH)
        .await
    {
        Ok(id) => id,
        // Created by a concurrent request.
        Err(StoreError::Conflict(_)) => {
            services
                .store
                .find_user(&username)
                .await?
                .ok_or_else(|| internal("single sign-on account vanished"))?
                .id
        }
        Err(e) => return Err(e.into()),
    };
    audit(
        services,
        &username,
        "account.create",
        None,
        "single sign-on account created",
    )
    .await?;
    Ok(CurrentUser { id, username })
}

/// The signed-in user, or [`AppError::Unauthenticated`].
pub async fn require_user() -> Result<CurrentUser, AppError> {
    maybe_user().await?.ok_or(AppError::Unauthenticated)
}

/// What [`authorize`] found: who asks, the environment, and their role on it.
#[derive(Clone, Debug)]
pub struct Access {
    /// The signed-in user.
    pub user: CurrentUser,
    /// The environment.
    pub env: EnvironmentRecord,
    /// The user's role on it.
    pub role: Role,
}

impl Access {
    /// What the pages may offer this user.
    pub fn permissions(&self) -> Permissions {
        Permissions::of(self.role)
    }

    /// Whether this user may see secret values (else views are redacted).
    pub fn sees_secrets(&self) -> bool {
        allows(Some(self.role), Operation::SeeSecrets)
    }
}

/// The single authorization check of every server function and route that touches an
/// environment: the signed-in user's role on environment `id` must allow `op`
/// ([`crate::domain::access::allows`]).
///
/// Not signed in: [`AppError::Unauthenticated`]. No role at all (or no such environment):
/// [`AppError::NotFound`], so that others' environments are not even confirmed to exist.
/// A role that sees the environment but may not do `op`: [`AppError::Forbidden`].
pub async fn authorize(services: &Services, id: &str, op: Operation) -> Result<Access, AppError> {
    let user = require_user().await?;
    let Some(env) = services.store.get_environment(id).await? else {
        return Err(AppError::NotFound);
    };
    let role = if env.owner_id == user.id {
        Some(Role::Owner)
    } else {
        services
            .store
            .granted_role(&env.id, &user.id, &crate::engine::now_seconds())
            .await?
    };
    if allows(role, op) {
        let role = role.ok_or_else(|| internal("the policy allowed a user without a role"))?;
        return Ok(Access { user, env, role });
    }
    match role {
        Some(role) if allows(Some(role), Operation::ViewConfig) => Err(AppError::Forbidden(
            format!("As {} you cannot {}", with_article(role), op.describe()),
        )),
        _ => Err(AppError::NotFound),
    }
}

fn with_article(role: Role) -> String {
    match role {
        Role::Owner => "the owner".into(),
        Role::Editor => "an editor".into(),
        Role::Viewer => "a viewer".into(),
        Role::Template => "a holder of a template link".into(),
    }
}

/// The cloud port for `spec`'s target: the console's own credentials, or the spec's role
/// assumed with a session named after `username`.
pub async fn cloud_for(
    services: &Services,
    spec: &crate::domain::EnvironmentSpec,
    username: &str,
) -> Result<Arc<dyn Cloud>, AppError> {
    match &spec.assume_role {
        None => Ok(services.cloud.clone()),
        Some(role) => services
            .cloud
            .assume(role, &crate::engine::session_name(username))
            .await
            .map_err(|e| AppError::Aws(format!("assume the role {}: {e}", role.role_arn))),
    }
}

/// The client's address, as the socket saw it ("unknown" when not served over TCP).
pub fn client_address() -> String {
    use_context::<axum::http::request::Parts>()
        .and_then(|parts| {
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|info| info.0.ip().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Appends to the audit log: `actor` did `action` (to `environment_id`).
pub async fn audit(
    services: &Services,
    actor: &str,
    action: &str,
    environment_id: Option<&str>,
    detail: impl Into<String>,
) -> Result<(), AppError> {
    let entry = crate::domain::AuditEntry {
        at: String::new(),
        actor: actor.to_owned(),
        action: action.to_owned(),
        environment_id: environment_id.map(str::to_owned),
        address: client_address(),
        detail: detail.into(),
    };
    Ok(services.store.audit(&entry).await?)
}

/// Logs an internal failure and returns an error that carries only a reference.
pub fn internal(detail: impl std::fmt::Display) -> AppError {
    let reference = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    error!(%reference, "internal error: {detail}");
    AppError::Internal(reference)
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Backend(m) => internal(m),
        }
    }
}

impl From<EngineError> for AppError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Store(s) => s.into(),
            other => AppError::Aws(other.to_string()),
        }
    }
}

/// Runs a server function's body and, on error, sets the response status from the error.
///
/// A plain HTML form post (before hydration) keeps leptos_axum's redirect back to the
/// form instead, so the browser shows the page again rather than an error body.
pub async fn respond<T>(body: impl Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    let result = body.await;
    let html_form_post = use_context::<axum::http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    });
    if let (Err(e), false) = (&result, html_form_post)
        && let Some(options) = use_context::<leptos_axum::ResponseOptions>()
        && let Ok(status) = axum::http::StatusCode::from_u16(e.status())
    {
        options.set_status(status);
    }
    result
}
