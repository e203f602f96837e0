//! `/api/v1`: the caller (`me`), their API tokens, and an environment's share links.

use app::api::ssr::{authorize, services};
use app::api::tokens::CreatedToken;
use app::domain::tokens::ApiToken;
use app::domain::{LinkStatus, Operation, ShareLink};
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::call::{ApiError, ApiState, ErrorBody, call, caller};
use super::extract::{Json, Path};

/// Who the token acts as.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Me {
    /// The token owner's username.
    pub username: String,
    /// The token's id.
    pub token_id: String,
}

/// The token's owner (what `console login` checks).
#[utoipa::path(get, path = "/me", tag = "tokens",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(parts: Parts) -> Result<Json<Me>, ApiError> {
    let c = caller(&parts)?;
    Ok(Json(Me {
        username: c.user.username,
        token_id: c.token_id,
    }))
}

/// A token with its status.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenItem {
    /// The token (never the token itself: its first characters).
    pub token: ApiToken,
    /// live, expired or revoked.
    pub status: LinkStatus,
}

/// The caller's tokens, newest first.
#[utoipa::path(get, path = "/tokens", tag = "tokens",
    responses((status = 200, body = Vec<TokenItem>), (status = 401, body = ErrorBody)))]
pub async fn tokens(
    State(state): State<ApiState>,
    parts: Parts,
) -> Result<Json<Vec<TokenItem>>, ApiError> {
    let user = caller(&parts)?.user;
    let now = app::engine::now_seconds();
    let tokens = state
        .services
        .store
        .api_tokens(&user.id)
        .await
        .map_err(|e| ApiError(e.into()))?;
    Ok(Json(
        tokens
            .into_iter()
            .map(|t| TokenItem {
                status: t.status(&now),
                token: t,
            })
            .collect(),
    ))
}

/// A new token.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewToken {
    /// 1-64 characters.
    pub name: String,
    /// Days until it expires (1-365; none: never).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 365)]
    pub expires_in_days: Option<u32>,
}

/// Creates a token for the caller; the answer is the only time the token is shown.
#[utoipa::path(post, path = "/tokens", tag = "tokens", request_body = NewToken,
    responses((status = 201, body = CreatedTokenView), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<ApiState>,
    parts: Parts,
    Json(body): Json<NewToken>,
) -> Result<(StatusCode, Json<CreatedTokenView>), ApiError> {
    let user = caller(&parts)?.user;
    let days = body
        .expires_in_days
        .map(|d| d.to_string())
        .unwrap_or_default();
    let created = call(&state, parts, move || async move {
        let services = services()?;
        app::api::tokens::new_api_token(&services, &user, &body.name, &days).await
    })
    .await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// A token just created.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedTokenView {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The token: shown this once.
    pub token: String,
    /// When it expires, if ever.
    pub expires_at: Option<String>,
}

impl From<CreatedToken> for CreatedTokenView {
    fn from(c: CreatedToken) -> Self {
        CreatedTokenView {
            id: c.id,
            name: c.name,
            token: c.token,
            expires_at: c.expires_at,
        }
    }
}

/// Revokes one of the caller's tokens (it may be the one making this request).
#[utoipa::path(delete, path = "/tokens/{token_id}", tag = "tokens",
    params(("token_id" = String, Path, description = "token id")),
    responses((status = 204, description = "revoked"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "no such live token of the caller")))]
pub async fn revoke_token(
    State(state): State<ApiState>,
    parts: Parts,
    Path(token_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let user = caller(&parts)?.user;
    call(&state, parts, move || async move {
        let services = services()?;
        app::api::tokens::revoke(&services, &user, &token_id).await
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A share link with its status.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LinkItem {
    /// The link (its token is never stored).
    pub link: ShareLink,
    /// live, expired or revoked.
    pub status: LinkStatus,
}

/// The environment's share links (owner only).
#[utoipa::path(get, path = "/environments/{id}/links", tag = "sharing",
    params(("id" = String, Path, description = "environment id")),
    responses((status = 200, body = Vec<LinkItem>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn links(
    State(state): State<ApiState>,
    parts: Parts,
    Path(id): Path<String>,
) -> Result<Json<Vec<LinkItem>>, ApiError> {
    let links = call(&state, parts, move || async move {
        let services = services()?;
        let a = authorize(&services, &id, Operation::Share).await?;
        Ok(services.store.share_links(&a.env.id).await?)
    })
    .await?;
    let now = app::engine::now_seconds();
    Ok(Json(
        links
            .into_iter()
            .map(|l| LinkItem {
                status: l.status(&now),
                link: l,
            })
            .collect(),
    ))
}

/// A new share link.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewLink {
    /// `viewer`, `editor` or `template`.
    pub role: String,
    /// Days until it expires (1-365; none: never).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 365)]
    pub expires_in_days: Option<u32>,
}

/// A link just created.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedLink {
    /// Its id (for revoking).
    pub id: String,
    /// The link's path on this console (`/share/<token>`): shown this once.
    pub path: String,
}

/// Creates a share link granting `role`; its path is shown only in this answer.
#[utoipa::path(post, path = "/environments/{id}/links", tag = "sharing", request_body = NewLink,
    params(("id" = String, Path, description = "environment id")),
    responses((status = 201, body = CreatedLink), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_link(
    State(state): State<ApiState>,
    parts: Parts,
    Path(id): Path<String>,
    Json(body): Json<NewLink>,
) -> Result<(StatusCode, Json<CreatedLink>), ApiError> {
    let days = body
        .expires_in_days
        .map(|d| d.to_string())
        .unwrap_or_default();
    let (link_id, token) = call(&state, parts, move || async move {
        let services = services()?;
        let a = authorize(&services, &id, Operation::Share).await?;
        app::api::sharing::new_share_link(&services, &a, &body.role, &days).await
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedLink {
            id: link_id,
            path: format!("/share/{token}"),
        }),
    ))
}

/// Revokes a share link: whoever gained access through it loses it at once.
#[utoipa::path(delete, path = "/environments/{id}/links/{link_id}", tag = "sharing",
    params(("id" = String, Path, description = "environment id"), ("link_id" = String, Path, description = "link id")),
    responses((status = 204, description = "revoked"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_link(
    State(state): State<ApiState>,
    parts: Parts,
    Path((id, link_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    call(&state, parts, move || {
        app::api::sharing::revoke_share_link(id, link_id)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
