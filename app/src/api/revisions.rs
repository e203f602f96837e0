//! The spec's history: revisions, the diff between two, editing with optimistic
//! concurrency, and restoring an old revision as a new one.

use leptos::prelude::*;

use super::error::AppError;
use super::types::{History, SpecEditor};

/// The history page: every revision, and the diff from `from` to `to` if both are given.
#[server(endpoint = "get_history")]
pub async fn get_history(
    id: String,
    from: Option<u64>,
    to: Option<u64>,
) -> Result<History, AppError> {
    use super::ssr::{authorize, respond, services};
    use super::types::RevisionDiff;
    use crate::domain::{Operation, access, spec::diff_specs};
    respond(async {
        let services = services()?;
        let a = authorize(&services, &id, Operation::View).await?;
        let diff = match (from, to) {
            (Some(from), Some(to)) => {
                let spec = |n: u64| {
                    let store = services.store.clone();
                    let id = id.clone();
                    async move {
                        store.revision_spec(&id, n).await?.ok_or_else(|| {
                            AppError::invalid(
                                "from",
                                "console.revision-exists",
                                format!("There is no revision {n}"),
                            )
                        })
                    }
                };
                let (mut old, mut new) = (spec(from).await?, spec(to).await?);
                if !a.sees_secrets() {
                    (old, new) = (access::redact_spec(&old), access::redact_spec(&new));
                }
                Some(RevisionDiff {
                    from,
                    to,
                    changes: diff_specs(&old, &new),
                })
            }
            _ => None,
        };
        Ok(History {
            revisions: services.store.revisions(&id).await?,
            permissions: a.permissions(),
            name: a.env.spec.name,
            id,
            diff,
        })
    })
    .await
}

/// The spec editor's data: the current revision as pretty JSON.
#[server(endpoint = "get_spec_editor")]
pub async fn get_spec_editor(id: String) -> Result<SpecEditor, AppError> {
    use super::ssr::{authorize, internal, respond, services};
    use crate::domain::Operation;
    respond(async {
        let services = services()?;
        let a = authorize(&services, &id, Operation::EditSpec).await?;
        Ok(SpecEditor {
            spec_json: serde_json::to_string_pretty(&a.env.spec).map_err(internal)?,
            name: a.env.spec.name,
            revision: a.env.revision,
            id,
        })
    })
    .await
}

/// Saves an edited spec as the revision after `base` and opens the review page.
///
/// Refused with every problem (field path and rule) if the JSON does not parse or the
/// spec breaks a rule, and with a conflict naming the newer revision if `base` is not the
/// latest: a save never overwrites a revision its author did not see.
#[server(endpoint = "save_spec")]
pub async fn save_spec(
    id: String,
    base: String,
    spec_json: String,
    message: String,
) -> Result<(), AppError> {
    use super::ssr::{authorize, respond, services};
    use crate::domain::{EnvironmentSpec, Operation};
    respond(async {
        let services = services()?;
        let a = authorize(&services, &id, Operation::EditSpec).await?;
        let base = parse_base(&base)?;
        let edited = EnvironmentSpec::from_json(&spec_json)
            .map_err(|e| AppError::invalid("spec_json", "console.spec-json", e))?;
        let message = revision_message(&message)?;
        save(&services, &a, base, &edited, &message).await?;
        leptos_axum::redirect(&format!("/environments/{id}/review"));
        Ok(())
    })
    .await
}

/// Saves revision `number`'s spec as a new revision after `base`.
#[server(endpoint = "restore_revision")]
pub async fn restore_revision(id: String, number: u64, base: String) -> Result<(), AppError> {
    use super::ssr::{authorize, respond, services};
    use crate::domain::Operation;
    respond(async {
        let services = services()?;
        let a = authorize(&services, &id, Operation::EditSpec).await?;
        let base = parse_base(&base)?;
        let old = services
            .store
            .revision_spec(&id, number)
            .await?
            .ok_or(AppError::NotFound)?;
        save(
            &services,
            &a,
            base,
            &old,
            &format!("restored revision {number}"),
        )
        .await?;
        leptos_axum::redirect(&format!("/environments/{id}/history"));
        Ok(())
    })
    .await
}

#[cfg(feature = "ssr")]
fn parse_base(base: &str) -> Result<u64, AppError> {
    base.trim().parse().map_err(|_| {
        AppError::invalid(
            "base",
            "console.revision-number",
            "The revision being edited is missing; reload the page",
        )
    })
}

/// The message of a revision: optional, at most 200 characters, one line.
#[cfg(feature = "ssr")]
fn revision_message(message: &str) -> Result<String, AppError> {
    let message = message.trim();
    if message.chars().count() > 200 || message.contains(['\n', '\r']) {
        return Err(AppError::invalid(
            "message",
            "console.revision-message",
            "The message must be one line of at most 200 characters",
        ));
    }
    Ok(if message.is_empty() {
        "edited".into()
    } else {
        message.into()
    })
}

/// Validates an edit against the current spec and stores it, audited.
#[cfg(feature = "ssr")]
async fn save(
    services: &super::ssr::Services,
    a: &super::ssr::Access,
    base: u64,
    edited: &crate::domain::EnvironmentSpec,
    message: &str,
) -> Result<u64, AppError> {
    let problems = crate::domain::validate_edit(&a.env.spec, edited);
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let number = services
        .store
        .save_revision(&a.env.id, base, edited, &a.user.username, message)
        .await?;
    super::ssr::audit(
        services,
        &a.user.username,
        "environment.edit",
        Some(&a.env.id),
        format!("saved revision {number}: {message}"),
    )
    .await?;
    Ok(number)
}
