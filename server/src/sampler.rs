//! The capacity sampler: every `--capacity-sample-seconds` it reads the capacity of each
//! environment that has resources in AWS and keeps it for the capacity view's charts;
//! samples older than two days are forgotten. Each replica samples (a second sample at
//! the same second replaces the first).

use std::sync::Arc;
use std::time::Duration;

use app::engine::{Cloud, Store};
use tracing::{Instrument, info_span, warn};

/// How long samples are kept.
const KEEP_SECONDS: i64 = 2 * 86_400;
/// At most this many environments are read at once.
const CONCURRENCY: usize = 4;

/// The running sampler; stops when dropped.
#[derive(Debug)]
pub struct Sampler(tokio::task::JoinHandle<()>);

impl Drop for Sampler {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts sampling every `every` (the first round after one interval).
pub fn start(store: Arc<dyn Store>, cloud: Arc<dyn Cloud>, every: Duration) -> Sampler {
    Sampler(tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let started = std::time::Instant::now();
            let sampled = round(&*store, &cloud)
                .instrument(info_span!("capacity_sampler"))
                .await;
            let took = started.elapsed();
            if took > every {
                warn!(
                    environments = sampled,
                    seconds = took.as_secs_f64(),
                    period = every.as_secs(),
                    "the capacity sampler is behind: a round took longer than \
                     --capacity-sample-seconds (charts get fewer samples)"
                );
            }
        }
    }))
}

/// One round: prune, then sample every environment with resources; returns how many
/// environments it read. Its length and size are metrics
/// (`console_capacity_sampler_round_seconds`, `console_capacity_sampler_environments`).
pub async fn round(store: &dyn Store, cloud: &Arc<dyn Cloud>) -> usize {
    let started = std::time::Instant::now();
    if let Err(e) = store
        .prune_capacity(&app::engine::seconds_from_now(-KEEP_SECONDS))
        .await
    {
        warn!(error = %e, "could not prune capacity samples");
    }
    let ids = match store.environments_to_sample().await {
        Ok(ids) => ids,
        Err(e) => {
            warn!(error = %e, "could not list the environments to sample");
            return 0;
        }
    };
    let count = ids.len();
    use futures::StreamExt as _;
    futures::stream::iter(ids)
        .for_each_concurrent(CONCURRENCY, |id| async move {
            let result = sample_one(store, cloud, &id).await;
            let outcome = if result.is_ok() { "ok" } else { "error" };
            metrics::counter!("console_capacity_samples_total", "result" => outcome).increment(1);
            if let Err(e) = result {
                warn!(environment = %id, error = %e, "capacity sample failed");
            }
        })
        .await;
    metrics::gauge!("console_capacity_sampler_environments").set(count as f64);
    metrics::histogram!("console_capacity_sampler_round_seconds")
        .record(started.elapsed().as_secs_f64());
    count
}

async fn sample_one(store: &dyn Store, cloud: &Arc<dyn Cloud>, id: &str) -> Result<(), String> {
    let Some(env) = store.get_environment(id).await.map_err(|e| e.to_string())? else {
        return Ok(());
    };
    let cloud = match &env.spec.assume_role {
        None => cloud.clone(),
        Some(role) => cloud
            .assume(role, &app::engine::session_name("capacity-sampler"))
            .await
            .map_err(|e| e.to_string())?,
    };
    app::engine::sample_capacity(&*cloud, store, &env)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}
