//! The capacity view: what the environment's compute can run now, and charts over the
//! last hour or day from the samples the server keeps.

use leptos::prelude::*;

use super::error::AppError;
use super::types::CapacityPage;

/// The capacity now (read from AWS, and kept as a sample when the newest is older than
/// [`Services::capacity_view_every`](super::ssr::Services)) and the charts of the
/// `window` (`hour`, the default, or `day`).
#[server(endpoint = "get_capacity")]
pub async fn get_capacity(id: String, window: Option<String>) -> Result<CapacityPage, AppError> {
    use super::ssr::{authorize, cloud_for, respond, services};
    use crate::domain::Operation;
    use crate::domain::capacity::{charts, throughput};
    respond(async {
        let services = services()?;
        let access = authorize(&services, &id, Operation::View).await?;
        let env = &access.env;
        let (window, span) = match window.as_deref().map(str::trim) {
            None | Some("") | Some("hour") => ("hour", 3600),
            Some("day") => ("day", 86_400),
            Some(other) => {
                return Err(AppError::invalid(
                    "window",
                    "console.capacity-window",
                    format!("'{other}' is not a window: hour or day"),
                ));
            }
        };
        let cloud = cloud_for(&services, &env.spec, &access.user.username).await?;
        let (now, aws_error) = match crate::engine::sample_capacity_for_view(
            &*cloud,
            &*services.store,
            env,
            services.capacity_view_every,
        )
        .await
        {
            Ok(s) => (Some(s), None),
            Err(crate::engine::EngineError::Store(e)) => return Err(e.into()),
            Err(e) => (None, Some(e.to_string())),
        };
        let at = crate::engine::now_seconds();
        let since = crate::engine::seconds_from_now(-span);
        let samples = services.store.capacity_samples(&env.id, &since).await?;
        let mut charts = charts(&samples, &at, span as f64);
        let (tasks, jobs, throughput_error) = match &now {
            Some(now) => lifetimes(&*cloud, &env.spec, now).await,
            None => (Vec::new(), Vec::new(), None),
        };
        charts.extend(throughput(&tasks, &jobs, &at, span as f64));
        let aws_error = aws_error.or(throughput_error);
        let charts = charts
            .iter()
            .map(super::charts::render)
            .collect::<Result<Vec<_>, _>>()
            .map_err(super::ssr::internal)?;
        Ok(CapacityPage {
            id: env.id.clone(),
            name: env.spec.name.clone(),
            now,
            aws_error,
            window: window.to_owned(),
            samples: samples.len(),
            charts,
        })
    })
    .await
}

/// The most job pages (of 100) the throughput chart reads.
#[cfg(feature = "ssr")]
const JOB_PAGES: usize = 10;

/// The lifetimes of the cluster's tasks and of the queue's jobs (at most
/// [`JOB_PAGES`] pages), for the throughput charts; what could not be read is said.
#[cfg(feature = "ssr")]
async fn lifetimes(
    cloud: &dyn crate::engine::Cloud,
    spec: &crate::domain::EnvironmentSpec,
    now: &crate::domain::capacity::CapacitySample,
) -> (
    Vec<crate::domain::capacity::Lifetime>,
    Vec<crate::domain::capacity::Lifetime>,
    Option<String>,
) {
    use crate::domain::capacity::Lifetime;
    use crate::domain::queue::JobListQuery;
    let mut error = None;
    let mut tasks = Vec::new();
    if now.cluster.is_some() {
        match cloud.list_tasks(&spec.region, &spec.cluster.name).await {
            Ok(list) => {
                tasks = list
                    .into_iter()
                    .map(|t| Lifetime {
                        created: t.created_at,
                        started: t.started_at,
                        stopped: t.stopped_at,
                    })
                    .collect();
            }
            Err(e) => error = Some(format!("throughput: {e}")),
        }
    }
    let mut jobs = Vec::new();
    if let (Some(queue), Some(_)) = (&spec.job_queue, &now.compute_environment) {
        let mut query = JobListQuery {
            queue: queue.name.clone(),
            state: None,
            name_prefix: None,
            max_results: 100,
            next_token: None,
        };
        for _ in 0..JOB_PAGES {
            match cloud.list_jobs(&spec.region, &query).await {
                Ok((page, next)) => {
                    jobs.extend(page.into_iter().map(|j| Lifetime {
                        created: j.created_at,
                        started: j.started_at,
                        stopped: j.stopped_at,
                    }));
                    match next {
                        Some(token) => query.next_token = Some(token),
                        None => break,
                    }
                }
                Err(e) => {
                    error = Some(format!("throughput: {e}"));
                    break;
                }
            }
        }
    }
    (tasks, jobs, error)
}
