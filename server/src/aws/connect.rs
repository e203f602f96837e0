//! Choosing and configuring the AWS the console talks to: real AWS through the standard
//! credential chain, or the local emulator.

use std::time::Duration;

use app::api::types::AwsInfo;
use app::engine::Cloud;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use tracing::{info, warn};

use super::AwsCloud;
use crate::config::{AwsMode, Config};
use crate::emulator::{Emulator, EmulatorError};

/// The AWS side, ready to use.
#[derive(Debug)]
pub struct AwsSetup {
    /// The port implementation.
    pub cloud: AwsCloud,
    /// What the header shows.
    pub info: AwsInfo,
    /// The emulator child process, kept alive for the server's lifetime.
    pub emulator: Option<Emulator>,
}

/// Attempts per AWS call (the SDK's standard retry mode: exponential back-off with
/// jitter from 1 s, at most 20 s, on throttling, 5xx and connection errors). The
/// default of 3 gives up too soon under sustained throttling of a large apply.
pub const AWS_MAX_ATTEMPTS: u32 = 8;

/// Loads the SDK configuration: the standard chain for real AWS, or static test
/// credentials and `endpoint` for the emulator.
pub async fn sdk_config(endpoint: Option<&str>, region: Option<&str>) -> SdkConfig {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .retry_config(
            aws_config::retry::RetryConfig::standard().with_max_attempts(AWS_MAX_ATTEMPTS),
        );
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_owned()));
    }
    if let Some(endpoint) = endpoint {
        loader = loader
            .endpoint_url(endpoint)
            .credentials_provider(Credentials::new(
                "testing", "testing", None, None, "emulator",
            ));
        if region.is_none() {
            loader = loader.region(Region::from_static("us-east-1"));
        }
    }
    loader.load().await
}

/// Whether the standard credential chain yields credentials (within a few seconds).
async fn has_credentials(config: &SdkConfig) -> bool {
    let Some(provider) = config.credentials_provider() else {
        return false;
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(5), provider.provide_credentials()).await,
        Ok(Ok(_))
    )
}

/// Decides real AWS or emulator per `config`, starts the emulator if needed, and reads
/// the caller identity for the header.
pub async fn connect(config: &Config) -> Result<AwsSetup, EmulatorError> {
    let mut emulator = None;
    let endpoint = config.aws_endpoint_url.clone();
    let real = if endpoint.is_some() || config.aws == AwsMode::Emulator {
        None
    } else {
        let sdk = sdk_config(None, config.default_region.as_deref()).await;
        if config.aws == AwsMode::Real || has_credentials(&sdk).await {
            Some(sdk)
        } else {
            info!("no AWS credentials found: using the local AWS emulator");
            None
        }
    };
    let sandbox = real.is_none();
    let sdk = match real {
        Some(sdk) => sdk,
        None => {
            let endpoint = match endpoint {
                Some(e) => e,
                None => {
                    let e = Emulator::start(&config.moto_server).await?;
                    let url = e.endpoint.clone();
                    info!(endpoint = %url, "started the local AWS emulator");
                    emulator = Some(e);
                    url
                }
            };
            sdk_config(Some(&endpoint), config.default_region.as_deref()).await
        }
    };
    let default_region = sdk
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "us-east-1".into());
    let cloud = AwsCloud::new(sdk.clone());
    let (account, principal, identity_error) = match cloud.identity().await {
        Ok(id) => (Some(id.account), Some(id.arn), None),
        Err(e) => {
            warn!(error = %e, "could not read the AWS caller identity");
            (None, None, Some(e.to_string()))
        }
    };
    let default_service_role = if sandbox {
        match cloud.ensure_sandbox_batch_role().await {
            Ok(arn) => Some(arn),
            Err(e) => {
                warn!(error = %e, "could not create the sandbox's Batch service role");
                None
            }
        }
    } else {
        None
    };
    Ok(AwsSetup {
        info: AwsInfo {
            sandbox,
            endpoint: if sandbox {
                sdk.endpoint_url().map(str::to_owned)
            } else {
                None
            },
            account,
            principal,
            identity_error,
            default_region,
            default_service_role,
        },
        cloud,
        emulator,
    })
}
