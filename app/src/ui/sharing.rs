//! Sharing: the owner's share page, the page a link opens, and the copy page.

use leptos::prelude::*;

use super::environment::spec_view;
use super::widgets::{CopyButton, FieldError, FormError, error_view, short_time, use_param};
use crate::api::AppError;
use crate::api::sharing::{
    AcceptShareLink, CopyEnvironment, CreateShareLink, RevokeShareLink, get_copy_source,
    get_sharing, open_share_link,
};
use crate::domain::{LinkStatus, Role};

/// The owner's share page: create a link (shown once), list and revoke links.
#[component]
pub fn SharePage() -> impl IntoView {
    let id = use_param("id");
    let create = ServerAction::<CreateShareLink>::new();
    let revoke = ServerAction::<RevokeShareLink>::new();
    let sharing = Resource::new(
        move || (id.get(), create.version().get(), revoke.version().get()),
        |(id, _, _)| get_sharing(id),
    );
    let create_error = Signal::derive(move || create.value().get().and_then(Result::err));
    let revoke_error = Signal::derive(move || revoke.value().get().and_then(Result::err));
    view! {
        <Transition fallback=|| view! { <p>"Loading..."</p> }>
            {move || Suspend::new(async move {
                let s = match sharing.await {
                    Ok(s) => s,
                    Err(e) => return error_view(&e),
                };
                let env_id = s.id.clone();
                view! {
                    <div class="title-row">
                        <h1>"Share " {s.name.clone()}</h1>
                        <a href=format!("/environments/{}", s.id)>"Back to the environment"</a>
                    </div>
                    {s.created.map(|path| view! {
                        <div class="created-link" id="created-link">
                            <p><strong>"Copy this link now: it is shown only once."</strong></p>
                            <p><a href=path.clone() id="new-link"><code>{path.clone()}</code></a>
                                " " <CopyButton text=path.clone() id="copy-new-link"/></p>
                        </div>
                    })}
                    <ActionForm action=create attr:class="form" attr:id="share-form">
                        <input type="hidden" name="id" value=s.id.clone()/>
                        <label>"Role"
                            <select name="role">
                                <option value="viewer">"viewer: sees the environment and its plan"</option>
                                <option value="editor">"editor: also edits, plans and applies"</option>
                                <option value="template">"copy as template: sees the config, can copy it"</option>
                            </select>
                        </label>
                        <label>"Expires after (days, empty for never)"
                            <input type="number" name="expires_in_days" min="1" max="365" value="7"/>
                        </label>
                        <FieldError field="expires_in_days" message=Signal::derive(move || create_error.get().and_then(|e| e.problem_for("expires_in_days")))/>
                        <FormError error=create_error/>
                        <button type="submit">"Create link"</button>
                    </ActionForm>
                    <h2>"Links"</h2>
                    <FormError error=revoke_error/>
                    {if s.links.is_empty() {
                        view! { <p class="notice">"No links yet."</p> }.into_any()
                    } else {
                        view! {
                            <table class="list" id="links">
                                <thead><tr><th>"Role"</th><th>"Created"</th><th>"By"</th><th>"Expires"</th><th>"Status"</th><th></th></tr></thead>
                                <tbody>
                                    {s.links.into_iter().map(|(link, status)| {
                                        let env = env_id.clone();
                                        let link_id = link.id.clone();
                                        view! {
                                            <tr data-link=link.id.clone() data-status=format!("{status:?}").to_lowercase()>
                                                <td>{link.role.label()}</td>
                                                <td>{short_time(&link.created_at)}</td>
                                                <td>{link.created_by.clone()}</td>
                                                <td>{link.expires_at.as_deref().map_or_else(|| "never".into(), short_time)}</td>
                                                <td>{format!("{status:?}").to_lowercase()}</td>
                                                <td>
                                                    {(status == LinkStatus::Live).then(|| view! {
                                                        <ActionForm action=revoke attr:class="inline revoke">
                                                            <input type="hidden" name="id" value=env/>
                                                            <input type="hidden" name="link_id" value=link_id/>
                                                            <button type="submit" class="link">"Revoke"</button>
                                                        </ActionForm>
                                                    })}
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }}
                }.into_any()
            })}
        </Transition>
    }
}

/// The page a share link opens: what it shares and with which role, and "Open".
#[component]
pub fn LinkPage() -> impl IntoView {
    let token = use_param("token");
    let landing = Resource::new(move || token.get(), open_share_link);
    let accept = ServerAction::<AcceptShareLink>::new();
    let error = Signal::derive(move || accept.value().get().and_then(Result::err));
    view! {
        <Suspense fallback=|| view! { <p>"Loading..."</p> }>
            {move || Suspend::new(async move {
                let l = match landing.await {
                    Ok(l) => l,
                    Err(AppError::NotFound) => return view! {
                        <h1>"Link not valid"</h1>
                        <p class="notice" id="link-status" data-status="invalid">"This share link is not valid. Ask its owner for a new one."</p>
                    }.into_any(),
                    Err(e) => return error_view(&e),
                };
                let status = match l.status {
                    LinkStatus::Live => None,
                    LinkStatus::Expired => Some(("expired", "This link has expired. Ask its owner for a new one.")),
                    LinkStatus::Revoked => Some(("revoked", "This link was revoked by its owner.")),
                };
                view! {
                    <h1>{format!("{} shared {}", l.created_by, l.environment_name)}</h1>
                    {match status {
                        Some((key, text)) => view! {
                            <p class="form-error" id="link-status" data-status=key>{text}</p>
                        }.into_any(),
                        None => view! {
                            <p id="link-status" data-status="live">
                                {format!("This link makes you {} of the environment.", match l.role {
                                    Role::Template => "able to copy the configuration".to_owned(),
                                    other => format!("a {}", other.label()),
                                })}
                            </p>
                            <ActionForm action=accept attr:class="form inline" attr:id="accept-form">
                                <input type="hidden" name="token" value=token.get_untracked()/>
                                <FormError error=error/>
                                <button type="submit">{if l.role == Role::Template { "Copy this configuration" } else { "Open the environment" }}</button>
                            </ActionForm>
                            {l.spec.map(|spec| view! { <h2>"Configuration (secrets hidden)"</h2> {spec_view(spec)} })}
                        }.into_any(),
                    }}
                }.into_any()
            })}
        </Suspense>
    }
}

/// Copy an environment's configuration into a new environment of one's own.
#[component]
pub fn CopyPage() -> impl IntoView {
    let id = use_param("id");
    let source = Resource::new(move || id.get(), get_copy_source);
    let copy = ServerAction::<CopyEnvironment>::new();
    let error = Signal::derive(move || copy.value().get().and_then(Result::err));
    view! {
        <Suspense fallback=|| view! { <p>"Loading..."</p> }>
            {move || Suspend::new(async move {
                let s = match source.await {
                    Ok(s) => s,
                    Err(e) => return error_view(&e),
                };
                view! {
                    <h1>"Copy " {s.environment_name.clone()}</h1>
                    <p class="notice">"The copy is a new environment of yours in the same region, with every resource renamed after it. Secret values (external id, environment variable values) are not copied."</p>
                    <ActionForm action=copy attr:class="form" attr:id="copy-form">
                        <input type="hidden" name="id" value=s.environment_id.clone()/>
                        <label>"Name of the new environment"
                            <input type="text" name="name" autocomplete="off" required/>
                        </label>
                        <FieldError field="name" message=Signal::derive(move || error.get().and_then(|e| e.problem_for("name")))/>
                        <FormError error=error/>
                        <button type="submit">"Create the copy"</button>
                    </ActionForm>
                    {s.spec.map(|spec| view! { <h2>"Configuration (secrets hidden)"</h2> {spec_view(spec)} })}
                }.into_any()
            })}
        </Suspense>
    }
}
