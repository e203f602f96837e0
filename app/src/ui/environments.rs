//! The environment list (home page) and the "new environment" form.

use leptos::prelude::*;

use super::widgets::{FieldError, FormError, error_view, run_badge, urlencode};
use crate::api::AppError;
use crate::api::auth::get_session;
use crate::api::environments::{CreateEnvironment, list_environments};
use crate::api::types::EnvironmentList;
use crate::domain::regions::REGIONS;
use crate::domain::spec::{DEFAULT_MAX_VCPUS, NewEnvironment};
use crate::domain::validate_new_environment;

/// Home: the signed-in user's environments (a page at a time, searchable by name), or
/// a welcome. The search is a plain GET form and the pages plain links, so both work
/// before the WASM loads.
#[component]
pub fn HomePage() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let envs = Resource::new(
        move || {
            query.with(|q| {
                (
                    q.get("page").and_then(|p| p.parse::<usize>().ok()),
                    q.get("q").filter(|s| !s.is_empty()),
                )
            })
        },
        |(page, search)| list_environments(page, search),
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading..."</p> }>
            {move || Suspend::new(async move {
                match envs.await {
                    Ok(list) => environment_list(list),
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

/// The list page's body: title, search, the table and the page links.
fn environment_list(list: EnvironmentList) -> AnyView {
    let link = |page: usize, search: &str| {
        if search.is_empty() {
            format!("/?page={page}")
        } else {
            format!("/?page={page}&q={}", urlencode(search))
        }
    };
    let pager = (list.pages > 1).then(|| {
        let (page, pages, search) = (list.page, list.pages, list.search.clone());
        view! {
            <nav class="pager" aria-label="Pages">
                {(page > 1).then(|| view! { <a rel="prev" href=link(page - 1, &search)>"Previous"</a> })}
                <span>{format!("Page {page} of {pages} ({} environments)", list.total)}</span>
                {(page < pages).then(|| view! { <a rel="next" href=link(page + 1, &search)>"Next"</a> })}
            </nav>
        }
    });
    let empty = if list.search.is_empty() {
        "No environments yet.".to_owned()
    } else {
        format!("No environment's name contains \"{}\".", list.search)
    };
    view! {
        <div class="title-row">
            <h1>"Environments"</h1>
            <span>
                <a class="button" href="/wizard" id="start-wizard">"New environment"</a>
                " "
                <a href="/environments/new" id="new-environment">"Quick create"</a>
                " "
                <a href="/environments/import" id="import-environment">"Import a spec"</a>
            </span>
        </div>
        <form method="get" action="/" class="search" role="search">
            <label for="search">"Name contains"</label>
            <input id="search" name="q" type="search" value=list.search.clone()/>
            <button type="submit">"Search"</button>
        </form>
        {if list.items.is_empty() {
            view! { <p class="notice">{empty}</p> }.into_any()
        } else {
            view! {
                <table class="list" id="environments">
                    <thead><tr><th>"Name"</th><th>"Region"</th><th>"Your role"</th><th>"Resources"</th><th>"Last run"</th></tr></thead>
                    <tbody>
                        {list.items.into_iter().map(|e| view! {
                            <tr data-role=e.role.key()>
                                <td><a href=format!("/environments/{}", e.id)>{e.name}</a></td>
                                <td>{e.region}</td>
                                <td>{e.role.label()}</td>
                                <td>{e.resources}</td>
                                <td>{run_badge(e.run)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        {pager}
    }
    .into_any()
}

/// The "new environment" form. Each field is checked as it is typed, by the same domain
/// code the server runs (here compiled to WASM); the server checks everything again.
#[component]
pub fn NewEnvironmentPage() -> impl IntoView {
    let create = ServerAction::<CreateEnvironment>::new();
    let info = Resource::new(|| (), |_| get_session());
    // What has been typed, and which fields were touched (only those show live messages).
    let form = RwSignal::new(NewEnvironment {
        max_vcpus: DEFAULT_MAX_VCPUS.to_string(),
        ..NewEnvironment::default()
    });
    let touched = RwSignal::new(Vec::<&'static str>::new());
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    // A field edited since the last submission shows its live check (or nothing); an
    // untouched one shows what the server said.
    let message = move |field: &'static str| {
        Signal::derive(move || {
            if touched.with(|t| t.contains(&field)) {
                validate_new_environment(&form.get())
                    .into_iter()
                    .find(|p| p.field == field)
                    .map(|p| p.message)
            } else {
                error.get().and_then(|e| e.problem_for(field))
            }
        })
    };
    Effect::new(move |_| {
        if create.version().get() > 0 {
            touched.update(Vec::clear);
        }
    });
    let edit = move |field: &'static str, set: fn(&mut NewEnvironment, String)| {
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            form.update(|f| set(f, value));
            touched.update(|t| {
                if !t.contains(&field) {
                    t.push(field);
                }
            });
        }
    };
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
                                on:input=edit("name", |f, v| f.name = v)/>
                        </label>
                        <FieldError field="name" message=message("name")/>
                        <label>"Region"
                            <select name="region" on:change=edit("region", |f, v| f.region = v)>
                                {REGIONS.iter().map(|(code, label)| view! {
                                    <option value=*code selected=*code == region>{format!("{code} - {label}")}</option>
                                }).collect_view()}
                            </select>
                        </label>
                        <FieldError field="region" message=message("region")/>
                        <label>"Max vCPUs"
                            <input type="text" inputmode="numeric" name="max_vcpus" value=DEFAULT_MAX_VCPUS.to_string()
                                on:input=edit("max_vcpus", |f, v| f.max_vcpus = v)/>
                        </label>
                        <FieldError field="max_vcpus" message=message("max_vcpus")/>
                        <label>"Batch service role ARN (empty: the AWSServiceRoleForBatch service-linked role)"
                            <input type="text" name="service_role" value=info.aws.default_service_role.clone().unwrap_or_default()
                                on:input=edit("service_role", |f, v| f.service_role = v)/>
                        </label>
                        <FieldError field="service_role" message=message("service_role")/>
                        <FormError error/>
                        <button type="submit">"Review"</button>
                    </ActionForm>
                }.into_any()
            })}
        </Suspense>
    }
}

/// `/environments/import`: a new environment from a spec exported as JSON or YAML (the
/// environment page's export, or a file kept in a repository). Checked on the server by
/// the same rules as every spec; on success the review page opens.
#[component]
pub fn ImportPage() -> impl IntoView {
    let import = ServerAction::<crate::api::environments::ImportEnvironment>::new();
    let error = Signal::derive(move || import.value().get().and_then(Result::err));
    view! {
        <h1>"Import an environment"</h1>
        <p>"Paste a spec exported as JSON or YAML (any schema version). The console checks it against AWS's rules and that its names are free, then shows the plan; nothing is created in AWS until you apply."</p>
        <ActionForm action=import attr:class="form" attr:id="import-form">
            <label for="document">"Spec (JSON or YAML)"</label>
            <textarea id="document" name="document" class="document" required spellcheck="false"></textarea>
            <super::widgets::FieldError field="document" message=Signal::derive(move || error.get().and_then(|e| e.problem_for("document")))/>
            {move || error.get().filter(|e| e.problem_for("document").is_none()).map(|e| view! {
                <div class="form-error" role="alert">
                    <p>{e.to_string()}</p>
                    <ul id="import-problems">
                        {e.problems().iter().map(|p| view! {
                            <li data-field=p.field.clone()><code>{p.field.clone()}</code> ": " {p.message.clone()}</li>
                        }).collect_view()}
                    </ul>
                </div>
            })}
            <button type="submit">"Import"</button>
        </ActionForm>
    }
}
