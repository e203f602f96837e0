//! Small shared pieces of the pages.

use leptos::prelude::*;

use crate::api::AppError;
use crate::domain::{RunRecord, RunState};

/// The message under a form field, if any (empty paragraph otherwise, so layout is stable).
#[component]
pub fn FieldError(
    /// The form field this message belongs to (for tests and screen readers).
    field: &'static str,
    /// The message.
    #[prop(into)]
    message: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <p class="field-error" id=format!("{field}-error") data-field=field role="alert">
            // `try_get`: a message derived inside a page's `Suspend` is disposed with it
            // while the page's own signals may still wake this closure once.
            {move || message.try_get().flatten()}
        </p>
    }
}

/// An error that is not about one field (AWS, conflicts, transport).
#[component]
pub fn FormError(
    /// The action's last result.
    #[prop(into)]
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <Show when=move || error.get().is_some_and(|e| !matches!(e, AppError::Invalid(_)))>
            <p class="form-error" role="alert">{move || error.get().map(|e| e.to_string())}</p>
        </Show>
    }
}

/// The route parameter `name` (e.g. the `:id` of `/environments/:id`), as a signal.
pub fn use_param(name: &'static str) -> Signal<String> {
    let params = leptos_router::hooks::use_params_map();
    Signal::derive(move || params.read().get(name).unwrap_or_default())
}

/// Renders a server function error as a page-level message.
pub fn error_view(e: &AppError) -> AnyView {
    match e {
        AppError::Unauthenticated => view! {
            <p class="notice">"Please " <a href="/signin">"sign in"</a> " first."</p>
        }
        .into_any(),
        AppError::NotFound => view! { <p class="notice" id="not-found">"No such environment, or it is not shared with you."</p> }.into_any(),
        AppError::Forbidden(m) => view! { <p class="form-error" id="forbidden">{m.clone()}</p> }.into_any(),
        other => view! { <p class="form-error">{other.to_string()}</p> }.into_any(),
    }
}

/// An RFC 3339 UTC time as `2026-11-29 21:01:46 UTC` (whole seconds).
pub fn short_time(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..19)) {
        (Some(date), Some(time)) if rfc3339.ends_with('Z') => format!("{date} {time} UTC"),
        _ => rfc3339.to_owned(),
    }
}

/// A run's state as a badge: "apply running: <step>", "destroy failed: <error>" ...
pub fn run_badge(run: Option<RunRecord>) -> AnyView {
    let Some(run) = run else {
        return view! { <span class="badge idle" data-run="none">"not applied"</span> }.into_any();
    };
    let kind = run.kind.key();
    let (class, text) = match run.state {
        RunState::Running => (
            "badge running",
            format!(
                "{kind} running: {}",
                run.current_step.clone().unwrap_or_default()
            ),
        ),
        RunState::Succeeded => ("badge ok", format!("{kind} succeeded")),
        RunState::Failed => ("badge failed", format!("{kind} failed")),
    };
    view! {
        <span class=class data-run=run.state.key() data-run-kind=kind
            title=format!("started {} by {}", short_time(&run.started_at), run.started_by)>
            {text}
        </span>
        {run.error.map(|e| view! { <p class="form-error run-error">{e}</p> })}
    }
    .into_any()
}

/// Percent-encodes a query value.
pub fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The AWS requests an action makes, each with its operation and fields, folded away.
pub fn requests_view(requests: Vec<crate::domain::requests::AwsRequest>) -> impl IntoView {
    (!requests.is_empty()).then(|| {
        view! {
            <details class="requests">
                <summary>{format!("AWS requests ({})", requests.len())}</summary>
                {requests.into_iter().map(|r| view! {
                    <p><code class="operation">{r.operation}</code></p>
                    <pre class="payload">{r.payload}</pre>
                }).collect_view()}
            </details>
        }
    })
}

/// The equivalent `console` command lines, folded away.
pub fn commands_view(commands: Vec<String>) -> impl IntoView {
    view! {
        <details class="commands">
            <summary>"Command line"</summary>
            <pre class="cli">{commands.join("\n")}</pre>
            <p class="commands-note">"The " <code>"console"</code> " command line and " <code>"curl"</code> " act through the REST API with a personal API token (" <a href="/account/tokens">"API tokens"</a> ") in " <code>"CONSOLE_TOKEN"</code> "."</p>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::short_time;

    #[test]
    fn times_are_shown_to_the_second() {
        assert_eq!(
            short_time("2026-11-29T21:01:46.329241451Z"),
            "2026-11-29 21:01:46 UTC"
        );
        assert_eq!(
            short_time("2026-11-29T21:01:46Z"),
            "2026-11-29 21:01:46 UTC"
        );
        assert_eq!(short_time("yesterday"), "yesterday");
    }
}

/// A button that copies `text` to the clipboard (a path is copied as a full address on
/// this site) and then says so, or says why it could not. Shown once the page is
/// interactive; without JavaScript the text itself is there to copy.
#[component]
pub fn CopyButton(text: String, #[prop(into)] id: String) -> impl IntoView {
    let state = RwSignal::new("Copy");
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let text = text.clone();
            leptos::task::spawn_local(async move {
                let done = async {
                    let window = web_sys::window()?;
                    let full = if text.starts_with('/') {
                        format!("{}{text}", window.location().origin().ok()?)
                    } else {
                        text
                    };
                    let promise = window.navigator().clipboard().write_text(&full);
                    wasm_bindgen_futures::JsFuture::from(promise).await.ok()
                };
                state.set(if done.await.is_some() {
                    "Copied"
                } else {
                    "Could not copy: select the link and copy it"
                });
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &text;
    };
    view! {
        <button type="button" class="link" id=id hidden=move || !interactive.get() on:click=copy>
            {move || state.get()}
        </button>
    }
}
