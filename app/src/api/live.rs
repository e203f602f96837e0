//! Live apply: the environment's latest run with its steps (also pushed as Server-Sent
//! Events by the server's `/environments/{id}/runs/events`), and the retry of a failed
//! apply from where its journal stands.

use leptos::prelude::*;

use super::error::AppError;
use crate::domain::run::live::LiveState;

/// The environment's latest apply, destroy or refresh with its steps, and after a failed
/// apply the retry the page offers.
#[server(endpoint = "live_run")]
pub async fn live_run(id: String) -> Result<LiveState, AppError> {
    use super::ssr::{authorize, respond, services};
    use crate::domain::Operation;
    respond(async {
        let services = services()?;
        let access = authorize(&services, &id, Operation::View).await?;
        ssr::live_state(&services, &access).await
    })
    .await
}

/// Retries the failed apply `run`: applies the plan made now from the journal the run
/// left (the failed step and those it never reached), whose `fingerprint` the page
/// showed. Refused (409) if another run came since, if the spec was saved since the run
/// started or the plan would redo a finished step (then the review page shows the new
/// plan to confirm), or if the plan changed since it was shown. Audited like apply.
#[server(endpoint = "retry_apply")]
pub async fn retry_apply(id: String, run: String, fingerprint: String) -> Result<(), AppError> {
    use super::ssr::{audit, authorize, respond, services};
    use crate::domain::{Operation, RunKind, validate};
    respond(async {
        let services = services()?;
        let access = authorize(&services, &id, Operation::Apply).await?;
        let problems = validate(&access.env.spec);
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let state = ssr::live_state(&services, &access).await?;
        if state.run.as_ref().is_none_or(|r| r.run.id != run) {
            return Err(AppError::Conflict(
                "Another run started since this page was shown; reload it".into(),
            ));
        }
        let offer = state.retry.ok_or_else(|| {
            AppError::Conflict(
                "Only a failed apply with steps left can be retried; review the plan instead"
                    .into(),
            )
        })?;
        if let Some(why) = offer.blocked {
            return Err(AppError::Conflict(why));
        }
        if offer.fingerprint != fingerprint {
            return Err(AppError::Conflict(
                "The environment changed since this retry was shown; review it again".into(),
            ));
        }
        audit(
            &services,
            &access.user.username,
            "environment.retry",
            Some(&id),
            format!(
                "retried failed apply {run} at {}: applied plan {fingerprint}",
                offer.failed_step.as_deref().unwrap_or("its first step")
            ),
        )
        .await?;
        let username = access.user.username.clone();
        super::environments::spawn_run(&services, access.env, RunKind::Apply, &username).await?;
        leptos_axum::redirect(&format!("/environments/{id}"));
        Ok(())
    })
    .await
}

/// The live state as the store has it now (shared by the server function and the
/// server's event stream).
#[cfg(feature = "ssr")]
pub mod ssr {
    use super::AppError;
    use crate::api::ssr::{Access, Services};
    use crate::domain::run::live::{self, LiveRun, LiveState};
    use crate::domain::{RunHistory, RunKind, RunState};

    /// The latest run and its steps; after a failed apply, its retry (the plan made now
    /// from the journal, with the fingerprint for those who may apply).
    pub async fn live_state(services: &Services, access: &Access) -> Result<LiveState, AppError> {
        let env = &access.env;
        let store = &services.store;
        let Some(run) = store.latest_run(&env.id).await? else {
            return Ok(LiveState::default());
        };
        let steps = store.run_steps(&run.id).await?;
        let read_at = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let retry = if run.kind == RunKind::Apply && run.state == RunState::Failed {
            let started = live::seconds(&run.started_at);
            let saved_since = store
                .revisions(&env.id)
                .await?
                .into_iter()
                .find(|r| live::seconds(&r.created_at) > started)
                .map(|r| r.number);
            let journal = store.journal(&env.id).await?;
            let plan = crate::domain::plan(&env.spec, &journal, &[]);
            let history = RunHistory {
                run: run.clone(),
                steps: steps.clone(),
            };
            live::retry_offer(&history, saved_since, &plan, access.permissions().apply)
        } else {
            None
        };
        Ok(LiveState {
            run: Some(LiveRun {
                run,
                steps,
                read_at,
            }),
            retry,
        })
    }
}
