//! Capacity samples: what an environment's compute can run now, read through the cloud
//! port and kept in the store for the capacity view's charts.

use std::time::Duration;

use super::error::EngineError;
use super::ports::{Cloud, EnvironmentRecord, Store};
use crate::domain::capacity::{CapacitySample, CapacityTargets};

/// Reads the environment's capacity now and keeps it as a sample (the sampler's round).
pub async fn sample(
    cloud: &dyn Cloud,
    store: &dyn Store,
    env: &EnvironmentRecord,
) -> Result<CapacitySample, EngineError> {
    let sample = read(cloud, env).await?;
    store.record_capacity(&env.id, &sample).await?;
    Ok(sample)
}

/// Reads the environment's capacity now for a view, and keeps it as a sample only when
/// no sample younger than `every` is kept: however many people watch an environment,
/// their views add at most one sample per `every` (the charts' cost grows with samples).
pub async fn sample_for_view(
    cloud: &dyn Cloud,
    store: &dyn Store,
    env: &EnvironmentRecord,
    every: Duration,
) -> Result<CapacitySample, EngineError> {
    let sample = read(cloud, env).await?;
    // Times are whole seconds: a sample is younger than `every` when it was taken at most
    // `every - 1` seconds before this second (at most a year: a longer `every` is the same).
    let back = every.as_secs().saturating_sub(1).min(365 * 86_400);
    let since = super::seconds_from_now(-i64::try_from(back).unwrap_or(0));
    if store.capacity_samples(&env.id, &since).await?.is_empty() {
        store.record_capacity(&env.id, &sample).await?;
    }
    Ok(sample)
}

async fn read(cloud: &dyn Cloud, env: &EnvironmentRecord) -> Result<CapacitySample, EngineError> {
    let mut sample = cloud
        .read_capacity(&env.spec.region, &CapacityTargets::of(&env.spec))
        .await
        .map_err(|source| EngineError::Aws {
            step: "read the capacity".into(),
            source,
        })?;
    sample.at = super::now_seconds();
    Ok(sample)
}
