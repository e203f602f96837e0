//! The capacity view: what the environment's compute can run now, and charts over the
//! last hour or day from the samples the server keeps.

use leptos::prelude::*;

use super::error::AppError;
use super::types::CapacityPage;

/// The capacity now (read from AWS, and kept as a sample) and the charts of the
/// `window` (`hour`, the default, or `day`).
#[server(endpoint = "get_capacity")]
pub async fn get_capacity(id: String, window: Option<String>) -> Result<CapacityPage, AppError> {
    use super::ssr::{authorize, cloud_for, respond, services};
    use crate::domain::Operation;
    use crate::domain::capacity::charts;
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
        let (now, aws_error) =
            match crate::engine::sample_capacity(&*cloud, &*services.store, env).await {
                Ok(s) => (Some(s), None),
                Err(crate::engine::EngineError::Store(e)) => return Err(e.into()),
                Err(e) => (None, Some(e.to_string())),
            };
        let at = crate::engine::now_seconds();
        let since = crate::engine::seconds_from_now(-span);
        let samples = services.store.capacity_samples(&env.id, &since).await?;
        let charts = charts(&samples, &at, span as f64)
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
