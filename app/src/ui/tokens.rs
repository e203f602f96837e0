//! The API tokens page: create a personal API token (shown once), list and revoke them.

use leptos::prelude::*;

use super::widgets::{CopyButton, FieldError, FormError, error_view, short_time};
use crate::api::tokens::{CreateApiToken, RevokeApiToken, get_api_tokens};
use crate::domain::LinkStatus;

/// `/account/tokens`: the signed-in user's personal API tokens.
#[component]
pub fn TokensPage() -> impl IntoView {
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let page = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| get_api_tokens(),
    );
    let create_error = Signal::derive(move || create.value().get().and_then(Result::err));
    let revoke_error = Signal::derive(move || revoke.value().get().and_then(Result::err));
    let field = move |name: &'static str| {
        Signal::derive(move || create_error.get().and_then(|e| e.problem_for(name)))
    };
    view! {
        <h1>"API tokens"</h1>
        <p>
            "A token lets scripts, CI and the " <code>"console"</code> " command line act as you through the "
            <a href="/api/v1/docs">"REST API"</a> ", with your roles. Send it as "
            <code>"Authorization: Bearer <token>"</code> "."
        </p>
        <Transition fallback=|| view! { <p>"Loading..."</p> }>
            {move || Suspend::new(async move {
                let p = match page.await {
                    Ok(p) => p,
                    Err(e) => return error_view(&e),
                };
                // After a hydrated form, the action's answer; without JavaScript, the session's.
                let created = p.created.or_else(|| create.value().get_untracked().and_then(Result::ok));
                view! {
                    {created.map(|c| view! {
                        <div class="created-link" id="created-token">
                            <p><strong>{format!("Copy the token {} now: it is shown only once.", c.name)}</strong></p>
                            <p><code id="new-token">{c.token.clone()}</code> " " <CopyButton text=c.token id="copy-new-token"/></p>
                            <p>"Sign the command line in with " <code>"console login --url <this console> --token <token>"</code> "."</p>
                        </div>
                    })}
                    <ActionForm action=create attr:class="form" attr:id="token-form">
                        <label>"Name"
                            <input type="text" name="name" maxlength="64" required placeholder="ci-pipeline"/>
                        </label>
                        <FieldError field="name" message=field("name")/>
                        <label>"Expires after (days, empty for never)"
                            <input type="number" name="expires_in_days" min="1" max="365" value="90"/>
                        </label>
                        <FieldError field="expires_in_days" message=field("expires_in_days")/>
                        <FormError error=create_error/>
                        <button type="submit">"Create token"</button>
                    </ActionForm>
                    <h2>"Your tokens"</h2>
                    <FormError error=revoke_error/>
                    {if p.tokens.is_empty() {
                        view! { <p class="notice">"No tokens yet."</p> }.into_any()
                    } else {
                        view! {
                            <table class="list" id="tokens">
                                <thead><tr><th>"Name"</th><th>"Token"</th><th>"Created"</th><th>"Expires"</th><th>"Last used"</th><th>"Status"</th><th></th></tr></thead>
                                <tbody>
                                    {p.tokens.into_iter().map(|(token, status)| {
                                        let status_key = format!("{status:?}").to_lowercase();
                                        let token_id = token.id.clone();
                                        view! {
                                            <tr data-token=token.id.clone() data-status=status_key.clone()>
                                                <td>{token.name.clone()}</td>
                                                <td><code>{format!("{}...", token.shown)}</code></td>
                                                <td>{short_time(&token.created_at)}</td>
                                                <td>{token.expires_at.as_deref().map_or_else(|| "never".into(), short_time)}</td>
                                                <td>{token.last_used_at.as_deref().map_or_else(|| "never".into(), short_time)}</td>
                                                <td>{status_key.clone()}</td>
                                                <td>
                                                    {(status == LinkStatus::Live).then(|| view! {
                                                        <ActionForm action=revoke attr:class="inline revoke">
                                                            <input type="hidden" name="token_id" value=token_id/>
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
