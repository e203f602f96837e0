//! The versioned REST API, `/api/v1`: everything the pages do, for scripts, CI and the
//! `console` command line. Each handler calls the same service code as the server
//! functions (with the same authorization); callers authenticate with personal API
//! tokens. The OpenAPI document is generated from the handlers and types (utoipa) and
//! served at `/api/v1/openapi.json`, with a reference page at `/api/v1/docs`.

pub mod call;
mod docs;
mod environments;
mod extract;
mod operate;
mod runs;
mod sharing;
mod specs;

use std::sync::Arc;

use axum::Router;
use axum::response::IntoResponse;
use axum::routing::get;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use call::{ApiState, token_limiter};

/// The document's frame: title, the base path, bearer authentication for every operation.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Batch inference console API",
        version = "1",
        description = "Environments (ECS cluster and capacity, Batch compute environment, job queue, task and job definitions): specs and revisions, validate, plan, apply / refresh / destroy runs, share links, the job queue, tasks and capacity. Authenticate with a personal API token (created on the console's API tokens page) as `Authorization: Bearer <token>`. Errors are JSON: `error`, `message` and, for 422, `problems` naming each field and rule."
    ),
    servers((url = "/api/v1")),
    security(("bearer" = [])),
    modifiers(&BearerAuth),
    tags(
        (name = "environments", description = "List, create, import and read environments"),
        (name = "specs", description = "Specs, revisions, validation and export as code"),
        (name = "runs", description = "Plan, apply, refresh, destroy, retry and run history"),
        (name = "sharing", description = "Share links"),
        (name = "jobs", description = "The Batch job queue"),
        (name = "tasks", description = "ECS tasks"),
        (name = "capacity", description = "Capacity figures"),
        (name = "tokens", description = "The caller and their API tokens"),
    )
)]
struct ApiDoc;

/// Adds the bearer security scheme.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The API's routes and its OpenAPI document.
fn api() -> (Router<ApiState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(sharing::me))
        .routes(routes!(sharing::tokens, sharing::create_token))
        .routes(routes!(sharing::revoke_token))
        .routes(routes!(specs::validate))
        .routes(routes!(environments::list, environments::create))
        .routes(routes!(environments::import))
        .routes(routes!(environments::show))
        .routes(routes!(specs::get_spec, specs::put_spec))
        .routes(routes!(specs::revisions))
        .routes(routes!(specs::restore))
        .routes(routes!(specs::export))
        .routes(routes!(runs::plan))
        .routes(routes!(runs::apply))
        .routes(routes!(runs::refresh))
        .routes(routes!(runs::destroy))
        .routes(routes!(runs::retry))
        .routes(routes!(runs::history))
        .routes(routes!(runs::latest))
        .routes(routes!(sharing::links, sharing::create_link))
        .routes(routes!(sharing::revoke_link))
        .routes(routes!(operate::jobs, operate::submit))
        .routes(routes!(operate::cancel))
        .routes(routes!(operate::job))
        .routes(routes!(operate::tasks, operate::run_tasks))
        .routes(routes!(operate::stop_tasks))
        .routes(routes!(operate::capacity))
        .split_for_parts()
}

/// The OpenAPI document (what `/api/v1/openapi.json` serves).
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().1
}

/// `/api/v1`: the API behind the bearer-token layer, and its document and reference page
/// (public).
pub fn router(state: ApiState) -> Router {
    let (routes, doc) = api();
    let json = Arc::new(doc.to_pretty_json().unwrap_or_default());
    let page = Arc::new(docs::page(&doc));
    let protected = routes
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            call::bearer,
        ))
        .with_state(state);
    let public = Router::new()
        .route(
            "/openapi.json",
            get(move || {
                let json = json.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        json.as_str().to_owned(),
                    )
                }
            }),
        )
        .route(
            "/docs",
            get(move || {
                let page = page.clone();
                async move { axum::response::Html(page.as_str().to_owned()) }
            }),
        );
    Router::new().nest(
        "/api/v1",
        public.merge(protected).fallback(|| async {
            call::ApiError(app::api::AppError::NotFound).into_response()
        }),
    )
}
