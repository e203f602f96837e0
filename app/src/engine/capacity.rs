//! Capacity samples: what an environment's compute can run now, read through the cloud
//! port and kept in the store for the capacity view's charts.

use super::error::EngineError;
use super::ports::{Cloud, EnvironmentRecord, Store};
use crate::domain::capacity::{CapacitySample, CapacityTargets};

/// Reads the environment's capacity now and keeps it as a sample.
pub async fn sample(
    cloud: &dyn Cloud,
    store: &dyn Store,
    env: &EnvironmentRecord,
) -> Result<CapacitySample, EngineError> {
    let mut sample = cloud
        .read_capacity(&env.spec.region, &CapacityTargets::of(&env.spec))
        .await
        .map_err(|source| EngineError::Aws {
            step: "read the capacity".into(),
            source,
        })?;
    sample.at = super::now_seconds();
    store.record_capacity(&env.id, &sample).await?;
    Ok(sample)
}
