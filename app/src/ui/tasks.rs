//! The task view of an environment's ECS cluster: tasks by status, filter and search,
//! detail, run tasks, stop selected tasks, and why tasks wait.
//!
//! The filter is a GET form and the pages plain links; run and stop are `ActionForm`s:
//! all work before the WASM loads.

use leptos::prelude::*;

use super::widgets::{
    FieldError, FormError, commands_view, error_view, requests_view, short_time, urlencode,
    use_param,
};
use crate::api::tasks::{RunTasks, StopTasks, list_tasks};
use crate::api::types::{RunTasksResult, StopTasksResult, TaskPage};
use crate::domain::tasks::{Diagnosis, TaskStatus, TaskSummary};

/// `/environments/:id/tasks?status=..&q=..&page=..`
#[component]
pub fn TasksPage() -> impl IntoView {
    let id = use_param("id");
    let query = leptos_router::hooks::use_query_map();
    let tick = RwSignal::new(0_u32);
    let run = ServerAction::<RunTasks>::new();
    let stop = ServerAction::<StopTasks>::new();
    Effect::new(move |_| {
        if run.version().get() + stop.version().get() > 0 {
            tick.update(|t| *t += 1);
        }
    });
    let page = Resource::new(
        move || {
            let (status, search, page) = query.with(|q| {
                (
                    q.get("status").filter(|s| !s.is_empty()),
                    q.get("q").filter(|s| !s.is_empty()),
                    q.get("page").and_then(|p| p.parse::<usize>().ok()),
                )
            });
            (id.get(), status, search, page, tick.get())
        },
        |(id, status, search, page, _)| list_tasks(id, status, search, page),
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading..."</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => page_view(p, run, stop, tick),
                    Err(e) => error_view(&e),
                }
            })}
        </Transition>
    }
}

fn page_view(
    p: TaskPage,
    run: ServerAction<RunTasks>,
    stop: ServerAction<StopTasks>,
    tick: RwSignal<u32>,
) -> AnyView {
    let base = format!("/environments/{}/tasks", p.id);
    let filter_link = {
        let base = base.clone();
        let search = p.search.clone();
        move |status: Option<TaskStatus>| {
            let mut q = Vec::new();
            if let Some(s) = status {
                q.push(format!("status={}", s.key()));
            }
            if !search.is_empty() {
                q.push(format!("q={}", urlencode(&search)));
            }
            if q.is_empty() {
                base.clone()
            } else {
                format!("{base}?{}", q.join("&"))
            }
        }
    };
    let total: usize = p.counts.iter().map(|(_, n)| n).sum();
    let head = view! {
        <div class="title-row">
            <h1>"Tasks"</h1>
            <span class="region">{format!("cluster {}", p.cluster)}</span>
            <a href=format!("/environments/{}", p.id) id="environment-link">{format!("Back to {}", p.name)}</a>
        </div>
        <nav class="status-counts" aria-label="Tasks by status" id="task-counts">
            <a href=filter_link(None) data-status="ALL" aria-current=p.status.is_none().then_some("page")>
                {format!("All {total}")}
            </a>
            {p.counts.iter().map(|(s, n)| view! {
                <a href=filter_link(Some(*s)) data-status=s.key() data-count=n.to_string()
                    aria-current=(p.status == Some(*s)).then_some("page")>
                    {format!("{} {n}", s.key())}
                </a>
            }).collect_view()}
        </nav>
        {p.aws_error.clone().map(|e| view! { <p class="form-error" id="aws-error">"Could not read the tasks from AWS: " {e}</p> })}
        {diagnoses_view(&p.diagnoses, "waiting-diagnoses")}
    }
    .into_any();
    let runner = if p.permissions.submit && p.family.is_some() {
        // Open while the cluster has no tasks; a click away once it has.
        run_form(&p, run, total == 0).into_any()
    } else if p.family.is_none() {
        view! { <p class="notice" id="no-task-definition">"This environment has no task definition: add one to its spec to run tasks."</p> }.into_any()
    } else {
        ().into_any()
    };
    let stop_result = Signal::derive(move || stop.value().get().and_then(Result::ok));
    let stop_error = Signal::derive(move || stop.value().get().and_then(Result::err));
    let can_stop = p.permissions.cancel;
    let filter = view! {
        <form method="get" action=base.clone() class="search" role="search" id="task-filter">
            <label for="task-status">"Status"</label>
            <select id="task-status" name="status">
                <option value="" selected=p.status.is_none()>"Any"</option>
                {TaskStatus::ALL.into_iter().map(|s| view! {
                    <option value=s.key() selected=p.status == Some(s)>{s.key()}</option>
                }).collect_view()}
            </select>
            <label for="task-search">"Id, definition or starter contains"</label>
            <input id="task-search" name="q" type="search" value=p.search.clone()/>
            <button type="submit">"Filter"</button>
            <button type="button" class="link" on:click=move |_| tick.update(|t| *t += 1)>"Refresh"</button>
        </form>
    }
    .into_any();
    let pager = (p.pages > 1).then(|| {
        let link = |page: usize| {
            let mut q = vec![format!("page={page}")];
            if let Some(s) = p.status {
                q.push(format!("status={}", s.key()));
            }
            if !p.search.is_empty() {
                q.push(format!("q={}", urlencode(&p.search)));
            }
            format!("{base}?{}", q.join("&"))
        };
        view! {
            <nav class="pager" aria-label="Pages">
                {(p.page > 1).then(|| view! { <a rel="prev" href=link(p.page - 1)>"Previous"</a> })}
                <span>{format!("Page {} of {} ({} tasks)", p.page, p.pages, p.matching)}</span>
                {(p.page < p.pages).then(|| view! { <a rel="next" href=link(p.page + 1)>"Next"</a> })}
            </nav>
        }
    });
    let table = if p.items.is_empty() {
        view! { <p class="notice" id="no-tasks">"No tasks match."</p> }.into_any()
    } else {
        let id = p.id.clone();
        view! {
            <ActionForm action=stop attr:id="stop-form" attr:class="form wide">
                <input type="hidden" name="id" value=id/>
                <table class="list" id="tasks">
                    <thead><tr>
                        <th><span class="visually-hidden">"Select"</span></th>
                        <th>"Task"</th><th>"Status"</th><th>"Desired"</th><th>"Definition"</th>
                        <th>"Placed on"</th><th>"Started by"</th><th>"Created"</th><th>"Detail"</th>
                    </tr></thead>
                    <tbody>
                        {p.items.into_iter().enumerate().map(|(i, t)| task_row(i, t, can_stop)).collect_view()}
                    </tbody>
                </table>
                {can_stop.then(|| view! {
                    <label>"Reason (shown as the tasks' stop reason)"
                        <input type="text" name="reason" id="stop-reason" maxlength="255"/>
                    </label>
                    <FieldError field="reason" message=Signal::derive(move || stop_error.get().and_then(|e| e.problem_for("reason")))/>
                    <FieldError field="tasks" message=Signal::derive(move || stop_error.get().and_then(|e| e.problem_for("tasks")))/>
                    <FormError error=stop_error/>
                    <button type="submit" id="stop-selected">"Stop selected tasks"</button>
                })}
                {move || stop_result.get().map(stop_result_view)}
            </ActionForm>
        }
        .into_any()
    };
    view! { {head} {runner} <h2>"Tasks"</h2> {filter} {table} {pager} }.into_any()
}

fn task_row(i: usize, t: TaskSummary, can_stop: bool) -> impl IntoView {
    let stoppable = t.status.is_some_and(TaskStatus::stoppable);
    let definition = t
        .task_definition_arn
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let placed = t
        .capacity_provider
        .clone()
        .or_else(|| t.launch_type.clone())
        .unwrap_or_default();
    let id = t.id().to_owned();
    let time = |v: &Option<String>| v.as_deref().map(short_time).unwrap_or_default();
    let detail = view! {
        <details>
            <summary>"Detail"</summary>
            <dl class="task-detail">
                <dt>"ARN"</dt><dd class="arn">{t.arn.clone()}</dd>
                <dt>"Capacity provider"</dt><dd>{t.capacity_provider.clone().unwrap_or_else(|| "none".into())}</dd>
                <dt>"Launch type"</dt><dd>{t.launch_type.clone().unwrap_or_default()}</dd>
                <dt>"Container instance"</dt><dd class="arn">{t.container_instance_arn.clone().unwrap_or_else(|| "none".into())}</dd>
                <dt>"Started at"</dt><dd>{time(&t.started_at)}</dd>
                <dt>"Stopped at"</dt><dd>{time(&t.stopped_at)}</dd>
                <dt>"Stop code"</dt><dd class="stop-code">{t.stop_code.clone().unwrap_or_default()}</dd>
                <dt>"Stop reason"</dt><dd class="stop-reason">{t.stopped_reason.clone().unwrap_or_default()}</dd>
                {t.containers.iter().map(|c| view! {
                    <dt>{format!("Container {}", c.name)}</dt>
                    <dd>{format!(
                        "{}{}{}",
                        c.last_status,
                        c.exit_code.map(|e| format!(", exit code {e}")).unwrap_or_default(),
                        c.reason.as_ref().map(|r| format!(", {r}")).unwrap_or_default()
                    )}</dd>
                }).collect_view()}
            </dl>
        </details>
    }
    .into_any();
    view! {
        <tr data-task=id.clone() data-status=t.raw_status.clone()>
            <td>{(can_stop && stoppable).then(|| view! {
                <input type="checkbox" name=format!("tasks[{i}]") value=t.arn.clone()
                    aria-label=format!("Select task {id}")/>
            })}</td>
            <td><code>{id.clone()}</code></td>
            <td class="status">{t.raw_status.clone()}</td>
            <td>{t.desired_status.clone()}</td>
            <td>{definition}</td>
            <td>{placed}</td>
            <td>{t.started_by.clone().unwrap_or_default()}</td>
            <td>{time(&t.created_at)}</td>
            <td>{detail}</td>
        </tr>
    }
}

fn diagnoses_view(diagnoses: &[Diagnosis], id: &'static str) -> Option<AnyView> {
    (!diagnoses.is_empty()).then(|| {
        view! {
            <section class="diagnoses" id=id aria-label="Why tasks are not running">
                <h2>"Why tasks are not running"</h2>
                <ul>
                    {diagnoses.iter().map(|d| view! {
                        <li data-diagnosis=d.key.clone()>
                            <strong>{d.problem.clone()}</strong>
                            <br/>
                            <span>{format!("Check: {}", d.check)}</span>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        }
        .into_any()
    })
}

fn stop_result_view(r: StopTasksResult) -> impl IntoView {
    view! {
        <p class="notice" id="stop-result" role="status">
            {format!("Stopped {} task(s).", r.stopped)}
        </p>
        {(!r.errors.is_empty()).then(|| view! {
            <ul class="form-error">{r.errors.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul>
        })}
        {commands_view(vec![r.command])}
        {requests_view(r.requests)}
    }
}

fn run_result_view(r: RunTasksResult) -> impl IntoView {
    view! {
        <div id="run-result" role="status">
            <p class="notice">{format!(
                "Started {} of {} task(s) in {} RunTask call(s).",
                r.started, r.requested, r.calls
            )}</p>
            {r.error.map(|e| view! { <p class="form-error" id="run-error">{e}</p> })}
            {(!r.failures.is_empty()).then(|| view! {
                <ul class="failures" id="run-failures">
                    {r.failures.into_iter().map(|f| view! {
                        <li>{format!("{}{}", f.reason, f.detail.map(|d| format!(" ({d})")).unwrap_or_default())}</li>
                    }).collect_view()}
                </ul>
            })}
            {diagnoses_view(&r.diagnoses, "run-diagnoses")}
            {commands_view(vec![r.command])}
            {requests_view(r.requests)}
        </div>
    }
}

fn run_form(p: &TaskPage, run: ServerAction<RunTasks>, open: bool) -> impl IntoView {
    let error = Signal::derive(move || run.value().get().and_then(Result::err));
    let result = Signal::derive(move || run.value().get().and_then(Result::ok));
    let message = move |field: &'static str| {
        Signal::derive(move || error.get().and_then(|e| e.problem_for(field)))
    };
    let default_placement = if p.cluster_strategy {
        "default"
    } else if p.fargate {
        "fargate"
    } else {
        "strategy"
    };
    let family = p.family.clone().unwrap_or_default();
    let (cluster_strategy, fargate, id) = (p.cluster_strategy, p.fargate, p.id.clone());
    let placement = view! {
        <label>"Placement"
            <select name="form[placement]" id="run-placement">
                <option value="default" selected=default_placement == "default" disabled=!cluster_strategy>
                    "The cluster's default capacity provider strategy"
                </option>
                <option value="fargate" selected=default_placement == "fargate" disabled=!fargate>"Fargate"</option>
                <option value="strategy" selected=default_placement == "strategy">"Capacity providers named below"</option>
            </select>
        </label>
        <FieldError field="placement" message=message("placement")/>
        <label>"Capacity provider strategy (provider:weight[:base], comma-separated)"
            <input type="text" name="form[strategy]" id="run-strategy" placeholder="FARGATE:1"/>
        </label>
        <FieldError field="strategy" message=message("strategy")/>
    }
    .into_any();
    let overrides = view! {
        <fieldset>
            <legend>"Container overrides (empty: the task definition's)"</legend>
            <label>"Command (words, or a JSON array)"
                <input type="text" name="form[command]" id="run-command"/>
            </label>
            <FieldError field="command" message=message("command")/>
            <label>"Environment (KEY=value, one per line)"
                <textarea name="form[environment]" id="run-environment" rows="3"></textarea>
            </label>
            <FieldError field="environment" message=message("environment")/>
            <div class="row">
                <label>"CPU units" <input type="text" inputmode="numeric" name="form[cpu]" id="run-cpu"/></label>
                <label>"Memory (MiB)" <input type="text" inputmode="numeric" name="form[memory]" id="run-memory"/></label>
                <label>"GPUs" <input type="text" inputmode="numeric" name="form[gpus]" id="run-gpus"/></label>
            </div>
            <FieldError field="cpu" message=message("cpu")/>
            <FieldError field="memory" message=message("memory")/>
            <FieldError field="gpus" message=message("gpus")/>
        </fieldset>
        <fieldset>
            <legend>"Network (awsvpc; empty: the environment's subnets and security groups)"</legend>
            <label>"Subnets" <input type="text" name="form[subnets]" id="run-subnets"/></label>
            <FieldError field="subnets" message=message("subnets")/>
            <label>"Security groups" <input type="text" name="form[security_groups]" id="run-security-groups"/></label>
            <FieldError field="security_groups" message=message("security_groups")/>
            <label class="checkbox"><input type="checkbox" name="form[public_ip]" value="true" id="run-public-ip"/>"Assign a public IP"</label>
        </fieldset>
    }
    .into_any();
    view! {
        <details class="panel" id="run-panel" open=open>
            <summary><h2>"Run tasks"</h2></summary>
            <ActionForm action=run attr:class="form" attr:id="run-form">
                <input type="hidden" name="id" value=id/>
                <p>{format!("Task definition {family}; started tasks are tagged with your user name.")}</p>
                <div class="row">
                    <label>"Count (1-100)"
                        <input type="text" inputmode="numeric" name="form[count]" id="run-count" value="1"/>
                    </label>
                    <label>"Revision (empty: latest)"
                        <input type="text" inputmode="numeric" name="form[revision]" id="run-revision"/>
                    </label>
                </div>
                <FieldError field="count" message=message("count")/>
                <FieldError field="revision" message=message("revision")/>
                <FieldError field="task_definition" message=message("task_definition")/>
                {placement}
                {overrides}
                <FormError error/>
                <button type="submit" id="run-submit">"Run tasks"</button>
            </ActionForm>
        </details>
        {move || result.get().map(run_result_view)}
    }
}
