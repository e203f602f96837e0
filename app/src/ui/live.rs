//! Live apply on the environment page: the latest run's steps, each with its elapsed
//! time, the run's total time ticking, the failing step with AWS's error (code, message,
//! request id), and the retry of a failed apply.
//!
//! Rendered on the server from [`live_run`](crate::api::live::live_run) (without
//! JavaScript a reload shows the latest state); once hydrated, a run in progress is
//! followed through the server's Server-Sent Events (`/environments/{id}/runs/events`)
//! instead of polling, and the page reloads its data when the run ends.

use leptos::prelude::*;

use super::widgets::{FormError, short_time};
use crate::api::AppError;
use crate::api::live::RetryApply;
use crate::domain::run::live::{
    AwsErrorParts, LiveRun, LiveState, RetryOffer, format_elapsed, seconds, step_elapsed,
};
use crate::domain::{RunState, RunStep};

/// The page's live part: the state pushed since the page's data was read, the clock
/// (seconds since the epoch, the server's), and the retry action.
#[derive(Clone, Copy)]
pub struct Live {
    pushed: RwSignal<Option<LiveState>>,
    now: RwSignal<f64>,
    retry: ServerAction<RetryApply>,
    error: Signal<Option<AppError>>,
}

impl Live {
    /// Follows `data` (the page's read of the live state, reloaded when `tick` moves):
    /// once hydrated, subscribes to the environment's run events while its run is in
    /// progress, and moves `tick` when the run ends or a retry starts.
    pub fn new(
        id: Signal<String>,
        data: Resource<Result<LiveState, AppError>>,
        tick: RwSignal<u32>,
    ) -> Self {
        let retry = ServerAction::<RetryApply>::new();
        let live = Live {
            pushed: RwSignal::new(None),
            now: RwSignal::new(0.0),
            retry,
            error: Signal::derive(move || retry.value().get().and_then(Result::err)),
        };
        Effect::new(move |_| {
            if retry.version().get() > 0 {
                tick.update(|t| *t += 1);
            }
        });
        subscribe(id, data, live, tick);
        live
    }

    /// The panel for `initial`, the state read with the page; updated by pushed events.
    ///
    /// Called inside the page's `Suspend`, whose owner is disposed at every re-read: the
    /// panel creates no signal of its own (a derived signal made here would be read by
    /// the old view after its disposal, a panic that stops the page's reactivity); it
    /// reads `pushed` and the retry's error, which live as long as the page.
    pub fn panel(self, initial: LiveState, id: String) -> AnyView {
        let Live {
            pushed,
            now,
            retry,
            error,
        } = self;
        view! {
            {move || {
                let s = pushed
                    .try_get()
                    .flatten()
                    .unwrap_or_else(|| initial.clone());
                s.run.map(|run| run_view(run, s.retry, now, retry, error, &id))
            }}
        }
        .into_any()
    }
}

fn run_view(
    live: LiveRun,
    offer: Option<RetryOffer>,
    now: RwSignal<f64>,
    retry: ServerAction<RetryApply>,
    error: Signal<Option<AppError>>,
    id: &str,
) -> AnyView {
    let running = live.running();
    let base = seconds(&live.read_at).unwrap_or_default();
    // The server's clock at the read until the browser's ticks (same text when hydrating).
    let clock = move || now.get().max(base);
    let total = {
        let live = live.clone();
        move || {
            live.elapsed(clock())
                .map(format_elapsed)
                .unwrap_or_default()
        }
    };
    let run = &live.run;
    let state = run.state.key();
    let heading = match run.state {
        RunState::Running => format!("{} in progress", run.kind.key()),
        RunState::Succeeded => format!("{} succeeded", run.kind.key()),
        RunState::Failed => format!("{} failed", run.kind.key()),
    };
    // An error the run stopped on outside any step (e.g. storage).
    let loose_error = run.error.clone().filter(|_| {
        live.failed_step().is_none() && !live.steps.iter().any(|s| s.finished_at.is_none())
    });
    view! {
        <section class="live-run" id="live-run" data-run=run.id.clone() data-state=state data-run-kind=run.kind.key()
            aria-labelledby="live-run-title">
            <h2 id="live-run-title">{if running { "Run in progress" } else { "Latest run" }}</h2>
            <p class="live-summary">
                <span class=format!("badge {}", match run.state { RunState::Running => "running", RunState::Succeeded => "ok", RunState::Failed => "failed" })>{heading}</span>
                " started " {short_time(&run.started_at)} " by " {run.started_by.clone()} ", "
                <span id="run-elapsed" data-running=running.to_string()>{total}</span>
            </p>
            <ol class="live-steps" id="live-steps" aria-live="polite">
                {live.steps.iter().map(|s| step_view(s, running, base, now)).collect_view()}
            </ol>
            {loose_error.map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            {offer.map(|o| retry_view(o, retry, error, id))}
        </section>
    }
    .into_any()
}

fn step_view(s: &RunStep, running: bool, base: f64, now: RwSignal<f64>) -> AnyView {
    let state = match (&s.error, &s.finished_at) {
        (Some(_), _) => "failed",
        (None, Some(_)) => "done",
        (None, None) if running => "running",
        (None, None) => "unfinished",
    };
    let step = s.clone();
    let elapsed = move || {
        step_elapsed(&step, running, now.get().max(base))
            .map(format_elapsed)
            .unwrap_or_else(|| "not finished".into())
    };
    view! {
        <li class=format!("live-step {state}") data-step=s.step.clone() data-state=state>
            <span class="step-name">{s.step.clone()}</span>
            " "
            <span class="elapsed">{elapsed}</span>
            {s.error.clone().map(aws_error_view)}
        </li>
    }
    .into_any()
}

/// A step's error: AWS's code, message and request id apart when it was AWS's.
fn aws_error_view(error: String) -> AnyView {
    match AwsErrorParts::parse(&error) {
        Some(p) => {
            let code = p.code.clone().unwrap_or_default();
            view! {
            <div class="aws-error" role="alert" data-code=code>
                <dl>
                    <dt>"AWS call"</dt><dd class="operation"><code>{p.operation}</code></dd>
                    {p.code.map(|c| view! { <dt>"Error code"</dt><dd class="code"><code>{c}</code></dd> })}
                    <dt>"Message"</dt><dd class="message">{p.message}</dd>
                    {p.request_id.map(|r| view! { <dt>"Request id"</dt><dd class="request-id"><code>{r}</code></dd> })}
                </dl>
            </div>
            }
            .into_any()
        }
        None => view! { <p class="aws-error form-error" role="alert">{error}</p> }.into_any(),
    }
}

fn retry_view(
    o: RetryOffer,
    retry: ServerAction<RetryApply>,
    error: Signal<Option<AppError>>,
    id: &str,
) -> AnyView {
    let review = format!("/environments/{id}/review");
    let id = id.to_owned();
    if let Some(why) = o.blocked {
        return view! {
            <p class="notice" id="retry-blocked">{why} " " <a href=review>"Review the plan"</a></p>
        }
        .into_any();
    }
    if o.fingerprint.is_empty() {
        // Not one who may apply.
        return ().into_any();
    }
    view! {
        <div class="retry" id="retry">
            <p>"Retrying applies what the reviewed plan has left, from where this run stopped:"</p>
            <ul class="retry-steps">
                {o.steps.iter().map(|s| view! { <li>{s.clone()}</li> }).collect_view()}
            </ul>
            <ActionForm action=retry attr:class="form inline" attr:id="retry-form">
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="run" value=o.run_id/>
                <input type="hidden" name="fingerprint" value=o.fingerprint/>
                <FormError error=error/>
                <button type="submit">"Retry the failed step"</button>
                " "
                <a href=review>"or review the plan"</a>
            </ActionForm>
        </div>
    }
    .into_any()
}

/// Once hydrated: while the page's run is in progress, listens to its events (instead
/// of polling), keeps the clock ticking, and reloads the page's data when the run ends.
#[cfg(feature = "hydrate")]
fn subscribe(
    id: Signal<String>,
    data: Resource<Result<LiveState, AppError>>,
    live: Live,
    tick: RwSignal<u32>,
) {
    use leptos::wasm_bindgen::JsCast;
    use leptos::wasm_bindgen::closure::Closure;
    use web_sys::js_sys::Date;

    let Live { pushed, now, .. } = live;
    // Server time minus browser time, from the latest read.
    let offset = StoredValue::new(0.0_f64);
    let sync = move |state: &LiveState| {
        if let Some(at) = state.run.as_ref().and_then(|r| seconds(&r.read_at)) {
            offset.set_value(at - Date::now() / 1000.0);
            now.set(at);
        }
    };
    let source = StoredValue::new_local(None::<web_sys::EventSource>);
    let close = move || {
        source.try_update_value(|s| {
            if let Some(old) = s.take() {
                old.close();
            }
        });
    };
    Effect::new(move |_| {
        let Some(Ok(state)) = data.get() else {
            return;
        };
        close();
        pushed.set(None);
        sync(&state);
        if !state.run.as_ref().is_some_and(LiveRun::running) {
            return;
        }
        let Ok(events) =
            web_sys::EventSource::new(&format!("/environments/{}/runs/events", id.get_untracked()))
        else {
            return;
        };
        let on_run =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                let Some(text) = e.data().as_string() else {
                    return;
                };
                let Ok(state) = serde_json::from_str::<LiveState>(&text) else {
                    return;
                };
                sync(&state);
                let ended = !state.run.as_ref().is_some_and(LiveRun::running);
                pushed.set(Some(state));
                if ended {
                    // The run is over: stop listening, read the page (resources, runs) again.
                    close();
                    tick.update(|t| *t += 1);
                }
            });
        let _ = events.add_event_listener_with_callback("run", on_run.as_ref().unchecked_ref());
        // The listener lives as long as the page's event source.
        on_run.forget();
        source.set_value(Some(events));
    });
    // The clock: the server's time as the browser's advances.
    let ticker = set_interval_with_handle(
        move || now.set(Date::now() / 1000.0 + offset.get_value()),
        std::time::Duration::from_millis(250),
    )
    .ok();
    on_cleanup(move || {
        close();
        if let Some(t) = ticker {
            t.clear();
        }
    });
}

#[cfg(not(feature = "hydrate"))]
fn subscribe(
    _id: Signal<String>,
    _data: Resource<Result<LiveState, AppError>>,
    _live: Live,
    _tick: RwSignal<u32>,
) {
}
