//! Prometheus counts of the console's AWS calls, by service, operation and outcome, as an
//! SDK interceptor on every client the adapter builds.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::FinalizerInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Counts `console_aws_calls_total{service, operation, outcome, status}` once per
/// operation (after the SDK's retries) and `console_aws_call_attempts_total{service,
/// operation}` once per attempt, so retries are the difference.
#[derive(Debug, Default)]
pub(super) struct CallMetrics;

fn names(cfg: &ConfigBag) -> (String, String) {
    cfg.load::<Metadata>().map_or_else(
        || ("unknown".into(), "unknown".into()),
        |m| (m.service().to_ascii_lowercase(), m.name().to_owned()),
    )
}

impl Intercept for CallMetrics {
    fn name(&self) -> &'static str {
        "CallMetrics"
    }

    fn read_after_attempt(
        &self,
        _context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, operation) = names(cfg);
        metrics::counter!("console_aws_call_attempts_total", "service" => service, "operation" => operation)
            .increment(1);
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, operation) = names(cfg);
        let outcome = match context.output_or_error() {
            Some(Ok(_)) => "ok",
            _ => "error",
        };
        // The HTTP status of the last attempt; "none" when no answer came (transport).
        let status = context
            .response()
            .map_or_else(|| "none".to_owned(), |r| r.status().as_u16().to_string());
        metrics::counter!(
            "console_aws_calls_total",
            "service" => service,
            "operation" => operation,
            "outcome" => outcome,
            "status" => status
        )
        .increment(1);
        Ok(())
    }
}
