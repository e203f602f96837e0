//! Personal API tokens: the signed-in user creates (shown once), lists and revokes them;
//! the REST API (`/api/v1`) accepts them as bearer tokens.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::error::AppError;
use crate::domain::LinkStatus;
use crate::domain::tokens::ApiToken;

/// The session key of a token created just before, shown once on the tokens page.
#[cfg(feature = "ssr")]
const CREATED_TOKEN_KEY: &str = "created_token";

/// The tokens page: the user's tokens with their status and, once, the one just created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokensPage {
    /// Newest first.
    pub tokens: Vec<(ApiToken, LinkStatus)>,
    /// The token created just before, in full (shown this once).
    pub created: Option<CreatedToken>,
}

/// A token just created: the only time the token itself is ever shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The token.
    pub token: String,
    /// When it expires, if ever.
    pub expires_at: Option<String>,
}

/// The signed-in user's tokens.
#[server(endpoint = "get_api_tokens")]
pub async fn get_api_tokens() -> Result<TokensPage, AppError> {
    use super::ssr::{internal, require_user, respond, services, session};
    respond(async {
        let user = require_user().await?;
        let services = services()?;
        let now = crate::engine::now_seconds();
        let tokens = services
            .store
            .api_tokens(&user.id)
            .await?
            .into_iter()
            .map(|t| {
                let status = t.status(&now);
                (t, status)
            })
            .collect();
        // Shown once: taken out of the session as it is shown.
        let created = session()
            .await?
            .remove::<CreatedToken>(CREATED_TOKEN_KEY)
            .await
            .map_err(|e| internal(format!("session: {e}")))?;
        Ok(TokensPage { tokens, created })
    })
    .await
}

/// Creates a token named `name`, expiring after `expires_in_days` (empty: never). The
/// token (256 random bits) is returned and shown once; the store keeps its SHA-256.
#[server(endpoint = "create_api_token")]
pub async fn create_api_token(
    name: String,
    expires_in_days: String,
) -> Result<CreatedToken, AppError> {
    use super::ssr::{internal, require_user, respond, services, session};
    respond(async {
        let user = require_user().await?;
        let services = services()?;
        let created = new_api_token(&services, &user, &name, &expires_in_days).await?;
        // For the page after a form post without JavaScript.
        session()
            .await?
            .insert(CREATED_TOKEN_KEY, created.clone())
            .await
            .map_err(|e| internal(format!("session: {e}")))?;
        Ok(created)
    })
    .await
}

/// Revokes one of the signed-in user's tokens: requests bearing it are refused at once.
#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(token_id: String) -> Result<(), AppError> {
    use super::ssr::{require_user, respond, services};
    respond(async {
        let user = require_user().await?;
        let services = services()?;
        revoke(&services, &user, &token_id).await
    })
    .await
}

/// Checks the form, stores the new token's hash and audits it.
#[cfg(feature = "ssr")]
pub async fn new_api_token(
    services: &super::ssr::Services,
    user: &super::ssr::CurrentUser,
    name: &str,
    expires_in_days: &str,
) -> Result<CreatedToken, AppError> {
    use crate::domain::tokens::{SHOWN_CHARACTERS, TOKEN_PREFIX, check_new_token};
    let form = check_new_token(name, expires_in_days).map_err(AppError::Invalid)?;
    let token = format!("{TOKEN_PREFIX}{}", super::sharing::new_token());
    let expires_at = form
        .expires_in_days
        .map(|d| crate::engine::seconds_from_now(i64::from(d) * 86_400));
    let id = services
        .store
        .create_api_token(&crate::engine::NewApiToken {
            user_id: &user.id,
            name: &form.name,
            token_hash: &super::sharing::hash_token(&token),
            shown: &token[..SHOWN_CHARACTERS],
            expires_at: expires_at.as_deref(),
        })
        .await?;
    super::ssr::audit(
        services,
        &user.username,
        "token.create",
        None,
        format!("created API token {id} ({})", form.name),
    )
    .await?;
    Ok(CreatedToken {
        id,
        name: form.name,
        token,
        expires_at,
    })
}

/// Revokes `token_id` of `user` and audits it; [`AppError::NotFound`] if they have no
/// such live token.
#[cfg(feature = "ssr")]
pub async fn revoke(
    services: &super::ssr::Services,
    user: &super::ssr::CurrentUser,
    token_id: &str,
) -> Result<(), AppError> {
    if !services.store.revoke_api_token(&user.id, token_id).await? {
        return Err(AppError::NotFound);
    }
    super::ssr::audit(
        services,
        &user.username,
        "token.revoke",
        None,
        format!("revoked API token {token_id}"),
    )
    .await
}

/// The user a bearer token authenticates, if it is live; `None` for any other token.
#[cfg(feature = "ssr")]
pub async fn authenticate(
    services: &super::ssr::Services,
    token: &str,
) -> Result<Option<super::ssr::ApiCaller>, AppError> {
    let hash = super::sharing::hash_token(token);
    let found = services
        .store
        .use_api_token(&hash, &crate::engine::now_seconds())
        .await?;
    Ok(found.map(|(token, user)| super::ssr::ApiCaller {
        user: super::ssr::CurrentUser {
            id: user.id,
            username: user.username,
        },
        token_id: token.id,
    }))
}
