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
    let (routes, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
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
        .split_for_parts();
    (routes, complete_responses(doc))
}

/// What every operation can answer besides what its `#[utoipa::path]` lists: 422 when
/// its path, query or body cannot be read (the extractors' refusals, `extract.rs`), 429
/// from the bearer layer's rate limit; and a description for each response, which
/// OpenAPI requires and utoipa leaves out when none is given.
fn complete_responses(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::schema::{Object, Ref, Type};
    use utoipa::openapi::{Content, RefOr, Response, header::Header};
    let error = |description: &str| {
        Response::builder()
            .description(description)
            .content(
                "application/json",
                Content::new(Some(Ref::from_schema_name("ErrorBody"))),
            )
            .build()
    };
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            let responses = &mut op.responses.responses;
            let reads_request =
                op.parameters.as_ref().is_some_and(|p| !p.is_empty()) || op.request_body.is_some();
            if reads_request && !responses.contains_key("422") {
                responses.insert(
                    "422".to_owned(),
                    RefOr::T(error(
                        "the path, query or body cannot be read, or a field breaks a rule; each problem names it",
                    )),
                );
            }
            let mut limited =
                error("this token made too many requests; retry after Retry-After seconds");
            limited.headers.insert(
                "Retry-After".to_owned(),
                RefOr::T(Header::new(Object::with_type(Type::Integer))),
            );
            responses
                .entry("429".to_owned())
                .or_insert(RefOr::T(limited));
            for (status, response) in responses.iter_mut() {
                if let RefOr::T(r) = response
                    && r.description.is_empty()
                {
                    r.description = default_description(status).to_owned();
                }
            }
        }
    }
    doc
}

/// The description of a response that its declaration leaves without one.
fn default_description(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "created",
        "202" => "accepted",
        "204" => "done",
        "401" => "no valid API token (missing, unknown, revoked or expired)",
        "403" => "the caller's role on the environment does not allow this",
        "404" => "no such environment or item, or not shared with the caller",
        "409" => {
            "the environment's state does not allow this now (a run in progress, not applied, a newer revision)"
        }
        "422" => "a field breaks a rule; each problem names it",
        "502" => "AWS refused the request",
        "503" => "the console is shutting down",
        _ => "see the error body",
    }
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
        public
            .merge(protected)
            .fallback(|| async { call::ApiError(app::api::AppError::NotFound).into_response() }),
    )
}
