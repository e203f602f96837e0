//! `/api/v1/...`: the spec and its revisions (read, save with optimistic concurrency,
//! restore, diff), validation of a spec, and export as code.

use app::api::ssr::{authorize, services};
use app::domain::spec::SpecChange;
use app::domain::{EnvironmentSpec, Operation, Problem, Revision, access};
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::call::{ApiError, ApiState, ErrorBody, call, invalid};
use super::extract::{Json, Path, Query};

/// A revision of an environment's spec.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SpecDocument {
    /// The revision.
    pub revision: u64,
    /// The spec (schema 2; secrets redacted for roles that may not see them).
    #[schema(value_type = Object)]
    pub spec: EnvironmentSpec,
}

/// The environment's current spec.
#[utoipa::path(get, path = "/environments/{id}/spec", tag = "specs",
    params(("id" = String, Path, description = "environment id")),
    responses((status = 200, body = SpecDocument), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_spec(
    State(state): State<ApiState>,
    parts: Parts,
    Path(id): Path<String>,
) -> Result<Json<SpecDocument>, ApiError> {
    let doc = call(&state, parts, move || async move {
        let services = services()?;
        let a = authorize(&services, &id, Operation::ViewConfig).await?;
        let spec = if a.sees_secrets() {
            a.env.spec
        } else {
            access::redact_spec(&a.env.spec)
        };
        Ok(SpecDocument {
            revision: a.env.revision,
            spec,
        })
    })
    .await?;
    Ok(Json(doc))
}

/// An edited spec, saved as the revision after `base_revision`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SaveSpec {
    /// The revision the edit started from; refused (409) if it is no longer the latest.
    #[schema(format = "uint64")]
    pub base_revision: u64,
    /// The whole edited spec (any schema version).
    #[schema(value_type = Object)]
    pub spec: serde_json::Value,
    /// One line of at most 200 characters saying why.
    #[serde(default)]
    pub message: String,
}

/// Saves an edited spec as a new revision (validated by the same rules as the editor).
#[utoipa::path(put, path = "/environments/{id}/spec", tag = "specs", request_body = SaveSpec,
    params(("id" = String, Path, description = "environment id")),
    responses((status = 200, body = SpecDocument, description = "the new revision"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "a newer revision was saved since base_revision"),
        (status = 422, body = ErrorBody)))]
pub async fn put_spec(
    State(state): State<ApiState>,
    parts: Parts,
    Path(id): Path<String>,
    Json(body): Json<SaveSpec>,
) -> Result<Json<SpecDocument>, ApiError> {
    let doc = call(&state, parts, move || async move {
        let json = body.spec.to_string();
        app::api::revisions::save_spec(
            id.clone(),
            body.base_revision.to_string(),
            json,
            body.message,
        )
        .await?;
        let services = services()?;
        let a = authorize(&services, &id, Operation::EditSpec).await?;
        Ok(SpecDocument {
            revision: a.env.revision,
            spec: a.env.spec,
        })
    })
    .await?;
    Ok(Json(doc))
}

/// Which revisions to compare.
#[derive(Debug, Deserialize, IntoParams)]
pub struct DiffQuery {
    /// The older revision.
    #[param(format = "uint64")]
    pub from: Option<u64>,
    /// The newer revision.
    #[param(format = "uint64")]
    pub to: Option<u64>,
}

/// Every revision, and the field-by-field diff between two when asked.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Revisions {
    /// Newest first.
    pub revisions: Vec<Revision>,
    /// With `from` and `to`: what changed.
    pub changes: Option<Vec<SpecChange>>,
}

/// The spec's revisions, and the diff from `from` to `to` if both are given.
#[utoipa::path(get, path = "/environments/{id}/revisions", tag = "specs",
    params(("id" = String, Path, description = "environment id"), DiffQuery),
    responses((status = 200, body = Revisions), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody, description = "no such revision")))]
pub async fn revisions(
    State(state): State<ApiState>,
    parts: Parts,
    Path(id): Path<String>,
    Query(q): Query<DiffQuery>,
) -> Result<Json<Revisions>, ApiError> {
    let history = call(&state, parts, move || {
        app::api::revisions::get_history(id, q.from, q.to)
    })
    .await?;
    Ok(Json(Revisions {
        revisions: history.revisions,
        changes: history.diff.map(|d| d.changes),
    }))
}

/// Restore an old revision.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RestoreRequest {
    /// The latest revision, as the caller saw it.
    #[schema(format = "uint64")]
    pub base_revision: u64,
}

/// Saves revision `number`'s spec as a new revision.
#[utoipa::path(post, path = "/environments/{id}/revisions/{number}/restore", tag = "specs",
    request_body = RestoreRequest,
    params(("id" = String, Path, description = "environment id"), ("number" = u64, Path, format = "uint64", description = "the revision to restore")),
    responses((status = 200, body = SpecDocument, description = "the new revision"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn restore(
    State(state): State<ApiState>,
    parts: Parts,
    Path((id, number)): Path<(String, u64)>,
    Json(body): Json<RestoreRequest>,
) -> Result<Json<SpecDocument>, ApiError> {
    let doc = call(&state, parts, move || async move {
        app::api::revisions::restore_revision(id.clone(), number, body.base_revision.to_string())
            .await?;
        let services = services()?;
        let a = authorize(&services, &id, Operation::EditSpec).await?;
        Ok(SpecDocument {
            revision: a.env.revision,
            spec: a.env.spec,
        })
    })
    .await?;
    Ok(Json(doc))
}

/// A spec to check.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ValidateRequest {
    /// The spec document: JSON (starting with `{`) or YAML, any schema version.
    pub document: String,
}

/// What validation found.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Validation {
    /// Whether the spec can be applied (no problems).
    pub valid: bool,
    /// Each broken AWS rule, with its field path and rule id.
    pub problems: Vec<Problem>,
    /// Allowed but risky settings.
    pub warnings: Vec<Problem>,
}

/// Checks a spec against AWS's rules (the same checks as the editor and apply).
#[utoipa::path(post, path = "/validate", tag = "specs", request_body = ValidateRequest,
    responses((status = 200, body = Validation), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "the document cannot be read as a spec")))]
pub async fn validate(
    parts: Parts,
    Json(body): Json<ValidateRequest>,
) -> Result<Json<Validation>, ApiError> {
    super::call::caller(&parts)?;
    let spec = app::domain::export::parse_spec(&body.document)
        .map_err(|e| invalid("document", "console.spec-document", e))?;
    let problems = app::domain::validate(&spec);
    Ok(Json(Validation {
        valid: problems.is_empty(),
        warnings: app::domain::warnings(&spec),
        problems,
    }))
}

/// Which format.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportQuery {
    /// `pulumi`, `cloudformation`, `json` or `yaml`.
    pub format: String,
}

/// The environment as code: a Pulumi Python program, a CloudFormation template, or the
/// spec as JSON or YAML (which `environments/import` takes back).
#[utoipa::path(get, path = "/environments/{id}/export", tag = "specs",
    params(("id" = String, Path, description = "environment id"), ExportQuery),
    responses((status = 200, content_type = "text/plain", body = String, description = "the file"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "unknown format")))]
pub async fn export(
    State(state): State<ApiState>,
    parts: Parts,
    Path(id): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    use app::domain::export::{Format, export};
    let format = Format::parse(&q.format).ok_or_else(|| {
        invalid(
            "format",
            "console.export-format",
            "Export as pulumi, cloudformation, json or yaml",
        )
    })?;
    let spec = call(&state, parts, move || async move {
        let services = services()?;
        let a = authorize(&services, &id, Operation::ViewConfig).await?;
        Ok(if a.sees_secrets() {
            a.env.spec
        } else {
            access::redact_spec(&a.env.spec)
        })
    })
    .await?;
    let mut response = export(&spec, format).into_response();
    // Every format is text; a client reads the file's kind from Content-Disposition.
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}\"",
        format.file_name(&spec)
    )) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
