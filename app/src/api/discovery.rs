//! Discovery for the wizard's pickers.

use leptos::prelude::*;

use super::error::AppError;
use crate::domain::discovery::Discovery;

/// What exists in `region` of the console's account: VPCs, subnets (with their zone),
/// security groups, Auto Scaling groups (and the capacity provider using each), IAM
/// roles (with the services they trust) and instance profiles, instance types offered
/// (GPU ones marked). Signed-in users only.
#[server(endpoint = "discover")]
pub async fn discover(region: String) -> Result<Discovery, AppError> {
    use super::ssr::{require_user, respond, services};
    respond(async {
        require_user().await?;
        let region = region.trim();
        if !crate::domain::regions::is_known(region) {
            return Err(AppError::invalid(
                "region",
                "aws.region",
                format!("{region} is not an AWS region this console knows"),
            ));
        }
        services()?
            .cloud
            .discover(region)
            .await
            .map_err(|e| AppError::Aws(format!("discover what exists in {region}: {e}")))
    })
    .await
}
