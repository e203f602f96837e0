//! The capacity view: the compute environment, the Auto Scaling group, the capacity
//! provider and the cluster now, and charts over the last hour or day (SVG drawn by the
//! server; the stylesheet repaints it in a dark colour scheme).

use leptos::prelude::*;

use super::widgets::{error_view, use_param};
use crate::api::capacity::get_capacity;
use crate::api::types::CapacityPage;
use crate::domain::capacity::CapacitySample;

/// `/environments/:id/capacity?window=hour|day`
#[component]
pub fn CapacityPage() -> impl IntoView {
    let id = use_param("id");
    let query = leptos_router::hooks::use_query_map();
    let tick = RwSignal::new(0_u32);
    let page = Resource::new(
        move || {
            let window = query.with(|q| q.get("window").filter(|w| !w.is_empty()));
            (id.get(), window, tick.get())
        },
        |(id, window, _)| get_capacity(id, window),
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading..."</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => page_view(p, tick),
                    Err(e) => error_view(&e),
                }
            })}
        </Transition>
    }
}

fn page_view(p: CapacityPage, tick: RwSignal<u32>) -> AnyView {
    let base = format!("/environments/{}/capacity", p.id);
    let head = view! {
        <div class="title-row">
            <h1>"Capacity"</h1>
            <a href=format!("/environments/{}", p.id) id="environment-link">{format!("Back to {}", p.name)}</a>
        </div>
        {p.aws_error.clone().map(|e| view! { <p class="form-error" id="aws-error">"Could not read AWS: " {e}</p> })}
        <p class="notice">
            "Now, as AWS reports it. "
            <button type="button" class="link" id="capacity-refresh" on:click=move |_| tick.update(|t| *t += 1)>"Read again"</button>
        </p>
    }
    .into_any();
    let now = p.now.clone().map(now_view);
    let windows = view! {
        <nav class="status-counts" aria-label="Chart window" id="capacity-window">
            <a href=format!("{base}?window=hour") aria-current=(p.window == "hour").then_some("page")>"Last hour"</a>
            <a href=format!("{base}?window=day") aria-current=(p.window == "day").then_some("page")>"Last day"</a>
        </nav>
        <p class="notice" id="sample-count">{format!("{} sample(s) in this window.", p.samples)}</p>
    }
    .into_any();
    let charts = view! {
        <div class="charts" id="charts">
            {p.charts.into_iter().map(|c| view! {
                <figure class="chart" data-chart=c.title.clone()>
                    <div class="chart-svg" role="img" aria-label=c.title.clone() inner_html=c.svg></div>
                </figure>
            }).collect_view()}
        </div>
    }
    .into_any();
    view! { {head} {now} <h2>"Over time"</h2> {windows} {charts} }.into_any()
}

fn row(label: &'static str, value: String) -> impl IntoView {
    view! { <tr><th scope="row">{label}</th><td>{value}</td></tr> }
}

fn now_view(s: CapacitySample) -> impl IntoView {
    let ce = s.compute_environment.map(|c| {
        view! {
            <section class="card" id="now-compute-environment">
                <h2>"Batch compute environment"</h2>
                <table class="facts"><tbody>
                    {row("Status", format!("{} ({})", c.status, c.state))}
                    {row("vCPUs min / desired / max", format!("{} / {} / {}", c.min_vcpus, c.desired_vcpus, c.max_vcpus))}
                </tbody></table>
            </section>
        }
    });
    let group = s.group.map(|g| {
        view! {
            <section class="card" id="now-group">
                <h2>"Auto Scaling group"</h2>
                <table class="facts"><tbody>
                    {row("Desired / min / max", format!("{} / {} / {}", g.desired, g.min, g.max))}
                    {row("In service", g.in_service.to_string())}
                    {row("Pending", g.pending.to_string())}
                </tbody></table>
            </section>
        }
    });
    let provider = s.provider.map(|p| {
        view! {
            <section class="card" id="now-provider">
                <h2>"Capacity provider"</h2>
                <table class="facts"><tbody>
                    {row("Managed scaling", if p.managed_scaling { "enabled".into() } else { "disabled".into() })}
                    {row("Target capacity", format!("{}%", p.target_capacity))}
                    {row("Reservation (computed)", format!("{}%", p.reservation))}
                </tbody></table>
            </section>
        }
    });
    let cluster = s.cluster.map(|c| {
        view! {
            <section class="card" id="now-cluster">
                <h2>"ECS cluster"</h2>
                <table class="facts"><tbody>
                    {row("Status", c.status.clone())}
                    {row("Registered instances", c.registered_instances.to_string())}
                    {row("Running tasks", c.running_tasks.to_string())}
                    {row("Pending tasks", c.pending_tasks.to_string())}
                    {row("Tasks' demand (CPU units / MiB)", format!("{} / {}", c.demand.0, c.demand.1))}
                    {row("Instances' capacity (CPU units / MiB)", format!("{} / {}", c.supply.0, c.supply.1))}
                </tbody></table>
            </section>
        }
    });
    view! { <div class="cards" id="capacity-now">{ce} {group} {provider} {cluster}</div> }
}
