//! `/api/v1/environments/{id}/...`: the plan, and the runs that change AWS (apply,
//! refresh, destroy, retry) with their history.

use app::api::ssr::{authorize, services};
use app::domain::run::live::LiveState;
use app::domain::{Operation, Plan, Problem, RunHistory};
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::call::{ApiError, ApiState, ErrorBody, call};
use super::extract::{Json, Path, Query};

/// The plan apply would execute now.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PlanView {
    /// The environment.
    pub id: String,
    /// The spec revision planned.
    pub revision: u64,
    /// Whether the plan changes anything (create, update, replace or delete).
    pub has_changes: bool,
    /// What apply needs to execute exactly this plan (empty for roles that may not apply).
    pub fingerprint: String,
    /// Each step: create / update / replace / delete / no change, with field diffs.
    pub plan: Plan,
    /// Allowed but risky settings.
    pub warnings: Vec<Problem>,
    /// The estimated hourly cost at maximum size, each line with its prices' sources.
    #[schema(value_type = Object)]
    pub cost: app::domain::pricing::CostEstimate,
}

/// The plan: each resource's step with field diffs, replacement reasons and warnings.
/// Saved (e.g. by `console plan --out`), its fingerprint is what apply takes.
#[utoipa::path(get, path = "/environments/{id}/plan", tag = "runs",
    params(("id" = String, Path, description = "environment id")),
    responses((status = 200, body = PlanView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn plan(
    State(state): State<ApiState>,
    parts: Parts,
    Path(id): Path<String>,
) -> Result<Json<PlanView>, ApiError> {
    let review = call(&state, parts, move || {
        app::api::environments::review_environment(id)
    })
    .await?;
    Ok(Json(PlanView {
        id: review.id,
        revision: review.revision,
        has_changes: review.plan.has_changes(),
        fingerprint: review.fingerprint,
        plan: review.plan,
        warnings: review.warnings,
        cost: review.cost,
    }))
}

/// Apply the plan whose fingerprint was shown.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ApplyRequest {
    /// The fingerprint of the plan reviewed (from the plan).
    pub fingerprint: String,
}

/// Starts applying the reviewed plan in the background; refused (409) if the plan
/// changed since it was shown. Follow it at `runs/latest`.
#[utoipa::path(post, path = "/environments/{id}/apply", tag = "runs", request_body = ApplyRequest,
    params(("id" = String, Path, description = "environment id")),
    responses((status = 202, body = LiveState, description = "the run started"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "the plan changed, or a run is in progress"),
        (status = 422, body = ErrorBody)))]
pub async fn apply(
    State(state): State<ApiState>,
    parts: Parts,
    Path(id): Path<String>,
    Json(body): Json<ApplyRequest>,
) -> Result<(StatusCode, Json<LiveState>), ApiError> {
    let live = call(&state, parts, move || async move {
        app::api::environments::apply_environment(id.clone(), body.fingerprint).await?;
        app::api::live::live_run(id).await
    })
    .await?;
    Ok((StatusCode::ACCEPTED, Json(live)))
}

/// Reads every resource from AWS now, as a recorded run; answers when it is done.
#[utoipa::path(post, path = "/environments/{id}/refresh", tag = "runs",
    params(("id" = String, Path, description = "environment id")),
    responses((status = 200, body = LiveState, description = "the refresh run, finished"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn refresh(
    State(state): State<ApiState>,
    parts: Parts,
    Path(id): Path<String>,
) -> Result<Json<LiveState>, ApiError> {
    let live = call(&state, parts, move || async move {
        app::api::environments::refresh_environment(id.clone()).await?;
        app::api::live::live_run(id).await
    })
    .await?;
    Ok(Json(live))
}

/// Destroy, confirmed by the environment's name.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DestroyRequest {
    /// The environment's name, repeated.
    pub confirm: String,
}

/// Starts destroying the environment's resources in the background.
#[utoipa::path(post, path = "/environments/{id}/destroy", tag = "runs", request_body = DestroyRequest,
    params(("id" = String, Path, description = "environment id")),
    responses((status = 202, body = LiveState, description = "the run started"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody, description = "confirm is not the name")))]
pub async fn destroy(
    State(state): State<ApiState>,
    parts: Parts,
    Path(id): Path<String>,
    Json(body): Json<DestroyRequest>,
) -> Result<(StatusCode, Json<LiveState>), ApiError> {
    let live = call(&state, parts, move || async move {
        app::api::environments::destroy_environment(id.clone(), body.confirm).await?;
        app::api::live::live_run(id).await
    })
    .await?;
    Ok((StatusCode::ACCEPTED, Json(live)))
}

/// Retry a failed apply.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RetryRequest {
    /// The failed run's id.
    pub run: String,
    /// The retry's fingerprint (from `runs/latest`'s retry offer).
    pub fingerprint: String,
}

/// Retries the failed apply from its failed step (the plan left by its journal).
#[utoipa::path(post, path = "/environments/{id}/retry", tag = "runs", request_body = RetryRequest,
    params(("id" = String, Path, description = "environment id")),
    responses((status = 202, body = LiveState, description = "the retry started"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn retry(
    State(state): State<ApiState>,
    parts: Parts,
    Path(id): Path<String>,
    Json(body): Json<RetryRequest>,
) -> Result<(StatusCode, Json<LiveState>), ApiError> {
    let live = call(&state, parts, move || async move {
        app::api::live::retry_apply(id.clone(), body.run, body.fingerprint).await?;
        app::api::live::live_run(id).await
    })
    .await?;
    Ok((StatusCode::ACCEPTED, Json(live)))
}

/// The latest apply, destroy or refresh with its steps (and their AWS errors), and the
/// retry offered after a failed apply.
#[utoipa::path(get, path = "/environments/{id}/runs/latest", tag = "runs",
    params(("id" = String, Path, description = "environment id")),
    responses((status = 200, body = LiveState), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn latest(
    State(state): State<ApiState>,
    parts: Parts,
    Path(id): Path<String>,
) -> Result<Json<LiveState>, ApiError> {
    let live = call(&state, parts, move || app::api::live::live_run(id)).await?;
    Ok(Json(live))
}

/// How many runs.
#[derive(Debug, Deserialize, IntoParams)]
pub struct HistoryQuery {
    /// The newest this many runs (1-100, default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// The environment's runs (plans, applies, refreshes, destroys, imports), newest first,
/// each with its steps.
#[utoipa::path(get, path = "/environments/{id}/runs", tag = "runs",
    params(("id" = String, Path, description = "environment id"), HistoryQuery),
    responses((status = 200, body = Vec<RunHistory>), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn history(
    State(state): State<ApiState>,
    parts: Parts,
    Path(id): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> Result<Json<Vec<RunHistory>>, ApiError> {
    let limit = q.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(super::call::invalid(
            "limit",
            "console.run-limit",
            "limit must be from 1 to 100",
        ));
    }
    let runs = call(&state, parts, move || async move {
        let services = services()?;
        let access = authorize(&services, &id, Operation::View).await?;
        Ok(services.store.run_history(&access.env.id, limit).await?)
    })
    .await?;
    Ok(Json(runs))
}
