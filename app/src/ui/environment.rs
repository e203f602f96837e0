//! One environment: its page (resources, runs, destroy) and its review page (plan, apply).

use leptos::prelude::*;

use super::widgets::{
    FieldError, FormError, commands_view, error_view, requests_view, run_badge, short_time,
    use_param,
};
use crate::api::environments::{
    ApplyEnvironment, DestroyEnvironment, ImportResource, RefreshEnvironment, get_environment,
    review_environment,
};
use crate::api::live::live_run;
use crate::api::types::EnvironmentPage as PageData;
use crate::domain::plan::ReplaceOrder;
use crate::domain::requests::AwsRequest;
use crate::domain::{Action, EnvironmentSpec, RunState, Step};

/// The environment page; a run in progress is followed live (`super::live`), and the page
/// reads its data again when the run ends.
#[component]
pub fn EnvironmentPage() -> impl IntoView {
    let id = use_param("id");
    let tick = RwSignal::new(0_u32);
    let page = Resource::new(
        move || (id.get(), tick.get()),
        |(id, _)| get_environment(id),
    );
    let live_data = Resource::new(move || (id.get(), tick.get()), |(id, _)| live_run(id));
    let live = super::live::Live::new(id, live_data, tick);
    // A safety net under the stream (which sends the run's state at once on subscribing,
    // then each change, and reloads the page when the run ends): while the page's data
    // shows a run in progress, read it again every ten seconds, so that a stream cut by a
    // proxy still lets the page catch up. Each read costs the page's AWS calls: a
    // faster net would multiply them by every viewer of a long apply.
    Effect::new(move |_| {
        let running = page
            .get()
            .and_then(Result::ok)
            .and_then(|p| p.run)
            .is_some_and(|r| r.state == RunState::Running);
        if running {
            set_timeout(
                move || tick.update(|t| *t += 1),
                std::time::Duration::from_secs(10),
            );
        }
    });
    let destroy = ServerAction::<DestroyEnvironment>::new();
    let refresh = ServerAction::<RefreshEnvironment>::new();
    let import = ServerAction::<ImportResource>::new();
    Effect::new(move |_| {
        if refresh.version().get() + import.version().get() > 0 {
            tick.update(|t| *t += 1);
        }
    });
    let destroy_error = Signal::derive(move || destroy.value().get().and_then(Result::err));
    Effect::new(move |_| {
        // A destroy that started: show its progress.
        if destroy.version().get() > 0 {
            tick.update(|t| *t += 1);
        }
    });

    view! {
        <Transition fallback=|| view! { <p>"Loading..."</p> }>
            {move || Suspend::new(async move {
                let live_state = live_data.await.unwrap_or_default();
                match page.await {
                    Ok(p) => {
                        let panel = live.panel(live_state, p.id.clone());
                        page_view(p, panel, destroy, destroy_error, refresh, import).into_any()
                    }
                    Err(e) => error_view(&e),
                }
            })}
        </Transition>
    }
}

fn page_view(
    p: PageData,
    live_panel: AnyView,
    destroy: ServerAction<DestroyEnvironment>,
    destroy_error: Signal<Option<crate::api::AppError>>,
    refresh: ServerAction<RefreshEnvironment>,
    import: ServerAction<ImportResource>,
) -> impl IntoView {
    let import_error = Signal::derive(move || import.value().get().and_then(Result::err));
    let (refresh_id, import_id) = (p.id.clone(), p.id.clone());
    let running = p.run.as_ref().is_some_and(|r| r.state == RunState::Running);
    let id = p.id.clone();
    let can = p.permissions;
    let (destroy_command, destroy_requests) =
        (p.destroy_command.clone(), p.destroy_requests.clone());
    let refresh_cmd_id = p.id.clone();
    let base = format!("/environments/{}", p.id);
    // Three parts with erased types: one view this size overflows rustc's query depth.
    let top = view! {
        <div class="title-row">
            <h1 id="environment-name">{p.spec.name.clone()}</h1>
            <span class="region">{p.spec.region.clone()}</span>
            <span class="badge" id="role" data-role=can.role.key()>{can.role.label()}</span>
            <span id="run-status">{run_badge(p.run.clone())}</span>
        </div>
        <nav class="actions" aria-label="Environment">
            <a class="button" id="review-link" href=format!("{base}/review")>
                {if can.apply { "Review and apply" } else { "Plan" }}
            </a>
            {can.edit.then(|| view! { <a id="edit-link" href=format!("{base}/edit")>"Edit spec"</a> })}
            <a id="history-link" href=format!("{base}/history")>{format!("History (revision {})", p.revision)}</a>
            {can.share.then(|| view! { <a id="share-link" href=format!("{base}/share")>"Share"</a> })}
            <a id="copy-link" href=format!("{base}/copy")>"Copy"</a>
            {p.spec.task_definition.is_some().then(|| view! { <a id="tasks-link" href=format!("{base}/tasks")>"Tasks"</a> })}
            {p.spec.job_queue.is_some().then(|| view! { <a id="queue-link" href=format!("{base}/queue")>"Job queue"</a> })}
            <a id="capacity-link" href=format!("{base}/capacity")>"Capacity"</a>
            {can.refresh.then(|| view! {
                <ActionForm action=refresh attr:class="inline" attr:id="refresh-form">
                    <input type="hidden" name="id" value=refresh_id/>
                    <button type="submit" class="link" disabled=running>"Refresh from AWS"</button>
                </ActionForm>
            })}
        </nav>
        {(!can.edit).then(|| view! {
            <p class="notice" id="read-only">"Read-only: you can see this environment and its plan, not change it. Secret values are hidden."</p>
        })}
    }
    .into_any();
    let (region, cluster) = (p.spec.region.clone(), p.spec.cluster.name.clone());
    let middle = view! {
        {live_panel}
        <h2>"Resources"</h2>
        {p.aws_error.clone().map(|e| view! { <p class="form-error">"Could not read AWS: " {e}</p> })}
        <table class="list" id="resources">
            <thead><tr><th>"Resource"</th><th>"Name"</th><th>"ARN"</th><th>"AWS status"</th><th>"State"</th><th>"AWS console"</th></tr></thead>
            <tbody>
                {p.resources.into_iter().map(|r| {
                    let arn = r.observed.as_ref().map(|o| o.arn.clone())
                        .or_else(|| r.recorded.as_ref().and_then(|x| x.arn.clone()));
                    let status = r.observed.as_ref().map(|o| o.status.clone())
                        .unwrap_or_else(|| "not in AWS".into());
                    let state = r.observed.as_ref().and_then(|o| o.state.clone()).unwrap_or_default();
                    let console = crate::domain::console_links::console_url(
                        r.kind, &region, &r.name, arn.as_deref(), &cluster,
                    ).filter(|_| r.observed.is_some());
                    view! {
                        <tr data-kind=r.kind.key()>
                            <td>{r.kind.label()}</td>
                            <td>{r.name}</td>
                            <td class="arn">{arn.unwrap_or_default()}</td>
                            <td class="status">{status}</td>
                            <td class="state">{state}</td>
                            <td class="console">{console.map(|href| view! {
                                <a href=href target="_blank" rel="noopener noreferrer">"Open"</a>
                            })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        {(!p.drift.is_empty()).then(|| view! {
            <h2>"Drift"</h2>
            <p class="notice">"AWS differs from what this console applied. The console does not correct drift yet: change it back in AWS, or destroy and apply again."</p>
            <table class="list" id="drift">
                <thead><tr><th>"Resource"</th><th>"Field"</th><th>"Applied"</th><th>"In AWS now"</th></tr></thead>
                <tbody>
                    {p.drift.iter().map(|d| view! {
                        <tr data-kind=d.kind.key() data-field=d.field.clone()>
                            <td>{d.kind.label()}</td>
                            <td><code>{d.field.clone()}</code></td>
                            <td>{d.recorded.clone()}</td>
                            <td>{d.observed.clone()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
        {can.apply.then(|| view! {
            <details class="import">
                <summary>"Import an existing resource"</summary>
                <p class="note">"A resource that already exists in AWS under the name the spec gives it can be recorded as this environment's instead of created."</p>
                <ActionForm action=import attr:class="form inline" attr:id="import-form">
                    <input type="hidden" name="id" value=import_id/>
                    <label>"ARN" <input type="text" name="arn" autocomplete="off" placeholder="arn:aws:ecs:us-east-1:123456789012:cluster/name"/></label>
                    <FieldError field="arn" message=Signal::derive(move || import_error.get().and_then(|e| e.problem_for("arn")))/>
                    <FormError error=import_error/>
                    <button type="submit" disabled=running>"Import"</button>
                </ActionForm>
            </details>
        })}
    }
    .into_any();
    let bottom = view! {
        <h2>"Settings"</h2>
        {spec_view(p.spec)}
        {super::export::export_section(&p.id)}
        {(!p.runs.is_empty()).then(|| view! {
            <h2>"Runs"</h2>
            <table class="list" id="runs">
                <thead><tr><th>"Started"</th><th>"Run"</th><th>"By"</th><th>"Steps"</th></tr></thead>
                <tbody>
                    {p.runs.iter().map(|h| view! {
                        <tr data-run=h.run.id.clone() data-kind=h.run.kind.key() data-state=h.run.state.key()>
                            <td>{short_time(&h.run.started_at)}</td>
                            <td>{format!("{} {}", h.run.kind.key(), h.run.state.key())}</td>
                            <td>{h.run.started_by.clone()}</td>
                            <td>
                                <ol class="steps">
                                    {h.steps.iter().map(|s| view! {
                                        <li>
                                            {s.step.clone()} " "
                                            <span class="note">{step_time(&s.started_at, s.finished_at.as_deref())}</span>
                                            {s.error.clone().map(|e| view! { <p class="form-error">{e}</p> })}
                                        </li>
                                    }).collect_view()}
                                </ol>
                            </td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
        <h2>"Activity"</h2>
        <table class="list" id="activity">
            <thead><tr><th>"When"</th><th>"Who"</th><th>"What"</th><th>"From"</th></tr></thead>
            <tbody>
                {p.activity.iter().map(|a| view! {
                    <tr data-action=a.action.clone()>
                        <td>{short_time(&a.at)}</td>
                        <td>{a.actor.clone()}</td>
                        <td>{a.detail.clone()}</td>
                        <td>{a.address.clone()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        {can.destroy.then(|| view! {
            <h2>"Destroy"</h2>
            <p>"Deletes the job queue, the compute environment and the cluster, in that order, waiting for each."</p>
            <ActionForm action=destroy attr:class="form inline" attr:id="destroy-form">
                <input type="hidden" name="id" value=id/>
                <label>"Type the environment's name to confirm"
                    <input type="text" name="confirm" autocomplete="off"/>
                </label>
                <FieldError field="confirm" message=Signal::derive(move || destroy_error.get().and_then(|e| e.problem_for("confirm")))/>
                <FormError error=destroy_error/>
                <button type="submit" class="danger" disabled=running>"Destroy"</button>
            </ActionForm>
            {commands_view(vec![
                destroy_command,
                crate::domain::requests::curl("POST", &format!("/environments/{refresh_cmd_id}/refresh"), None),
            ])}
            {requests_view(destroy_requests)}
        })}
    }
    .into_any();
    view! { {top} {middle} {bottom} }
}

/// "21:01:46 UTC, 0.42 s" (or "still running" / "interrupted" without an end).
fn step_time(started: &str, finished: Option<&str>) -> String {
    let seconds = |t: &str| -> Option<f64> {
        let clock = t.get(11..)?.trim_end_matches('Z');
        let mut parts = clock.split(':');
        let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
        Some(
            h.parse::<f64>().ok()? * 3600.0
                + m.parse::<f64>().ok()? * 60.0
                + s.parse::<f64>().ok()?,
        )
    };
    let start = short_time(started);
    match finished.and_then(|f| Some(seconds(f)? - seconds(started)?)) {
        Some(d) if d >= 0.0 => format!("{start}, {d:.2} s"),
        Some(_) => start,
        None => format!("{start}, not finished"),
    }
}

/// The main settings of a spec, as a definition list.
pub fn spec_view(spec: EnvironmentSpec) -> impl IntoView {
    let ce = &spec.compute_environment;
    let rows = [
        ("ECS cluster", spec.cluster.name.clone()),
        ("Compute environment", ce.name.clone()),
        ("Compute type", ce.compute_type.as_aws().to_owned()),
        ("Max vCPUs", ce.max_vcpus.to_string()),
        ("Subnets", ce.subnets.join(", ")),
        ("Security groups", ce.security_group_ids.join(", ")),
        (
            "Batch service role",
            ce.service_role
                .clone()
                .unwrap_or_else(|| "service-linked role".into()),
        ),
        (
            "Job queue",
            spec.job_queue
                .as_ref()
                .map_or_else(|| "none".into(), |q| q.name.clone()),
        ),
        (
            "Queue priority",
            spec.job_queue
                .as_ref()
                .map(|q| q.priority.to_string())
                .unwrap_or_default(),
        ),
    ];
    view! {
        <dl class="settings">
            {rows.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
        </dl>
    }
}

fn step_view(
    s: &Step,
    requests: Vec<AwsRequest>,
    all_settings: Vec<(String, String)>,
) -> impl IntoView + use<> {
    let class = match s.action {
        Action::Create => "step create",
        Action::Update => "step update",
        Action::Replace => "step replace",
        Action::NoChange => "step same",
        Action::Delete => "step delete",
    };
    let order = s.replace_order.map(|o| match o {
        ReplaceOrder::CreateBeforeDelete => {
            "the new one is created first, then the old one deleted"
        }
        ReplaceOrder::DeleteBeforeCreate => {
            "the old one is deleted first (the new one takes its name)"
        }
    });
    view! {
        <li class=class data-kind=s.kind.key() data-action=s.action.label()>
            <strong>{s.action.label()}</strong> " " {s.kind.label()} " " <code>{s.name.clone()}</code>
            {s.note.clone().map(|n| view! { <p class="note">{n}</p> })}
            {order.map(|o| view! { <p class="note">"Replacement: " {o}</p> })}
            <dl class="settings">
                {s.settings.iter().map(|(k, v)| view! { <dt>{k.clone()}</dt><dd>{v.clone()}</dd> }).collect_view()}
            </dl>
            // A create lists every setting above; other steps keep them one click away.
            {(s.action != Action::Create && !all_settings.is_empty()).then(|| view! {
                <details class="all-settings">
                    <summary>{format!("All settings ({})", all_settings.len())}</summary>
                    <dl class="settings">
                        {all_settings.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
                    </dl>
                </details>
            })}
            {(!s.changes.is_empty()).then(|| view! {
                <table class="changes">
                    <thead><tr><th>"Field"</th><th>"Now"</th><th>"After"</th><th>"Why replaced"</th></tr></thead>
                    <tbody>
                        {s.changes.iter().map(|c| view! {
                            <tr>
                                <td><code>{c.field.clone()}</code></td>
                                <td>{c.old.clone().unwrap_or_default()}</td>
                                <td>{c.new.clone().unwrap_or_default()}</td>
                                <td>{c.forces_replacement.clone().unwrap_or_default()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            {requests_view(requests)}
        </li>
    }
}

/// The review page: every step of the plan with the settings it sends, and Apply.
#[component]
pub fn ReviewPage() -> impl IntoView {
    let id = use_param("id");
    let review = Resource::new(move || id.get(), review_environment);
    let apply = ServerAction::<ApplyEnvironment>::new();
    let apply_error = Signal::derive(move || apply.value().get().and_then(Result::err));
    view! {
        <Suspense fallback=|| view! { <p>"Loading..."</p> }>
            {move || Suspend::new(async move {
                let r = match review.await {
                    Ok(r) => r,
                    Err(e) => return error_view(&e),
                };
                let changes = r.plan.has_changes();
                let back = format!("/environments/{}", r.id);
                view! {
                    <div class="title-row">
                        <h1>"Review " {r.spec.name.clone()}</h1>
                        <span class="region">{r.spec.region.clone()}</span>
                    </div>
                    <p>"Nothing is created in AWS until you apply this plan."</p>
                    <ol class="plan" id="plan">
                        {r.plan.steps.iter().zip(r.requests.clone()).zip(r.settings.clone()).map(|((s, requests), all)| step_view(s, requests, all)).collect_view()}
                    </ol>
                    {cost_view(r.cost.clone())}
                    {(!r.warnings.is_empty()).then(|| view! {
                        <h2>"Warnings"</h2>
                        <ul class="warnings" id="warnings">
                            {r.warnings.iter().map(|w| view! {
                                <li data-field=w.field.clone()><code>{w.field.clone()}</code> ": " {w.message.clone()}</li>
                            }).collect_view()}
                        </ul>
                    })}
                    {if changes && r.permissions.apply {
                        view! {
                            <ActionForm action=apply attr:class="form inline" attr:id="apply-form">
                                <input type="hidden" name="id" value=r.id.clone()/>
                                <input type="hidden" name="fingerprint" value=r.fingerprint.clone()/>
                                <FormError error=apply_error/>
                                <button type="submit">"Apply"</button>
                            </ActionForm>
                            {commands_view(r.commands.clone())}
                        }.into_any()
                    } else if changes {
                        view! {
                            <p class="notice" id="read-only">
                                {format!("As {} you can see this plan but not apply it.", r.permissions.role.label())}
                            </p>
                        }.into_any()
                    } else {
                        view! { <p class="notice" id="no-changes">"No changes: AWS already matches this environment."</p> }.into_any()
                    }}
                    <p><a href=back>"Back to the environment"</a></p>
                }.into_any()
            })}
        </Suspense>
    }
}

/// The estimated hourly cost at the environment's maximum size, line by line with the
/// prices used, their sources and dates.
fn cost_view(cost: crate::domain::pricing::CostEstimate) -> AnyView {
    view! {
        <section id="cost" aria-label="Estimated cost">
            <h2>"Estimated cost at maximum size"</h2>
            <p id="cost-total"><strong>{format!("at most ${:.2} per hour", cost.total_usd_per_hour)}</strong>
                " (on-demand list prices; the compute environment at its max vCPUs, the Auto Scaling group at its maximum size)"</p>
            <ul class="cost-lines">
                {cost.lines.into_iter().map(|l| view! {
                    <li>
                        {format!("{}: ${:.2}/h = {}", l.what, l.usd_per_hour, l.basis)}
                        <br/><small class="notice">{format!("Prices: {}", l.sources.join("; "))}</small>
                    </li>
                }).collect_view()}
                {cost.missing.into_iter().map(|m| view! { <li class="missing">{format!("Not priced: {m}")}</li> }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}
