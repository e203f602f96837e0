//! Share links: the owner creates (token shown once), lists and revokes them; a signed-in
//! user opens one to gain its role; a viewer or template holder copies the config.

use leptos::prelude::*;

use super::error::AppError;
use super::types::{LinkLanding, Sharing};

/// The session key of a link created just before, shown once on the share page.
#[cfg(feature = "ssr")]
const CREATED_LINK_KEY: &str = "created_link";

/// The share page: every link of the environment and, once, the one just created.
#[server(endpoint = "get_sharing")]
pub async fn get_sharing(id: String) -> Result<Sharing, AppError> {
    use super::ssr::{authorize, internal, respond, services, session};
    use crate::domain::Operation;
    respond(async {
        let services = services()?;
        let access = authorize(&services, &id, Operation::Share).await?;
        let now = crate::engine::now_seconds();
        let links = services
            .store
            .share_links(&id)
            .await?
            .into_iter()
            .map(|l| {
                let status = l.status(&now);
                (l, status)
            })
            .collect();
        // Shown once: taken out of the session as it is shown.
        let created = session()
            .await?
            .remove::<(String, String)>(CREATED_LINK_KEY)
            .await
            .map_err(|e| internal(format!("session: {e}")))?
            .filter(|(env, _)| *env == id)
            .map(|(_, path)| path);
        Ok(Sharing {
            id,
            name: access.env.spec.name,
            links,
            created,
        })
    })
    .await
}

/// Creates a share link granting `role` (viewer, editor or template), expiring after
/// `expires_in_days` (empty: never). The token is random (256 bits), stored only as its
/// SHA-256, and shown once on the share page.
#[server(endpoint = "create_share_link")]
pub async fn create_share_link(
    id: String,
    role: String,
    expires_in_days: String,
) -> Result<(), AppError> {
    use super::ssr::{authorize, internal, respond, services, session};
    use crate::domain::Operation;
    respond(async {
        let services = services()?;
        let access = authorize(&services, &id, Operation::Share).await?;
        let (_, token) = new_share_link(&services, &access, &role, &expires_in_days).await?;
        session()
            .await?
            .insert(CREATED_LINK_KEY, (id.clone(), format!("/share/{token}")))
            .await
            .map_err(|e| internal(format!("session: {e}")))?;
        leptos_axum::redirect(&format!("/environments/{id}/share"));
        Ok(())
    })
    .await
}

/// Checks the role and expiry, stores the link's hash and audits it; returns the link's
/// id and its token (the only time the token exists outside the link).
#[cfg(feature = "ssr")]
pub async fn new_share_link(
    services: &super::ssr::Services,
    access: &super::ssr::Access,
    role: &str,
    expires_in_days: &str,
) -> Result<(String, String), AppError> {
    use crate::domain::Role;
    use crate::domain::access::parse_link_days;
    use crate::engine::NewShareLink;
    let id = &access.env.id;
    let role = Role::from_key(role)
        .filter(|r| Role::SHAREABLE.contains(r))
        .ok_or_else(|| {
            AppError::invalid(
                "role",
                "console.link-role",
                "The role must be viewer, editor or template",
            )
        })?;
    let days = parse_link_days(expires_in_days).map_err(|p| AppError::Invalid(vec![p]))?;
    let expires_at = days.map(|d| crate::engine::seconds_from_now(i64::from(d) * 86_400));
    let token = new_token();
    let link_id = services
        .store
        .create_share_link(&NewShareLink {
            environment_id: id,
            role,
            token_hash: &hash_token(&token),
            created_by: &access.user.username,
            expires_at: expires_at.as_deref(),
        })
        .await?;
    super::ssr::audit(
        services,
        &access.user.username,
        "environment.share",
        Some(id),
        format!(
            "created a {} link{}",
            role.label(),
            expires_at
                .map(|e| format!(" expiring {e}"))
                .unwrap_or_default()
        ),
    )
    .await?;
    Ok((link_id, token))
}

/// Revokes a link: whoever gained access through it loses it at once.
#[server(endpoint = "revoke_share_link")]
pub async fn revoke_share_link(id: String, link_id: String) -> Result<(), AppError> {
    use super::ssr::{audit, authorize, respond, services};
    use crate::domain::Operation;
    respond(async {
        let services = services()?;
        let access = authorize(&services, &id, Operation::Share).await?;
        if !services.store.revoke_share_link(&id, &link_id).await? {
            return Err(AppError::NotFound);
        }
        audit(
            &services,
            &access.user.username,
            "environment.unshare",
            Some(&id),
            format!("revoked link {link_id}"),
        )
        .await?;
        leptos_axum::redirect(&format!("/environments/{id}/share"));
        Ok(())
    })
    .await
}

/// What a link opens, for its page (signed-in users only; nothing is granted yet).
#[server(endpoint = "open_share_link")]
pub async fn open_share_link(token: String) -> Result<LinkLanding, AppError> {
    use super::ssr::{require_user, respond, services};
    use crate::domain::{LinkStatus, access};
    respond(async {
        require_user().await?;
        let services = services()?;
        let (link, env) = find_link(&services, &token).await?;
        let status = link.status(&crate::engine::now_seconds());
        Ok(LinkLanding {
            environment_id: env.id,
            environment_name: env.spec.name.clone(),
            created_by: link.created_by,
            role: link.role,
            status,
            spec: (status == LinkStatus::Live).then(|| access::redact_spec(&env.spec)),
        })
    })
    .await
}

/// Accepts a live link: the signed-in user gains its role and opens the environment (or,
/// for a template link, the copy page).
#[server(endpoint = "accept_share_link")]
pub async fn accept_share_link(token: String) -> Result<(), AppError> {
    use super::ssr::{audit, require_user, respond, services};
    use crate::domain::{LinkStatus, Role};
    respond(async {
        let user = require_user().await?;
        let services = services()?;
        let (link, env) = find_link(&services, &token).await?;
        match link.status(&crate::engine::now_seconds()) {
            LinkStatus::Live => {}
            LinkStatus::Expired => {
                return Err(AppError::Forbidden("This link has expired".into()));
            }
            LinkStatus::Revoked => {
                return Err(AppError::Forbidden("This link was revoked".into()));
            }
        }
        if env.owner_id != user.id {
            services.store.grant(&link, &user.id).await?;
            audit(
                &services,
                &user.username,
                "environment.link_opened",
                Some(&env.id),
                format!("opened a {} link of {}", link.role.label(), link.created_by),
            )
            .await?;
        }
        leptos_axum::redirect(&if link.role == Role::Template {
            format!("/environments/{}/copy", env.id)
        } else {
            format!("/environments/{}", env.id)
        });
        Ok(())
    })
    .await
}

/// The config a copy starts from (secrets left out), for the copy page.
#[server(endpoint = "get_copy_source")]
pub async fn get_copy_source(id: String) -> Result<LinkLanding, AppError> {
    use super::ssr::{authorize, respond, services};
    use crate::domain::{LinkStatus, Operation, access};
    respond(async {
        let services = services()?;
        let a = authorize(&services, &id, Operation::Copy).await?;
        Ok(LinkLanding {
            environment_id: a.env.id.clone(),
            environment_name: a.env.spec.name.clone(),
            created_by: String::new(),
            role: a.role,
            status: LinkStatus::Live,
            spec: Some(access::redact_spec(&a.env.spec)),
        })
    })
    .await
}

/// Copies an environment's config into a new environment of the signed-in user, named
/// `name` (resources renamed, secrets left out), and opens its review page.
#[server(endpoint = "copy_environment")]
pub async fn copy_environment(id: String, name: String) -> Result<(), AppError> {
    use super::ssr::{audit, authorize, respond, services};
    use crate::domain::names::{check_environment_name, describe};
    use crate::domain::{Operation, access, validate};
    respond(async {
        let services = services()?;
        let a = authorize(&services, &id, Operation::Copy).await?;
        let name = name.trim();
        check_environment_name(name).map_err(|e| {
            AppError::invalid("name", "console.environment-name", describe("The name", &e))
        })?;
        let spec = access::spec_for_copy(&a.env.spec, name);
        let problems = validate(&spec);
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        super::environments::ensure_name_free(&services, &spec, &a.user.username).await?;
        let new_id = super::environments::insert(&services, &a.user, &spec).await?;
        audit(
            &services,
            &a.user.username,
            "environment.create",
            Some(&new_id),
            format!("copied from {} in {}", a.env.spec.name, spec.region),
        )
        .await?;
        leptos_axum::redirect(&format!("/environments/{new_id}/review"));
        Ok(())
    })
    .await
}

/// The link and its environment; [`AppError::NotFound`] for a token that matches none.
#[cfg(feature = "ssr")]
async fn find_link(
    services: &super::ssr::Services,
    token: &str,
) -> Result<(crate::domain::ShareLink, crate::engine::EnvironmentRecord), AppError> {
    let Some(link) = services
        .store
        .share_link_by_hash(&hash_token(token.trim()))
        .await?
    else {
        return Err(AppError::NotFound);
    };
    let env = services
        .store
        .get_environment(&link.environment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((link, env))
}

/// A new link token: 32 bytes from a CSPRNG (rand's thread generator, seeded by the
/// operating system), hex.
#[cfg(feature = "ssr")]
pub(crate) fn new_token() -> String {
    use rand::RngCore;
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// SHA-256 of a token, hex: what the store keeps.
#[cfg(feature = "ssr")]
pub(crate) fn hash_token(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    #[test]
    fn tokens_are_long_random_and_stored_hashed() {
        let (a, b) = (super::new_token(), super::new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        let hash = super::hash_token(&a);
        assert_eq!(hash.len(), 64);
        assert_ne!(hash, a);
        assert_eq!(hash, super::hash_token(&a));
    }
}
