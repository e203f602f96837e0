//! The environment list (home page) and the "new environment" form.

use leptos::prelude::*;

use super::widgets::{FieldError, FormError, error_view, run_badge};
use crate::api::AppError;
use crate::api::auth::get_session;
use crate::api::environments::{CreateEnvironment, list_environments};
use crate::domain::names::{check_environment_name, describe};
use crate::domain::regions::REGIONS;
use crate::domain::spec::DEFAULT_MAX_VCPUS;

/// Home: the signed-in user's environments, or a welcome.
#[component]
pub fn HomePage() -> impl IntoView {
    let envs = Resource::new(|| (), |_| list_environments());
    view! {
        <Suspense fallback=|| view! { <p>"Loading..."</p> }>
            {move || Suspend::new(async move {
                match envs.await {
                    Ok(list) => view! {
                        <div class="title-row">
                            <h1>"Environments"</h1>
                            <a class="button" href="/environments/new" id="new-environment">"New environment"</a>
                        </div>
                        {if list.is_empty() {
                            view! { <p class="notice">"No environments yet."</p> }.into_any()
                        } else {
                            view! {
                                <table class="list" id="environments">
                                    <thead><tr><th>"Name"</th><th>"Region"</th><th>"Resources"</th><th>"Last run"</th></tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|e| view! {
                                            <tr>
                                                <td><a href=format!("/environments/{}", e.id)>{e.name}</a></td>
                                                <td>{e.region}</td>
                                                <td>{e.resources}</td>
                                                <td>{run_badge(e.run)}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }}
                    }.into_any(),
                    Err(AppError::Unauthenticated) => view! {
                        <h1>"Batch inference environments, self-served"</h1>
                        <p>"Create, review, apply and tear down ECS and AWS Batch environments for inference."</p>
                        <p><a class="button" href="/signup">"Create an account"</a> " or " <a href="/signin">"sign in"</a></p>
                    }.into_any(),
                    Err(e) => error_view(&e),
                }
            })}
        </Suspense>
    }
}

/// The "new environment" form. The name is checked as it is typed (by the same domain
/// code the server runs, here compiled to WASM); the server checks everything again.
#[component]
pub fn NewEnvironmentPage() -> impl IntoView {
    let create = ServerAction::<CreateEnvironment>::new();
    let info = Resource::new(|| (), |_| get_session());
    let name = RwSignal::new(String::new());
    let typed = RwSignal::new(false);
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let server_problem = move |field: &'static str| error.get().and_then(|e| e.problem_for(field));
    let name_message = Signal::derive(move || {
        let live = typed
            .get()
            .then(|| check_environment_name(name.get().trim()).err())
            .flatten()
            .map(|e| describe("The name", &e));
        live.or_else(|| server_problem("name"))
    });
    view! {
        <h1>"New environment"</h1>
        <p>"An ECS cluster, a Fargate AWS Batch compute environment on the region's default VPC, and a job queue."</p>
        <Suspense fallback=|| view! { <p>"Loading..."</p> }>
            {move || Suspend::new(async move {
                let info = match info.await {
                    Ok(i) => i,
                    Err(e) => return error_view(&e),
                };
                if info.username.is_none() {
                    return error_view(&AppError::Unauthenticated);
                }
                let region = info.aws.default_region.clone();
                view! {
                    <ActionForm action=create attr:class="form" attr:id="new-environment-form">
                        <label>"Name"
                            <input type="text" name="name" autocomplete="off"
                                on:input=move |ev| { typed.set(true); name.set(event_target_value(&ev)); }/>
                        </label>
                        <FieldError field="name" message=name_message/>
                        <label>"Region"
                            <select name="region">
                                {REGIONS.iter().map(|(code, label)| view! {
                                    <option value=*code selected=*code == region>{format!("{code} - {label}")}</option>
                                }).collect_view()}
                            </select>
                        </label>
                        <FieldError field="region" message=Signal::derive(move || server_problem("region"))/>
                        <label>"Max vCPUs"
                            <input type="text" inputmode="numeric" name="max_vcpus" value=DEFAULT_MAX_VCPUS.to_string()/>
                        </label>
                        <FieldError field="max_vcpus" message=Signal::derive(move || server_problem("max_vcpus"))/>
                        <label>"Batch service role ARN (empty: the AWSServiceRoleForBatch service-linked role)"
                            <input type="text" name="service_role" value=info.aws.default_service_role.clone().unwrap_or_default()/>
                        </label>
                        <FieldError field="service_role" message=Signal::derive(move || server_problem("service_role"))/>
                        <FormError error/>
                        <button type="submit">"Review"</button>
                    </ActionForm>
                }.into_any()
            })}
        </Suspense>
    }
}
