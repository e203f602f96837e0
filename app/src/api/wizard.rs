//! The new-environment wizard: start a draft (preset, blank or a shared template), read
//! and save one step at a time (the draft is kept per user, so a reload or another
//! device loses nothing), and create the environment from the last step.

use std::collections::HashMap;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::error::AppError;
use crate::domain::Problem;
use crate::domain::wizard::{PickOption, Picker, Step};

/// A wizard step's page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WizardPage {
    /// The draft's id.
    pub draft: String,
    /// The step shown.
    pub step: Step,
    /// The draft's spec as JSON (the browser's live checks start from it).
    pub spec_json: String,
    /// Each of the step's fields' value, by field path.
    pub values: Vec<(String, String)>,
    /// The problems of the last attempt to leave the step (shown once).
    pub problems: Vec<Problem>,
    /// What the account offers for each picker of the step.
    pub options: Vec<(Picker, Vec<PickOption>)>,
    /// Why the account could not be read for the pickers, if it could not.
    pub discovery_error: Option<String>,
}

/// A draft in the list on the start page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftSummary {
    /// Its id.
    pub id: String,
    /// The environment's name so far.
    pub name: String,
    /// The step reached.
    pub step: String,
    /// Last saved.
    pub updated_at: String,
}

/// What the wizard's start page offers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartPage {
    /// The user's drafts.
    pub drafts: Vec<DraftSummary>,
    /// Environments shared with the user as templates (or their own): id and name.
    pub templates: Vec<(String, String)>,
    /// The region forms start with.
    pub default_region: String,
}

/// The session key of the problems of a failed step (shown once, for forms posted
/// without JavaScript).
#[cfg(feature = "ssr")]
const STEP_PROBLEMS_KEY: &str = "wizard_problems";

/// The start page's data.
#[server(endpoint = "get_wizard_start")]
pub async fn get_wizard_start() -> Result<StartPage, AppError> {
    use super::ssr::{require_user, respond, services};
    respond(async {
        let user = require_user().await?;
        let services = services()?;
        let drafts = services
            .store
            .drafts(&user.id)
            .await?
            .into_iter()
            .map(|d| DraftSummary {
                id: d.id,
                name: d.spec.name,
                step: d.step,
                updated_at: d.updated_at,
            })
            .collect();
        let templates = services
            .store
            .environment_page(&user.id, &crate::engine::now_seconds(), "", 1, 200)
            .await?
            .2
            .into_iter()
            .map(|e| (e.id, e.name))
            .collect();
        Ok(StartPage {
            drafts,
            templates,
            default_region: services.aws.default_region.clone(),
        })
    })
    .await
}

/// Starts a draft named `name` in `region` from `source`: a preset's key, `blank`, or
/// `copy:<environment id>` (an environment the user may copy: their own or one shared
/// as a template), and opens its first step.
#[server(endpoint = "start_wizard")]
pub async fn start_wizard(source: String, name: String, region: String) -> Result<(), AppError> {
    use super::ssr::{authorize, require_user, respond, services};
    use crate::domain::spec::presets::{Preset, PresetRoles};
    use crate::domain::{EnvironmentSpec, Operation, access};
    respond(async {
        let user = require_user().await?;
        let services = services()?;
        let (name, region) = (name.trim().to_owned(), region.trim().to_owned());
        let mut problems = Vec::new();
        if let Err(e) = crate::domain::names::check_environment_name(&name) {
            problems.push(Problem::new(
                "name",
                "console.environment-name",
                crate::domain::names::describe("The name", &e),
            ));
        }
        if !crate::domain::regions::is_known(&region) {
            problems.push(Problem::new(
                "region",
                "aws.region",
                format!("{region} is not an AWS region this console knows"),
            ));
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let network = services
            .cloud
            .default_network(&region)
            .await
            .map_err(|e| AppError::Aws(format!("find the default VPC: {e}")))?
            .unwrap_or_default();
        // Roles are picked in the steps (empty until then: the steps say so).
        let roles = PresetRoles {
            instance_profile: String::new(),
            execution_role: String::new(),
            job_role: String::new(),
        };
        let template = Preset::GpuG5.spec(&name, &region, network.clone(), &roles);
        let service_role = services.aws.default_service_role.clone();
        let spec = match source.as_str() {
            "blank" => EnvironmentSpec::minimal(&name, &region, 16, service_role, network),
            s if s.starts_with("copy:") => {
                let a = authorize(&services, &s[5..], Operation::Copy).await?;
                let mut spec = access::spec_for_copy(&a.env.spec, &name);
                spec.region = region.clone();
                spec
            }
            key => {
                let preset = crate::domain::wizard::preset_of(key).ok_or_else(|| {
                    AppError::invalid(
                        "source",
                        "console.wizard-source",
                        "Start from a preset, a blank spec or an environment to copy",
                    )
                })?;
                let mut spec = preset.spec(&name, &region, network, &roles);
                if spec.compute_environment.service_role.is_none() {
                    spec.compute_environment.service_role = service_role;
                }
                spec
            }
        };
        let id = uuid::Uuid::new_v4().simple().to_string();
        services
            .store
            .save_draft(&crate::engine::DraftRecord {
                id: id.clone(),
                user_id: user.id,
                spec,
                template,
                step: Step::Basics.key().into(),
                updated_at: String::new(),
            })
            .await?;
        leptos_axum::redirect(&format!("/wizard/{id}/basics"));
        Ok(())
    })
    .await
}

/// One step of a draft, with the pickers' options from the account.
#[server(endpoint = "get_wizard")]
pub async fn get_wizard(draft: String, step: String) -> Result<WizardPage, AppError> {
    use super::ssr::{internal, require_user, respond, services, session};
    use crate::domain::wizard::{display, options};
    respond(async {
        let user = require_user().await?;
        let services = services()?;
        let d = services
            .store
            .draft(&user.id, &draft)
            .await?
            .ok_or(AppError::NotFound)?;
        let step = Step::from_key(&step).ok_or(AppError::NotFound)?;
        let json = serde_json::to_value(&d.spec).map_err(internal)?;
        let values = step
            .fields()
            .iter()
            .map(|f| (f.path.to_owned(), display(&json, f)))
            .collect();
        let pickers: Vec<Picker> = {
            let mut p: Vec<Picker> = step.fields().iter().filter_map(|f| f.picker).collect();
            p.dedup();
            p
        };
        let (options, discovery_error) = if pickers.iter().all(|p| *p == Picker::Regions) {
            (
                pickers
                    .iter()
                    .map(|p| (*p, options(&Default::default(), *p, "")))
                    .collect(),
                None,
            )
        } else {
            match services.cloud.discover(&d.spec.region).await {
                Ok(found) => (
                    pickers
                        .iter()
                        .map(|p| (*p, options(&found, *p, &d.spec.network.vpc_id)))
                        .collect(),
                    None,
                ),
                Err(e) => (
                    Vec::new(),
                    Some(format!("discover what exists in {}: {e}", d.spec.region)),
                ),
            }
        };
        let problems = session()
            .await?
            .remove::<(String, Vec<Problem>)>(STEP_PROBLEMS_KEY)
            .await
            .map_err(|e| internal(format!("session: {e}")))?
            .filter(|(key, _)| *key == format!("{draft}/{}", step.key()))
            .map(|(_, p)| p)
            .unwrap_or_default();
        Ok(WizardPage {
            spec_json: serde_json::to_string(&d.spec).map_err(internal)?,
            draft,
            step,
            values,
            problems,
            options,
            discovery_error,
        })
    })
    .await
}

/// Saves what was typed on `step` into the draft (field index -> value in `values`),
/// then goes `back`, stays, or goes on (`next`) if the step has no problem; on the
/// last step `next` creates the environment and opens its review page.
#[server(endpoint = "save_wizard_step")]
pub async fn save_wizard_step(
    draft: String,
    step: String,
    go: String,
    values: Option<HashMap<String, String>>,
) -> Result<(), AppError> {
    use super::ssr::{audit, internal, require_user, respond, services, session};
    use crate::domain::wizard::{apply_step, step_problems};
    respond(async {
        let user = require_user().await?;
        let services = services()?;
        let mut d = services
            .store
            .draft(&user.id, &draft)
            .await?
            .ok_or(AppError::NotFound)?;
        let step = Step::from_key(&step).ok_or(AppError::NotFound)?;
        // Problems of an earlier attempt are stale now.
        session()
            .await?
            .remove::<(String, Vec<Problem>)>(STEP_PROBLEMS_KEY)
            .await
            .map_err(|e| internal(format!("session: {e}")))?;
        let values = values.unwrap_or_default();
        let fields = step.fields();
        let form = |path: &str| {
            let i = fields.iter().position(|f| f.path == path)?;
            values.get(&i.to_string()).cloned()
        };
        let refuse = |problems: Vec<Problem>| async {
            // Shown once on the step's page after a form post without JavaScript.
            session()
                .await?
                .insert(
                    STEP_PROBLEMS_KEY,
                    (format!("{draft}/{}", step.key()), problems.clone()),
                )
                .await
                .map_err(|e| internal(format!("session: {e}")))?;
            Err::<(), _>(AppError::Invalid(problems))
        };
        let before = d.spec.clone();
        let spec = match apply_step(&d.spec, &d.template, step, &form) {
            Ok(spec) => spec,
            Err(problems) => return refuse(problems).await,
        };
        d.spec = spec;
        d.step = step.key().into();
        services.store.save_draft(&d).await?;
        let to = |s: Step| format!("/wizard/{draft}/{}", s.key());
        if go == "back" {
            leptos_axum::redirect(&to(step.previous().unwrap_or(step)));
            return Ok(());
        }
        // A part just added: stay, so that its fields are seen before going on.
        let added = [
            before.capacity.is_none() && d.spec.capacity.is_some(),
            before.job_queue.is_none() && d.spec.job_queue.is_some(),
            before.task_definition.is_none() && d.spec.task_definition.is_some(),
            before.job_definition.is_none() && d.spec.job_definition.is_some(),
        ]
        .contains(&true);
        if go != "next" || added {
            // The same step, read again (the query makes it a new address).
            let saved = &uuid::Uuid::new_v4().simple().to_string()[..8];
            leptos_axum::redirect(&format!("{}?saved={saved}", to(step)));
            return Ok(());
        }
        let problems = step_problems(&d.spec, step);
        if !problems.is_empty() {
            return refuse(problems).await;
        }
        if let Some(next) = step.next() {
            leptos_axum::redirect(&to(next));
            return Ok(());
        }
        // The last step: the whole spec must be valid (an earlier step may name a
        // problem of a later change, e.g. a renamed resource).
        let problems = crate::domain::validate(&d.spec);
        if !problems.is_empty() {
            return refuse(problems).await;
        }
        let id = super::environments::import_spec(&services, &user, &d.spec).await?;
        services.store.delete_draft(&user.id, &draft).await?;
        audit(
            &services,
            &user.username,
            "wizard.finish",
            Some(&id),
            format!("created {} with the wizard", d.spec.name),
        )
        .await?;
        leptos_axum::redirect(&format!("/environments/{id}/review"));
        Ok(())
    })
    .await
}

/// Deletes one of the user's drafts.
#[server(endpoint = "discard_draft")]
pub async fn discard_draft(draft: String) -> Result<(), AppError> {
    use super::ssr::{require_user, respond, services};
    respond(async {
        let user = require_user().await?;
        if !services()?.store.delete_draft(&user.id, &draft).await? {
            return Err(AppError::NotFound);
        }
        leptos_axum::redirect("/wizard");
        Ok(())
    })
    .await
}
