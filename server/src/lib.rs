//! The console server: configuration, adapters (AWS SDK, sqlx), and the HTTP router.

pub mod aws;
pub mod config;
pub mod emulator;
pub mod metrics;
pub mod proxy_auth;
pub mod queue_events;
pub mod rest;
pub mod run_events;
pub mod sampler;
pub mod security;
pub mod sessions;
pub mod store;

use std::sync::Arc;

use app::api::ssr::{AuthMode, Services};
use app::engine::WaitPolicy;
use app::{App, shell};
use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use crate::config::Config;
use crate::emulator::Emulator;
use crate::store::{Backend, SqlStore};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Leptos.toml is missing or invalid.
    #[error("reading {path}: {message}")]
    LeptosConfig {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The database could not be opened or migrated.
    #[error("opening the database: {0}")]
    Store(#[from] app::engine::StoreError),
    /// The session table could not be created.
    #[error("preparing the session store: {0}")]
    Sessions(String),
    /// A setting is unusable.
    #[error("configuration: {0}")]
    Config(String),
    /// The AWS emulator could not start.
    #[error(transparent)]
    Emulator(#[from] emulator::EmulatorError),
}

/// A configured console, ready to serve.
#[derive(Debug)]
pub struct Console {
    /// The HTTP router.
    pub router: Router,
    /// Leptos runtime options (site address, root...).
    pub leptos_options: LeptosOptions,
    /// The emulator child process, if the console started one; dropped with the console.
    pub emulator: Option<Emulator>,
    /// The storage adapter.
    pub store: SqlStore,
    /// The runs executing in the background, to drain at shutdown.
    pub runs: app::engine::BackgroundRuns,
    /// The capacity sampler (none when `--capacity-sample-seconds 0`).
    pub sampler: Option<sampler::Sampler>,
}

/// Builds the console from its configuration: Leptos options, store, AWS, router.
pub async fn build(config: &Config, wait: WaitPolicy) -> Result<Console, StartError> {
    let path = config.leptos_config.display().to_string();
    let conf = get_configuration(Some(&path)).map_err(|e| StartError::LeptosConfig {
        path: path.clone(),
        message: e.to_string(),
    })?;
    let leptos_options = conf.leptos_options;
    // Install the metrics recorder before the first request is counted.
    metrics::handle();

    let store = SqlStore::connect(&config.database_url).await?;
    let interrupted = store.fail_interrupted_runs().await?;
    if interrupted > 0 {
        tracing::warn!(
            interrupted,
            "marked runs of a previous process as interrupted"
        );
    }

    let prices = Arc::new(price_table(config)?);
    let aws = aws::connect(config).await?;
    let runs = app::engine::BackgroundRuns::default();
    let services = Services {
        runs: runs.clone(),
        prices,
        capacity_view_every: std::time::Duration::from_secs(config.capacity_view_sample_seconds),
        store: Arc::new(store.clone()),
        cloud: Arc::new(aws.cloud),
        aws: aws.info,
        wait,
        sign_in_limiter: Arc::new(app::api::ssr::sign_in_limiter()),
        auth: match config.auth {
            config::AuthArg::Local => AuthMode::Local,
            config::AuthArg::Proxy => AuthMode::Proxy,
        },
    };
    let sampler = (config.capacity_sample_seconds > 0).then(|| {
        sampler::start(
            services.store.clone(),
            services.cloud.clone(),
            std::time::Duration::from_secs(config.capacity_sample_seconds),
        )
    });
    let api_limiter = Arc::new(rest::token_limiter(config.api_requests_per_minute));
    let router = router(leptos_options.clone(), services, api_limiter);
    // Sessions live in the same database, so any replica can serve any session.
    let sessions_failed = |e: sqlx::Error| StartError::Sessions(e.to_string());
    let router = router.layer(axum::middleware::from_fn_with_state(
        sessions::refresh_every(config.session_idle_seconds),
        sessions::keep_alive,
    ));
    let router = match store.backend() {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&config.database_url)
                .await
                .map_err(sessions_failed)?;
            let sessions = SqliteStore::new(pool);
            sessions.migrate().await.map_err(sessions_failed)?;
            router.layer(session_layer(sessions, config))
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&config.database_url)
                .await
                .map_err(sessions_failed)?;
            let sessions = PostgresStore::new(pool);
            sessions.migrate().await.map_err(sessions_failed)?;
            router.layer(session_layer(sessions, config))
        }
    };
    let router = if config.auth == config::AuthArg::Proxy {
        let header = axum::http::HeaderName::try_from(config.proxy_user_header.as_str())
            .map_err(|e| StartError::Config(format!("--proxy-user-header: {e}")))?;
        let proxy = proxy_auth::TrustedProxy {
            header,
            networks: Arc::new(config.trusted_proxies.clone()),
        };
        router.layer(axum::middleware::from_fn_with_state(
            proxy,
            proxy_auth::identify,
        ))
    } else {
        router
    };
    let mut router = router
        .layer(axum::middleware::from_fn(security::same_origin))
        .layer(axum::middleware::from_fn(security::limit_body));
    for layer in security::headers(config.secure_cookies) {
        router = router.layer(layer);
    }
    Ok(Console {
        router,
        leptos_options,
        emulator: aws.emulator,
        store,
        runs,
        sampler,
    })
}

/// The session cookie: HttpOnly, SameSite=Lax, `Secure` behind TLS, expiring after the
/// configured inactivity.
/// The price table: `--price-table`'s file, or the one shipped with the console.
fn price_table(config: &Config) -> Result<app::domain::pricing::PriceTable, StartError> {
    const SHIPPED: &str = include_str!("../prices/aws-prices.json");
    let (json, from) = match &config.price_table {
        Some(path) => (
            std::fs::read_to_string(path).map_err(|e| {
                StartError::Config(format!("--price-table {}: {e}", path.display()))
            })?,
            path.display().to_string(),
        ),
        None => (SHIPPED.to_owned(), "the shipped price table".to_owned()),
    };
    app::domain::pricing::PriceTable::from_json(&json)
        .map_err(|e| StartError::Config(format!("--price-table {from}: {e}")))
}

fn session_layer<S: SessionStore + Clone>(store: S, config: &Config) -> SessionManagerLayer<S> {
    SessionManagerLayer::new(store)
        .with_name("console_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::seconds(
            config.session_idle_seconds,
        )))
}

/// The routes: Leptos pages and server functions (with [`Services`] in context), static
/// files, and a health check. The session layer is added by [`build`].
pub fn router(
    leptos_options: LeptosOptions,
    services: Services,
    api_limiter: Arc<rest::call::TokenLimiter>,
) -> Router {
    let routes = generate_route_list(App);
    let store = services.store.clone();
    // One poller per watched job queue; the server functions read its latest counts.
    let pollers = queue_events::Pollers::new(queue_events::PollPolicy::from_wait(services.wait));
    let events = {
        let (services, pollers) = (services.clone(), pollers.clone());
        move |path, req| queue_events::events(services.clone(), pollers.clone(), path, req)
    };
    let run_events = {
        let services = services.clone();
        move |path, req| run_events::events(services.clone(), path, req)
    };
    let watch: Arc<dyn app::engine::QueueWatch> = Arc::new(pollers);
    let context = {
        let services = services.clone();
        move || {
            provide_context(services.clone());
            provide_context(watch.clone());
        }
    };
    let api = rest::router(rest::ApiState {
        services,
        context: Arc::new(context.clone()),
        limiter: api_limiter,
    });
    Router::new()
        // Liveness: the process answers. Readiness: and its database does.
        .route("/healthz", get(|| async { "ok" }))
        .route("/environments/{id}/queue/events", get(events))
        .route("/environments/{id}/runs/events", get(run_events))
        .route("/metrics", get(|| async { metrics::handle().render() }))
        .route(
            "/readyz",
            get(move || {
                let store = store.clone();
                async move {
                    match store.ping().await {
                        Ok(()) => (StatusCode::OK, "ready".to_owned()),
                        Err(e) => {
                            tracing::error!("readiness: {e}");
                            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable".to_owned())
                        }
                    }
                }
            }),
        )
        .leptos_routes_with_context(&leptos_options, routes, context.clone(), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context(
            context, shell,
        ))
        .with_state(leptos_options)
        .merge(api)
        .route_layer(axum::middleware::from_fn(metrics::track))
        // Every request gets an x-request-id (kept if the client or proxy sent one),
        // logged in its span and returned in the response.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), uri = %req.uri(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}
