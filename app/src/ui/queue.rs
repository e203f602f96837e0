//! The queue view of an environment's Batch job queue: counts per state (kept live by the
//! server's poller through Server-Sent Events once hydrated), the job table filtered by
//! state and searched by name prefix or id, one ListJobs page at a time (the next page's
//! token is in the "Next" link), job detail, submit a job, cancel or terminate selected
//! jobs.
//!
//! The filter is a GET form and the pages plain links; submit and cancel are
//! `ActionForm`s: all work before the WASM loads.

use leptos::prelude::*;

use super::widgets::{
    FieldError, FormError, commands_view, error_view, requests_view, short_time, urlencode,
    use_param,
};
use crate::api::queue::{CancelJobs, QueueView, SubmitJob, SubmitJobResult, get_job, queue_page};
use crate::domain::queue::{
    JobCounts, JobDetail, JobState, JobSummary, QueueSnapshot, StopJobsReport, stopper,
};

/// `/environments/:id/queue?state=..&q=..&token=..&job=..`
#[component]
pub fn QueuePage() -> impl IntoView {
    let id = use_param("id");
    let query = leptos_router::hooks::use_query_map();
    let tick = RwSignal::new(0_u32);
    let live = RwSignal::new(None::<QueueSnapshot>);
    let submit = ServerAction::<SubmitJob>::new();
    let cancel = ServerAction::<CancelJobs>::new();
    Effect::new(move |_| {
        if submit.version().get() + cancel.version().get() > 0 {
            tick.update(|t| *t += 1);
        }
    });
    listen(id, live, tick);
    let page = Resource::new(
        move || {
            let (state, search, token) = query.with(|q| {
                (
                    q.get("state").filter(|s| !s.is_empty()),
                    q.get("q").filter(|s| !s.is_empty()),
                    q.get("token").filter(|s| !s.is_empty()),
                )
            });
            (id.get(), state, search, token, tick.get())
        },
        |(id, state, search, token, _)| queue_page(id, state, search, token),
    );
    let job = Resource::new(
        move || {
            (
                id.get(),
                query.with(|q| q.get("job").filter(|s| !s.is_empty())),
            )
        },
        |(id, job)| async move {
            match job {
                Some(job) => Some(get_job(id, job).await),
                None => None,
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading..."</p> }>
            {move || Suspend::new(async move {
                let detail = job.await;
                match page.await {
                    Ok(p) => page_view(p, detail, live, submit, cancel),
                    Err(e) => error_view(&e),
                }
            })}
        </Transition>
    }
}

/// Once hydrated: listens to the queue's events and, when the counts change, shows them
/// and reloads the table.
#[cfg(feature = "hydrate")]
fn listen(id: Signal<String>, live: RwSignal<Option<QueueSnapshot>>, tick: RwSignal<u32>) {
    use leptos::wasm_bindgen::JsCast;
    use leptos::wasm_bindgen::closure::Closure;
    let source = StoredValue::new_local(None::<web_sys::EventSource>);
    Effect::new(move |_| {
        let id = id.get();
        source.update_value(|s| {
            if let Some(old) = s.take() {
                old.close();
            }
        });
        let Ok(events) = web_sys::EventSource::new(&format!("/environments/{id}/queue/events"))
        else {
            return;
        };
        let on_counts =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                let Some(text) = e.data().as_string() else {
                    return;
                };
                let Ok(snapshot) = serde_json::from_str::<QueueSnapshot>(&text) else {
                    return;
                };
                let changed = live
                    .get_untracked()
                    .is_some_and(|old| old.counts != snapshot.counts);
                live.set(Some(snapshot));
                if changed {
                    tick.update(|t| *t += 1);
                }
            });
        let _ =
            events.add_event_listener_with_callback("counts", on_counts.as_ref().unchecked_ref());
        // The listener lives as long as the page's event source.
        on_counts.forget();
        source.set_value(Some(events));
    });
    on_cleanup(move || {
        source.try_update_value(|s| {
            if let Some(old) = s.take() {
                old.close();
            }
        });
    });
}

#[cfg(not(feature = "hydrate"))]
fn listen(_id: Signal<String>, _live: RwSignal<Option<QueueSnapshot>>, _tick: RwSignal<u32>) {}

fn link(base: &str, state: Option<JobState>, search: &str, extra: &[(&str, &str)]) -> String {
    let mut q = Vec::new();
    if let Some(s) = state {
        q.push(format!("state={}", s.key()));
    }
    if !search.is_empty() {
        q.push(format!("q={}", urlencode(search)));
    }
    for (k, v) in extra {
        q.push(format!("{k}={}", urlencode(v)));
    }
    if q.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", q.join("&"))
    }
}

fn counts_view(p: &QueueView, base: &str, live: RwSignal<Option<QueueSnapshot>>) -> AnyView {
    let (base, search, state, first) =
        (base.to_owned(), p.search.clone(), p.state, p.counts.clone());
    let counts = Signal::derive(move || {
        live.get()
            .map(|s| s.counts)
            .unwrap_or_else(|| first.clone())
    });
    let error = Signal::derive(move || live.get().and_then(|s| s.error));
    view! {
        <nav class="status-counts" aria-label="Jobs by state" id="job-counts" aria-live="polite">
            {move || {
                let c: JobCounts = counts.get();
                let all = c.total().to_string();
                let mut items = vec![view! {
                    <a href=link(&base, None, &search, &[]) data-state="ALL" data-count=all.clone()
                        aria-current=state.is_none().then_some("page")>{format!("All {all}")}</a>
                }.into_any()];
                items.extend(c.states.iter().map(|s| view! {
                    <a href=link(&base, Some(s.state), &search, &[]) data-state=s.state.key()
                        data-count=s.count.to_string()
                        aria-current=(state == Some(s.state)).then_some("page")>
                        {format!("{} {}", s.state.key(), JobCounts::label(s))}
                    </a>
                }.into_any()));
                items.collect_view()
            }}
        </nav>
        {move || error.get().map(|e| view! { <p class="form-error" id="poll-error">"The counts could not be read: " {e}</p> })}
    }
    .into_any()
}

fn page_view(
    p: QueueView,
    detail: Option<Result<JobDetail, crate::api::AppError>>,
    live: RwSignal<Option<QueueSnapshot>>,
    submit: ServerAction<SubmitJob>,
    cancel: ServerAction<CancelJobs>,
) -> AnyView {
    let base = format!("/environments/{}/queue", p.id);
    let head = view! {
        <div class="title-row">
            <h1>"Job queue"</h1>
            <span class="region">{format!("queue {}", p.queue)}</span>
            <a href=format!("/environments/{}", p.id) id="environment-link">{format!("Back to {}", p.name)}</a>
        </div>
        {counts_view(&p, &base, live)}
        {p.aws_error.clone().map(|e| view! { <p class="form-error" id="aws-error">"Could not read the jobs from AWS: " {e}</p> })}
    }
    .into_any();
    let detail = detail.map(|d| match d {
        Ok(d) => detail_view(d, &link(&base, p.state, &p.search, &[])),
        Err(e) => error_view(&e),
    });
    let submitter = if p.permissions.submit && p.definition.is_some() {
        submit_form(&p, submit).into_any()
    } else if p.definition.is_none() {
        view! { <p class="notice" id="no-job-definition">"This environment has no job definition: add one to its spec to submit jobs."</p> }.into_any()
    } else {
        ().into_any()
    };
    let filter = view! {
        <form method="get" action=base.clone() class="search" role="search" id="job-filter">
            <label for="job-state">"State"</label>
            <select id="job-state" name="state">
                <option value="" selected=p.state.is_none()>"Any"</option>
                {JobState::ALL.into_iter().map(|s| view! {
                    <option value=s.key() selected=p.state == Some(s)>{s.key()}</option>
                }).collect_view()}
            </select>
            <label for="job-search">"Job id, or name starting with"</label>
            <input id="job-search" name="q" type="search" value=p.search.clone()/>
            <button type="submit">"Filter"</button>
        </form>
    }
    .into_any();
    let pager = (!p.token.is_empty() || p.next.is_some()).then(|| {
        view! {
            <nav class="pager" aria-label="Pages">
                {(!p.token.is_empty()).then(|| view! { <a rel="first" href=link(&base, p.state, &p.search, &[])>"First page"</a> })}
                <span>{format!("{} job(s) on this page", p.items.len())}</span>
                {p.next.as_ref().map(|t| view! { <a rel="next" id="next-page" href=link(&base, p.state, &p.search, &[("token", t)])>"Next"</a> })}
            </nav>
        }
    });
    let table = table_view(&p, &base, cancel);
    view! { {head} {detail} {submitter} <h2>"Jobs"</h2> {filter} {table} {pager} }.into_any()
}

fn table_view(p: &QueueView, base: &str, cancel: ServerAction<CancelJobs>) -> AnyView {
    if p.items.is_empty() {
        return view! { <p class="notice" id="no-jobs">"No jobs match."</p> }.into_any();
    }
    let result = Signal::derive(move || cancel.value().get().and_then(Result::ok));
    let error = Signal::derive(move || cancel.value().get().and_then(Result::err));
    let can_cancel = p.permissions.cancel;
    let detail_base = {
        let (base, state, search) = (base.to_owned(), p.state, p.search.clone());
        move |job: &str| link(&base, state, &search, &[("job", job)])
    };
    let id = p.id.clone();
    let rows = p
        .items
        .iter()
        .enumerate()
        .map(|(i, j)| job_row(i, j, can_cancel, &detail_base(&j.id)))
        .collect_view();
    view! {
        <ActionForm action=cancel attr:id="cancel-form" attr:class="form wide">
            <input type="hidden" name="id" value=id/>
            <table class="list" id="jobs">
                <thead><tr>
                    <th><span class="visually-hidden">"Select"</span></th>
                    <th>"Name"</th><th>"Job id"</th><th>"State"</th><th>"Reason"</th>
                    <th>"Created"</th><th>"Stopped"</th><th>"Exit code"</th><th>"Array"</th>
                </tr></thead>
                <tbody>
                    {rows}
                </tbody>
            </table>
            {can_cancel.then(|| view! {
                <label>"Reason (recorded as the jobs' status reason)"
                    <input type="text" name="reason" id="cancel-reason" maxlength="1024"/>
                </label>
                <p class="hint">"Jobs not started yet are cancelled; STARTING and RUNNING jobs are terminated."</p>
                <FieldError field="reason" message=Signal::derive(move || error.get().and_then(|e| e.problem_for("reason")))/>
                <FieldError field="jobs" message=Signal::derive(move || error.get().and_then(|e| e.problem_for("jobs")))/>
                <FormError error/>
                <button type="submit" id="cancel-selected">"Cancel or terminate selected jobs"</button>
            })}
            {move || result.get().map(cancel_result_view)}
        </ActionForm>
    }
    .into_any()
}

fn job_row(i: usize, j: &JobSummary, can_cancel: bool, detail: &str) -> AnyView {
    let stoppable = j.state.and_then(stopper).is_some();
    let time = |v: &Option<String>| v.as_deref().map(short_time).unwrap_or_default();
    let array = match (j.array_size, j.array_index) {
        (Some(n), _) => format!("{n} children"),
        (None, Some(i)) => format!("child {i}"),
        _ => String::new(),
    };
    view! {
        <tr data-job=j.id.clone() data-state=j.raw_status.clone()>
            <td>{(can_cancel && stoppable).then(|| view! {
                <input type="checkbox" name=format!("jobs[{i}]") value=j.id.clone()
                    aria-label=format!("Select job {}", j.name)/>
            })}</td>
            <td><a href=detail.to_owned() class="job-link">{j.name.clone()}</a></td>
            <td><code>{j.id.clone()}</code></td>
            <td class="status">{j.raw_status.clone()}</td>
            <td class="status-reason">{j.status_reason.clone().unwrap_or_default()}</td>
            <td>{time(&j.created_at)}</td>
            <td>{time(&j.stopped_at)}</td>
            <td>{j.exit_code.map(|c| c.to_string()).unwrap_or_default()}</td>
            <td>{array}</td>
        </tr>
    }
    .into_any()
}

fn detail_view(d: JobDetail, close: &str) -> AnyView {
    let s = &d.summary;
    let time = |v: &Option<String>| v.as_deref().map(short_time).unwrap_or_default();
    let array = d.array.as_ref().map(|a| {
        let what = match (a.size, a.index) {
            (Some(n), _) => format!("array job of {n}"),
            (None, Some(i)) => format!("child {i} of an array job"),
            _ => "array job".into(),
        };
        let children = a
            .children
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| format!("{} {n}", s.key()))
            .collect::<Vec<_>>()
            .join(", ");
        view! { <dt>"Array"</dt><dd id="job-array">{what}{(!children.is_empty()).then(|| format!(": {children}"))}</dd> }
    });
    view! {
        <section class="panel" id="job-detail" aria-label="Job detail">
            <h2>{format!("Job {}", s.name)}</h2>
            <dl class="task-detail">
                <dt>"Job id"</dt><dd><code>{s.id.clone()}</code></dd>
                <dt>"ARN"</dt><dd class="arn">{s.arn.clone()}</dd>
                <dt>"State"</dt><dd id="job-state-detail">{s.raw_status.clone()}</dd>
                <dt>"Status reason"</dt><dd id="job-status-reason">{s.status_reason.clone().unwrap_or_default()}</dd>
                <dt>"Definition"</dt><dd class="arn">{s.job_definition.clone().unwrap_or_default()}</dd>
                <dt>"Created"</dt><dd>{time(&s.created_at)}</dd>
                <dt>"Started"</dt><dd>{time(&s.started_at)}</dd>
                <dt>"Stopped"</dt><dd>{time(&s.stopped_at)}</dd>
                <dt>"Exit code"</dt><dd>{s.exit_code.map(|c| c.to_string()).unwrap_or_default()}</dd>
                <dt>"Log stream"</dt><dd id="job-log-stream">{d.log_stream.clone().unwrap_or_default()}</dd>
                <dt>"Command"</dt><dd><code>{d.command.join(" ")}</code></dd>
                {array}
                <dt>"Parameters"</dt>
                <dd id="job-parameters">{d.parameters.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")}</dd>
            </dl>
            <h3>"Attempts"</h3>
            {if d.attempts.is_empty() {
                view! { <p class="notice">"No attempt yet."</p> }.into_any()
            } else {
                view! {
                    <ol id="job-attempts">
                        {d.attempts.iter().map(|a| view! {
                            <li>{format!(
                                "{}{}{}{}",
                                a.started_at.as_deref().map(short_time).unwrap_or_default(),
                                a.exit_code.map(|c| format!(", exit code {c}")).unwrap_or_default(),
                                a.reason.as_ref().map(|r| format!(", {r}")).unwrap_or_default(),
                                a.log_stream.as_ref().map(|l| format!(", log stream {l}")).unwrap_or_default()
                            )}</li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            <a href=close.to_owned() id="close-detail">"Close"</a>
        </section>
    }
    .into_any()
}

fn cancel_result_view(r: StopJobsReport) -> impl IntoView {
    view! {
        <p class="notice" id="cancel-result" role="status">
            {format!("Cancelled {} and terminated {} job(s).", r.cancelled.len(), r.terminated.len())}
        </p>
        {(!r.errors.is_empty()).then(|| view! {
            <ul class="form-error">{r.errors.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul>
        })}
        {(!r.command.is_empty()).then(|| commands_view(vec![r.command]))}
        {requests_view(r.requests)}
    }
}

fn submit_result_view(r: SubmitJobResult) -> impl IntoView {
    view! {
        <p class="notice" id="submit-result" role="status">
            {match r.array_size {
                Some(n) => format!("Submitted {} as an array job of {n}: {}", r.name, r.job_id),
                None => format!("Submitted {}: {}", r.name, r.job_id),
            }}
        </p>
        {commands_view(vec![r.command])}
        {requests_view(vec![r.request])}
    }
}

fn submit_form(p: &QueueView, submit: ServerAction<SubmitJob>) -> impl IntoView {
    let error = Signal::derive(move || submit.value().get().and_then(Result::err));
    let result = Signal::derive(move || submit.value().get().and_then(Result::ok));
    let message = move |field: &'static str| {
        Signal::derive(move || error.get().and_then(|e| e.problem_for(field)))
    };
    let definition = p.definition.clone().unwrap_or_default();
    let (id, queue) = (p.id.clone(), p.queue.clone());
    let vcpus_hint = if p.fargate {
        "vCPUs (0.25, 0.5, 1, 2, 4, 8 or 16)"
    } else {
        "vCPUs (whole number)"
    };
    view! {
        <details class="panel" id="submit-panel" open=true>
            <summary><h2>"Submit a job"</h2></summary>
            <ActionForm action=submit attr:class="form" attr:id="submit-form">
                <input type="hidden" name="id" value=id/>
                <p>{format!("Job definition {definition}, queue {queue}; the job is tagged with your user name.")}</p>
                <div class="row">
                    <label>"Job name"
                        <input type="text" name="form[name]" id="submit-name" required maxlength="128"/>
                    </label>
                    <label>"Array size (empty: one job; 2-10000)"
                        <input type="text" inputmode="numeric" name="form[array_size]" id="submit-array-size"/>
                    </label>
                </div>
                <FieldError field="name" message=message("name")/>
                <FieldError field="array_size" message=message("array_size")/>
                <label>"Parameters (KEY=value, one per line)"
                    <textarea name="form[parameters]" id="submit-parameters" rows="3"></textarea>
                </label>
                <FieldError field="parameters" message=message("parameters")/>
                <label>"Command override (words, or a JSON array)"
                    <input type="text" name="form[command]" id="submit-command"/>
                </label>
                <FieldError field="command" message=message("command")/>
                <div class="row">
                    <label>{vcpus_hint} <input type="text" inputmode="decimal" name="form[vcpus]" id="submit-vcpus"/></label>
                    <label>"Memory (MiB)" <input type="text" inputmode="numeric" name="form[memory]" id="submit-memory"/></label>
                </div>
                <FieldError field="vcpus" message=message("vcpus")/>
                <FieldError field="memory" message=message("memory")/>
                <FieldError field="job_definition" message=message("job_definition")/>
                <FormError error/>
                <button type="submit" id="submit-job">"Submit"</button>
            </ActionForm>
            {move || result.get().map(submit_result_view)}
        </details>
    }
}
