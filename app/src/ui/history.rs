//! The spec's history (revisions, diff, restore) and the spec editor.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::widgets::{FormError, error_view, short_time, use_param};
use crate::api::revisions::{RestoreRevision, SaveSpec, get_history, get_spec_editor};
use crate::domain::{EnvironmentSpec, Problem, validate_edit};

/// The history page: revisions newest first, a diff between any two (`?from=&to=`, a
/// plain GET form), and restore for those who may edit.
#[component]
pub fn HistoryPage() -> impl IntoView {
    let id = use_param("id");
    let query = use_query_map();
    let number = move |key: &str| query.read().get(key).and_then(|v| v.parse::<u64>().ok());
    let history = Resource::new(
        move || (id.get(), number("from"), number("to")),
        |(id, from, to)| get_history(id, from, to),
    );
    let restore = ServerAction::<RestoreRevision>::new();
    let restore_error = Signal::derive(move || restore.value().get().and_then(Result::err));
    Effect::new(move |_| {
        if restore.version().get() > 0 {
            history.refetch();
        }
    });
    view! {
        <Transition fallback=|| view! { <p>"Loading..."</p> }>
            {move || Suspend::new(async move {
                let h = match history.await {
                    Ok(h) => h,
                    Err(e) => return error_view(&e),
                };
                let latest = h.revisions.first().map(|r| r.number).unwrap_or_default();
                let revisions = h.revisions.clone();
                let options = move |selected: Option<u64>| {
                    revisions.iter().map(|r| view! {
                        <option value=r.number.to_string() selected=selected == Some(r.number)>
                            {format!("{} - {}", r.number, r.message)}
                        </option>
                    }).collect_view()
                };
                let (env_id, can_edit) = (h.id.clone(), h.permissions.edit);
                let (from, to) = h.diff.as_ref().map_or((latest.checked_sub(1), Some(latest)), |d| (Some(d.from), Some(d.to)));
                view! {
                    <div class="title-row">
                        <h1>"History of " {h.name.clone()}</h1>
                        <a href=format!("/environments/{}", h.id)>"Back to the environment"</a>
                    </div>
                    <table class="list" id="revisions">
                        <thead><tr><th>"Revision"</th><th>"Saved"</th><th>"By"</th><th>"Message"</th><th></th></tr></thead>
                        <tbody>
                            {h.revisions.clone().into_iter().map(|r| {
                                let env_id = env_id.clone();
                                view! {
                                <tr data-revision=r.number.to_string()>
                                    <td>{r.number}</td>
                                    <td>{short_time(&r.created_at)}</td>
                                    <td>{r.author}</td>
                                    <td>{r.message}</td>
                                    <td>
                                        {(can_edit && r.number != latest).then(|| view! {
                                            <ActionForm action=restore attr:class="inline restore">
                                                <input type="hidden" name="id" value=env_id/>
                                                <input type="hidden" name="number" value=r.number.to_string()/>
                                                <input type="hidden" name="base" value=latest.to_string()/>
                                                <button type="submit" class="link">"Restore as new revision"</button>
                                            </ActionForm>
                                        })}
                                    </td>
                                </tr>
                            }}).collect_view()}
                        </tbody>
                    </table>
                    <FormError error=restore_error/>
                    <h2>"Compare revisions"</h2>
                    <form method="get" class="form inline" id="diff-form">
                        <label>"From" <select name="from">{options(from)}</select></label>
                        <label>"To" <select name="to">{options(to)}</select></label>
                        <button type="submit">"Compare"</button>
                    </form>
                    {h.diff.map(|d| view! {
                        <h3>{format!("Revision {} to {}", d.from, d.to)}</h3>
                        {if d.changes.is_empty() {
                            view! { <p class="notice" id="no-diff">"The two revisions are the same."</p> }.into_any()
                        } else {
                            view! {
                                <table class="changes" id="diff">
                                    <thead><tr><th>"Field"</th><th>{format!("Revision {}", d.from)}</th><th>{format!("Revision {}", d.to)}</th></tr></thead>
                                    <tbody>
                                        {d.changes.into_iter().map(|c| view! {
                                            <tr data-path=c.path.clone()>
                                                <td><code>{c.path.clone()}</code></td>
                                                <td>{c.old.unwrap_or_else(|| "(absent)".into())}</td>
                                                <td>{c.new.unwrap_or_else(|| "(absent)".into())}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }}
                    })}
                }.into_any()
            })}
        </Transition>
    }
}

/// Every problem of an edited spec: JSON syntax first, else the domain's rules (the same
/// code the server runs).
fn check(current: Option<&EnvironmentSpec>, json: &str) -> Vec<Problem> {
    match EnvironmentSpec::from_json(json) {
        Err(e) => vec![Problem::new("spec_json", "console.spec-json", e)],
        Ok(edited) => current.map_or_else(
            || crate::domain::validate(&edited),
            |c| validate_edit(c, &edited),
        ),
    }
}

/// The spec editor: the whole spec as JSON, checked as it is typed, saved as a new
/// revision on top of the one it was loaded from.
#[component]
pub fn EditPage() -> impl IntoView {
    let id = use_param("id");
    let editor = Resource::new(move || id.get(), get_spec_editor);
    let save = ServerAction::<SaveSpec>::new();
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    view! {
        <Suspense fallback=|| view! { <p>"Loading..."</p> }>
            {move || Suspend::new(async move {
                let e = match editor.await {
                    Ok(e) => e,
                    Err(err) => return error_view(&err),
                };
                let current = EnvironmentSpec::from_json(&e.spec_json).ok();
                let text = RwSignal::new(e.spec_json.clone());
                let typed = RwSignal::new(false);
                let problems = Signal::derive(move || {
                    if typed.get() {
                        check(current.as_ref(), &text.get())
                    } else {
                        error.get().map(|e| e.problems().to_vec()).unwrap_or_default()
                    }
                });
                view! {
                    <div class="title-row">
                        <h1>"Edit " {e.name.clone()}</h1>
                        <span class="badge">{format!("editing revision {}", e.revision)}</span>
                    </div>
                    <p class="notice">"Saving creates a new revision and opens its plan; nothing changes in AWS until you apply it."</p>
                    <ActionForm action=save attr:class="form wide" attr:id="edit-form">
                        <input type="hidden" name="id" value=e.id.clone()/>
                        <input type="hidden" name="base" value=e.revision.to_string()/>
                        <label>"Spec (JSON)"
                            <textarea name="spec_json" rows="28" spellcheck="false"
                                on:input=move |ev| { typed.set(true); text.set(event_target_value(&ev)); }>
                                {e.spec_json.clone()}
                            </textarea>
                        </label>
                        <ul class="problems" id="spec-problems" role="alert">
                            {move || problems.get().into_iter().map(|p| view! {
                                <li data-field=p.field.clone() data-rule=p.rule.clone()><code>{p.field.clone()}</code> ": " {p.message.clone()}</li>
                            }).collect_view()}
                        </ul>
                        <label>"Message (optional)"
                            <input type="text" name="message" maxlength="200" placeholder="What changed and why"/>
                        </label>
                        <FormError error=error/>
                        <button type="submit" disabled=move || !problems.get().is_empty()>"Save revision"</button>
                    </ActionForm>
                }.into_any()
            })}
        </Suspense>
    }
}
