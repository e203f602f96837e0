//! The header: who is signed in, and which AWS the console acts on.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::api::auth::{SignOut, get_session};
use crate::api::types::AwsInfo;

/// The top bar. Re-reads the session on every navigation (sign-in and sign-out redirect).
#[component]
pub fn Header() -> impl IntoView {
    let location = use_location();
    let info = Resource::new(move || location.pathname.get(), |_| get_session());
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <header class="top">
            <a class="brand" href="/">"Batch inference console"</a>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match info.await {
                        Ok(info) => view! {
                            <AwsBadge aws=info.aws/>
                            {match info.username {
                                Some(name) if info.single_sign_on => view! {
                                    <span class="user" id="current-user" title="signed in by single sign-on">{name}</span>
                                    <a href="/account/tokens">"API tokens"</a>
                                }.into_any(),
                                None if info.single_sign_on => view! {
                                    <span class="notice">"Not signed in by single sign-on"</span>
                                }.into_any(),
                                Some(name) => view! {
                                    <span class="user" id="current-user">{name}</span>
                                    <a href="/account/tokens">"API tokens"</a>
                                    <ActionForm action=sign_out attr:class="inline">
                                        <button type="submit" class="link">"Sign out"</button>
                                    </ActionForm>
                                }.into_any(),
                                None => view! {
                                    <a href="/signin">"Sign in"</a>
                                    <a href="/signup">"Sign up"</a>
                                }.into_any(),
                            }}
                        }.into_any(),
                        Err(e) => view! { <span class="form-error">{e.to_string()}</span> }.into_any(),
                    }
                })}
            </Transition>
        </header>
    }
}

/// Says plainly whether the console acts on AWS or the local emulator, and as whom.
#[component]
fn AwsBadge(aws: AwsInfo) -> impl IntoView {
    let identity = match (&aws.account, &aws.identity_error) {
        (Some(account), _) => format!(
            "AWS account {account} as {}",
            aws.principal.clone().unwrap_or_default()
        ),
        (None, Some(e)) => format!("AWS identity unknown: {e}"),
        (None, None) => "AWS identity unknown".into(),
    };
    view! {
        {aws.sandbox.then(|| view! {
            <span class="badge sandbox" id="sandbox" title=aws.endpoint.clone().unwrap_or_default()>
                "sandbox: local AWS emulator"
            </span>
        })}
        <span class="identity" id="aws-identity">{identity}</span>
    }
}
