//! `/api/v1/environments`: list, create (from the new-environment fields or a whole spec),
//! show.

use app::api::ssr::services;
use app::domain::plan::Drift;
use app::domain::{EnvironmentSpec, ResourceView, Role, RunRecord};
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::call::{ApiError, ApiState, ErrorBody, call, caller};
use super::extract::{Json, Path, Query};

/// Which page of environments.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// Page number, from 1 (50 per page; 0 is the first, past the end the last).
    #[param(format = "uint32", maximum = 4294967295usize)]
    pub page: Option<u32>,
    /// Only names containing this text (any case).
    pub search: Option<String>,
}

/// One environment in a list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EnvironmentItem {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its AWS region.
    pub region: String,
    /// The caller's role on it.
    pub role: Role,
    /// How many of its resources exist.
    pub resources: u32,
    /// Its latest run, if any.
    pub run: Option<RunRecord>,
}

/// A page of the caller's environments (their own and those shared with them).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EnvironmentList {
    /// This page's environments.
    pub items: Vec<EnvironmentItem>,
    /// How many match in all.
    pub total: u32,
    /// This page (from 1).
    pub page: u32,
    /// How many pages.
    pub pages: u32,
}

/// The caller's environments, 50 per page, newest first.
#[utoipa::path(get, path = "/environments", tag = "environments", params(ListQuery),
    responses((status = 200, body = EnvironmentList), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<ApiState>,
    parts: Parts,
    Query(q): Query<ListQuery>,
) -> Result<Json<EnvironmentList>, ApiError> {
    let page = q.page.map(|p| p as usize);
    let list = call(&state, parts, move || {
        app::api::environments::list_environments(page, q.search)
    })
    .await?;
    Ok(Json(EnvironmentList {
        items: list
            .items
            .into_iter()
            .map(|e| EnvironmentItem {
                id: e.id,
                name: e.name,
                region: e.region,
                role: e.role,
                resources: count(e.resources),
                run: e.run,
            })
            .collect(),
        total: count(list.total),
        page: count(list.page),
        pages: count(list.pages),
    }))
}

/// A count as the API gives it.
pub fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A new environment in the region's default VPC, from the new-environment form's fields.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewEnvironment {
    /// Its name (also the prefix of its AWS resources' names).
    pub name: String,
    /// The AWS region.
    pub region: String,
    /// The compute environment's maximum vCPUs.
    #[schema(minimum = 1, maximum = 10000)]
    pub max_vcpus: u32,
    /// The Batch service role's ARN (none: the console's default, as the page's form
    /// offers it - in the sandbox its emulator role; against AWS the service-linked role).
    #[serde(default)]
    pub service_role: Option<String>,
}

/// A created environment.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Created {
    /// Its id.
    pub id: String,
}

/// Creates an environment from the new-environment fields (checked by the same rules).
#[utoipa::path(post, path = "/environments", tag = "environments", request_body = NewEnvironment,
    responses((status = 201, body = Created), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "a field breaks a rule; each problem names it")))]
pub async fn create(
    State(state): State<ApiState>,
    parts: Parts,
    Json(body): Json<NewEnvironment>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let user = caller(&parts)?.user;
    let id = call(&state, parts, move || async move {
        let services = services()?;
        let form = app::domain::NewEnvironment {
            name: body.name,
            region: body.region,
            max_vcpus: body.max_vcpus.to_string(),
            // As the page's form: the console's default role (the sandbox's) unless given.
            service_role: body
                .service_role
                .or_else(|| services.aws.default_service_role.clone())
                .unwrap_or_default(),
        };
        app::api::environments::create(&services, &user, form).await
    })
    .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// A whole spec, as exported (JSON or YAML text).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ImportSpec {
    /// The spec document: JSON (starting with `{`) or YAML, any schema version.
    pub document: String,
}

/// Creates an environment from a whole spec (as exported); it must pass validation.
#[utoipa::path(post, path = "/environments/import", tag = "environments", request_body = ImportSpec,
    responses((status = 201, body = Created), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "the document cannot be read or breaks rules")))]
pub async fn import(
    State(state): State<ApiState>,
    parts: Parts,
    Json(body): Json<ImportSpec>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let user = caller(&parts)?.user;
    let spec = app::domain::export::parse_spec(&body.document)
        .map_err(|e| super::call::invalid("document", "console.spec-document", e))?;
    let id = call(&state, parts, move || async move {
        let services = services()?;
        app::api::environments::import_spec(&services, &user, &spec).await
    })
    .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// An environment: its spec, its resources as AWS reports them, drift and latest run.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Environment {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its AWS region.
    pub region: String,
    /// Its spec's revision.
    pub revision: u64,
    /// The caller's role on it.
    pub role: Role,
    /// The spec (schema 2; secrets redacted for roles that may not see them).
    #[schema(value_type = Object)]
    pub spec: EnvironmentSpec,
    /// Each resource: what the console recorded and what AWS reports.
    pub resources: Vec<ResourceView>,
    /// Settings changed outside the console.
    pub drift: Vec<Drift>,
    /// Why AWS could not be read, if it could not.
    pub aws_error: Option<String>,
    /// The latest run.
    pub run: Option<RunRecord>,
}

/// One environment, read from AWS now.
#[utoipa::path(get, path = "/environments/{id}", tag = "environments",
    params(("id" = String, Path, description = "environment id")),
    responses((status = 200, body = Environment), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "no such environment, or not shared with the caller")))]
pub async fn show(
    State(state): State<ApiState>,
    parts: Parts,
    Path(id): Path<String>,
) -> Result<Json<Environment>, ApiError> {
    // Redacted by the service for roles that may not see secrets.
    let page = call(&state, parts, move || {
        app::api::environments::get_environment(id)
    })
    .await?;
    let (spec, role) = (page.spec, page.permissions.role);
    Ok(Json(Environment {
        id: page.id,
        name: spec.name.clone(),
        region: spec.region.clone(),
        revision: page.revision,
        role,
        spec,
        resources: page.resources,
        drift: page.drift,
        aws_error: page.aws_error,
        run: page.run,
    }))
}
