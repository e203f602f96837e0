//! Environments: list, create, show, review, apply and destroy.

use leptos::prelude::*;

use super::error::AppError;
use super::types::{EnvironmentList, EnvironmentPage, Review};

/// One page (`page`, from 1) of the signed-in user's environments, those whose name
/// contains `search` (any case) when it is given.
#[server(endpoint = "list_environments")]
pub async fn list_environments(
    page: Option<usize>,
    search: Option<String>,
) -> Result<EnvironmentList, AppError> {
    use super::ssr::{require_user, respond, services};
    use super::types::{ENVIRONMENTS_PER_PAGE, EnvironmentSummary};
    respond(async {
        let user = require_user().await?;
        let services = services()?;
        let search = search.unwrap_or_default().trim().to_owned();
        // One page of the index (no specs), then that page's resource counts and runs.
        let (total, page, shown) = services
            .store
            .environment_page(
                &user.id,
                &crate::engine::now_seconds(),
                &search,
                page.unwrap_or(1),
                ENVIRONMENTS_PER_PAGE,
            )
            .await?;
        let pages = total.div_ceil(ENVIRONMENTS_PER_PAGE).max(1);
        let ids: Vec<String> = shown.iter().map(|e| e.id.clone()).collect();
        let mut overviews = services.store.overviews(&ids).await?;
        let items = shown
            .into_iter()
            .map(|e| {
                let overview = overviews.remove(&e.id).unwrap_or_default();
                EnvironmentSummary {
                    role: e.role,
                    resources: overview.resources,
                    run: overview.run,
                    id: e.id,
                    name: e.name,
                    region: e.region,
                }
            })
            .collect();
        Ok(EnvironmentList {
            items,
            total,
            page,
            pages,
            search,
        })
    })
    .await
}

/// Creates an environment from the "new environment" form and opens its review page.
///
/// The form is validated again here (the server never trusts the browser); the name must
/// be free both in the console and in AWS (region and account).
#[server(endpoint = "create_environment")]
pub async fn create_environment(
    name: String,
    region: String,
    max_vcpus: String,
    service_role: String,
) -> Result<(), AppError> {
    use super::ssr::{require_user, respond, services};
    respond(async {
        let user = require_user().await?;
        let services = services()?;
        let form = crate::domain::NewEnvironment {
            name,
            region,
            max_vcpus,
            service_role,
        };
        let id = create(&services, &user, form).await?;
        leptos_axum::redirect(&format!("/environments/{id}/review"));
        Ok(())
    })
    .await
}

/// Creates an environment from a spec exported as JSON or YAML (pasted on the import
/// page) and opens its review page. The whole spec is validated; its names must be free.
#[server(endpoint = "import_environment")]
pub async fn import_environment(document: String) -> Result<(), AppError> {
    use super::ssr::{require_user, respond, services};
    respond(async {
        let user = require_user().await?;
        let services = services()?;
        let spec = crate::domain::export::parse_spec(&document)
            .map_err(|e| AppError::invalid("document", "console.spec-document", e))?;
        let id = import_spec(&services, &user, &spec).await?;
        leptos_axum::redirect(&format!("/environments/{id}/review"));
        Ok(())
    })
    .await
}

/// Creates an environment from the "new environment" form (checked again here: the
/// server never trusts the browser) in the region's default VPC; returns its id.
#[cfg(feature = "ssr")]
pub async fn create(
    services: &super::ssr::Services,
    user: &super::ssr::CurrentUser,
    form: crate::domain::NewEnvironment,
) -> Result<String, AppError> {
    use crate::domain::{EnvironmentSpec, NewEnvironment, validate_new_environment};
    let form = NewEnvironment {
        name: form.name.trim().to_owned(),
        region: form.region.trim().to_owned(),
        max_vcpus: form.max_vcpus,
        service_role: form.service_role.trim().to_owned(),
    };
    let problems = validate_new_environment(&form);
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let max_vcpus = crate::domain::validate::parse_max_vcpus(&form.max_vcpus)
        .map_err(|p| AppError::Invalid(vec![p]))?;
    let network = services
        .cloud
        .default_network(&form.region)
        .await
        .map_err(|e| AppError::Aws(format!("find the default VPC: {e}")))?
        .ok_or_else(|| {
            AppError::invalid(
                "region",
                "console.default-vpc",
                format!(
                    "{} has no default VPC; this console needs one for now",
                    form.region
                ),
            )
        })?;
    let role = (!form.service_role.is_empty()).then(|| form.service_role.clone());
    let spec = EnvironmentSpec::minimal(&form.name, &form.region, max_vcpus, role, network);
    add(services, user, &spec, "created").await
}

/// Creates an environment from a whole spec (imported as JSON or YAML): it must pass
/// validation and its names must be free; returns its id.
#[cfg(feature = "ssr")]
pub async fn import_spec(
    services: &super::ssr::Services,
    user: &super::ssr::CurrentUser,
    spec: &crate::domain::EnvironmentSpec,
) -> Result<String, AppError> {
    add(services, user, spec, "imported").await
}

/// Validates `spec`, checks its names are free, stores it and audits the creation.
#[cfg(feature = "ssr")]
async fn add(
    services: &super::ssr::Services,
    user: &super::ssr::CurrentUser,
    spec: &crate::domain::EnvironmentSpec,
    how: &str,
) -> Result<String, AppError> {
    let problems = crate::domain::validate(spec);
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    ensure_name_free(services, spec, &user.username).await?;
    let id = insert(services, user, spec).await?;
    super::ssr::audit(
        services,
        &user.username,
        "environment.create",
        Some(&id),
        format!("{how} {} in {}", spec.name, spec.region),
    )
    .await?;
    Ok(id)
}

/// The environment page: spec, resources as AWS reports them, and the latest run.
#[server(endpoint = "get_environment")]
pub async fn get_environment(id: String) -> Result<EnvironmentPage, AppError> {
    use super::ssr::{authorize, respond, services};
    use crate::domain::{Operation, access};
    respond(async {
        let services = services()?;
        let access = authorize(&services, &id, Operation::View).await?;
        let env = &access.env;
        // The run first: a run shown as finished then never comes with resources read
        // before it finished.
        let run = services.store.latest_run(&env.id).await?;
        let observed =
            match super::ssr::cloud_for(&services, &env.spec, &access.user.username).await {
                Ok(cloud) => crate::engine::observe(&*cloud, &*services.store, env)
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
        let (resources, aws_error) = match observed {
            Ok(r) => (r, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        let observed: Vec<_> = resources
            .iter()
            .filter_map(|r| r.observed.clone().map(|o| (r.kind, o)))
            .collect();
        let journal = services.store.journal(&env.id).await?;
        let mut plan = crate::domain::plan(&env.spec, &journal, &observed);
        let mut spec = env.spec.clone();
        if !access.sees_secrets() {
            plan = access::redact_plan(&plan);
            spec = access::redact_spec(&spec);
        }
        let destroy_requests = crate::domain::destroy_plan(&journal)
            .steps
            .iter()
            .flat_map(crate::domain::requests::step_requests)
            .collect();
        Ok(EnvironmentPage {
            destroy_requests,
            destroy_command: crate::domain::requests::cli_destroy(&env.id, &env.spec.name),
            activity: services.store.audit_log(&env.id, 20).await?,
            drift: plan.drift,
            run,
            runs: services.store.run_history(&env.id, 10).await?,
            permissions: access.permissions(),
            revision: env.revision,
            id: env.id.clone(),
            spec,
            resources,
            aws_error,
        })
    })
    .await
}

/// The review page's data: the plan that apply would execute now.
#[server(endpoint = "review_environment")]
pub async fn review_environment(id: String) -> Result<Review, AppError> {
    use super::ssr::{authorize, respond, services};
    use crate::domain::{Operation, access};
    respond(async {
        let services = services()?;
        let access = authorize(&services, &id, Operation::Plan).await?;
        let env = access.env.clone();
        let recorded = services.store.journal(&env.id).await?;
        let plan = crate::domain::plan(&env.spec, &recorded, &[]);
        // Every plan shown is kept as a run, one step per planned step.
        let steps: Vec<String> = plan
            .steps
            .iter()
            .map(|s| format!("{} {} {}", s.action.label(), s.kind.label(), s.name))
            .collect();
        services
            .store
            .record_plan(&env.id, &access.user.username, &steps)
            .await?;
        let permissions = access.permissions();
        let (spec, plan) = if access.sees_secrets() {
            (env.spec, plan)
        } else {
            (access::redact_spec(&env.spec), access::redact_plan(&plan))
        };
        Ok(Review {
            requests: plan
                .steps
                .iter()
                .map(crate::domain::requests::step_requests)
                .collect(),
            settings: plan
                .steps
                .iter()
                .map(|step| {
                    crate::domain::plan::settings(&spec, step.kind)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|s| (s.field.to_owned(), s.value))
                        .collect()
                })
                .collect(),
            commands: crate::domain::requests::cli_plan_apply(&env.id),
            cost: crate::domain::pricing::estimate(&spec, &services.prices),
            warnings: crate::domain::warnings(&spec),
            // Only those who may apply get the fingerprint apply asks for.
            fingerprint: if permissions.apply {
                plan.fingerprint()
            } else {
                String::new()
            },
            revision: env.revision,
            permissions,
            id: env.id,
            spec,
            plan,
        })
    })
    .await
}

/// Starts applying the reviewed plan; refused if the plan changed since it was shown.
#[server(endpoint = "apply_environment")]
pub async fn apply_environment(id: String, fingerprint: String) -> Result<(), AppError> {
    use super::ssr::{authorize, respond, services};
    use crate::domain::{Operation, RunKind, validate};
    respond(async {
        let services = services()?;
        let super::ssr::Access { user, env, .. } =
            authorize(&services, &id, Operation::Apply).await?;
        let problems = validate(&env.spec);
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let recorded = services.store.journal(&env.id).await?;
        if crate::domain::plan(&env.spec, &recorded, &[]).fingerprint() != fingerprint {
            return Err(AppError::Conflict(
                "The environment changed since this plan was shown; review it again".into(),
            ));
        }
        super::ssr::audit(
            &services,
            &user.username,
            "environment.apply",
            Some(&id),
            format!("applied plan {fingerprint}"),
        )
        .await?;
        spawn_run(&services, env, RunKind::Apply, &user.username).await?;
        leptos_axum::redirect(&format!("/environments/{id}"));
        Ok(())
    })
    .await
}

/// Reads every resource from AWS now, as a recorded run (its steps say what was found).
#[server(endpoint = "refresh_environment")]
pub async fn refresh_environment(id: String) -> Result<(), AppError> {
    use super::ssr::{authorize, respond, services};
    use crate::domain::{Operation, RunKind};
    respond(async {
        let services = services()?;
        let super::ssr::Access { user, env, .. } =
            authorize(&services, &id, Operation::Refresh).await?;
        let cloud = super::ssr::cloud_for(&services, &env.spec, &user.username).await?;
        let run =
            crate::engine::start_run(&*services.store, &env, RunKind::Refresh, &user.username)
                .await?;
        // The reads are parallel and quick; the outcome (and any AWS error with its
        // code and request id) is recorded on the run the page shows.
        let _ = crate::engine::execute(
            &*cloud,
            &*services.store,
            &env,
            &run,
            RunKind::Refresh,
            services.wait,
        )
        .await;
        leptos_axum::redirect(&format!("/environments/{id}"));
        Ok(())
    })
    .await
}

/// Records an existing resource, named by its ARN, as one of the environment's (it must
/// be the spec's resource of its kind, by name, in the environment's region).
#[server(endpoint = "import_resource")]
pub async fn import_resource(id: String, arn: String) -> Result<(), AppError> {
    use super::ssr::{audit, authorize, cloud_for, respond, services};
    use crate::domain::{Operation, RunKind};
    respond(async {
        let services = services()?;
        let super::ssr::Access { user, env, .. } =
            authorize(&services, &id, Operation::Apply).await?;
        let arn = arn.trim().to_owned();
        let journal = services.store.journal(&env.id).await?;
        let parts = crate::domain::import::check_import(&env.spec, &journal, &arn)
            .map_err(|p| AppError::Invalid(vec![p]))?;
        let cloud = cloud_for(&services, &env.spec, &user.username).await?;
        let run = crate::engine::start_run(&*services.store, &env, RunKind::Import, &user.username)
            .await?;
        let result =
            crate::engine::import(&*cloud, &*services.store, &env, &run, parts.kind, &arn).await;
        let error = result.as_ref().err().map(ToString::to_string);
        services.store.finish_run(&run, error.as_deref()).await?;
        result?;
        audit(
            &services,
            &user.username,
            "environment.import",
            Some(&id),
            format!("imported {arn}"),
        )
        .await?;
        leptos_axum::redirect(&format!("/environments/{id}"));
        Ok(())
    })
    .await
}

/// Starts destroying the environment; `confirm` must repeat its name.
#[server(endpoint = "destroy_environment")]
pub async fn destroy_environment(id: String, confirm: String) -> Result<(), AppError> {
    use super::ssr::{authorize, respond, services};
    use crate::domain::{Operation, RunKind};
    respond(async {
        let services = services()?;
        let super::ssr::Access { user, env, .. } =
            authorize(&services, &id, Operation::Destroy).await?;
        if confirm.trim() != env.spec.name {
            return Err(AppError::invalid(
                "confirm",
                "console.confirm-name",
                format!("Type the environment's name, {}, to confirm", env.spec.name),
            ));
        }
        super::ssr::audit(
            &services,
            &user.username,
            "environment.destroy",
            Some(&id),
            "destroy started",
        )
        .await?;
        spawn_run(&services, env, RunKind::Destroy, &user.username).await?;
        leptos_axum::redirect(&format!("/environments/{id}"));
        Ok(())
    })
    .await
}

/// Refuses a spec whose name the console or AWS (in its region) already has.
#[cfg(feature = "ssr")]
pub(crate) async fn ensure_name_free(
    services: &super::ssr::Services,
    spec: &crate::domain::EnvironmentSpec,
    username: &str,
) -> Result<(), AppError> {
    use crate::domain::ResourceKind;
    if services
        .store
        .environment_named(&spec.region, &spec.name)
        .await?
        .is_some()
    {
        return Err(name_taken(spec));
    }
    // AWS names are unique per account and region: refuse names AWS already has.
    let cloud = super::ssr::cloud_for(services, spec, username).await?;
    // The cluster's capacity providers are named after the cluster: not a name of their own.
    for kind in ResourceKind::ALL {
        let Some(name) = spec
            .resource_name(kind)
            .filter(|_| kind != ResourceKind::ClusterCapacityProviders)
        else {
            continue;
        };
        let found = cloud
            .read(&spec.region, kind, name)
            .await
            .map_err(|e| AppError::Aws(format!("check that {name} is free: {e}")))?;
        if found.is_some() {
            return Err(AppError::invalid(
                "name",
                "aws.name-unique",
                format!(
                    "{} named {name} already exists in {}; choose another name",
                    kind.with_article(),
                    spec.region
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(feature = "ssr")]
fn name_taken(spec: &crate::domain::EnvironmentSpec) -> AppError {
    AppError::invalid(
        "name",
        "console.name-unique",
        format!(
            "An environment named {} already exists in {}",
            spec.name, spec.region
        ),
    )
}

/// Stores a new environment owned by `user` and audits it.
#[cfg(feature = "ssr")]
pub(crate) async fn insert(
    services: &super::ssr::Services,
    user: &super::ssr::CurrentUser,
    spec: &crate::domain::EnvironmentSpec,
) -> Result<String, AppError> {
    let id = match services
        .store
        .insert_environment(&user.id, &user.username, spec)
        .await
    {
        Ok(id) => id,
        // Another request took the name since the check.
        Err(crate::engine::StoreError::Conflict(_)) => return Err(name_taken(spec)),
        Err(e) => return Err(e.into()),
    };
    Ok(id)
}

/// Records a run and executes it in the background; the page follows its progress.
#[cfg(feature = "ssr")]
pub(crate) async fn spawn_run(
    services: &super::ssr::Services,
    env: crate::engine::EnvironmentRecord,
    kind: crate::domain::RunKind,
    username: &str,
) -> Result<(), AppError> {
    let guard = services.runs.start().ok_or_else(|| {
        AppError::Unavailable("the console is shutting down; try again in a moment".into())
    })?;
    // The target's credentials first: a role that cannot be assumed starts no run.
    let cloud = super::ssr::cloud_for(services, &env.spec, username).await?;
    let run_id = crate::engine::start_run(&*services.store, &env, kind, username).await?;
    let (store, wait, stop) = (
        services.store.clone(),
        services.wait,
        services.runs.signal(),
    );
    tokio::spawn(async move {
        // The outcome is recorded on the run by `execute_until`; the guard counts the
        // run until it ends.
        let _guard = guard;
        let _ =
            crate::engine::execute_until(&*cloud, &*store, &env, &run_id, kind, wait, stop).await;
    });
    Ok(())
}
