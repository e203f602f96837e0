//! Export of an environment (issue 7): its spec as a Pulumi program, a CloudFormation
//! template, JSON or YAML, downloaded by a plain link (a GET server function), so it
//! works without JavaScript.

use leptos::prelude::*;
use server_fn::codec::{GetUrl, StreamingText, TextStream};

use super::error::AppError;

/// The URL that downloads environment `id` as `format`.
pub fn export_url(id: &str, format: crate::domain::export::Format) -> String {
    format!("/api/export_environment?id={id}&format={}", format.as_str())
}

/// Environment `id` in `format` (`pulumi`, `cloudformation`, `json`, `yaml`), as a file
/// to save.
///
/// Allowed to every role that sees the config ([`crate::domain::Operation::ViewConfig`]):
/// the export says nothing the spec does not. Roles that may not see secrets get the
/// redacted spec's export, as on every page.
#[server(endpoint = "export_environment", input = GetUrl, output = StreamingText)]
pub async fn export_environment(
    id: String,
    format: String,
) -> Result<TextStream<AppError>, AppError> {
    use axum::http::{HeaderValue, StatusCode, header};

    use super::ssr::{authorize, respond, services};
    use crate::domain::export::{Format, export};
    use crate::domain::{Operation, access};
    let result = respond(async {
        let services = services()?;
        let access = authorize(&services, &id, Operation::ViewConfig).await?;
        let format = Format::parse(&format).ok_or_else(|| {
            AppError::invalid(
                "format",
                "console.export-format",
                "Export as pulumi, cloudformation, json or yaml",
            )
        })?;
        let spec = if access.sees_secrets() {
            access.env.spec.clone()
        } else {
            access::redact_spec(&access.env.spec)
        };
        Ok((export(&spec, format), format, format.file_name(&spec)))
    })
    .await;
    let options = expect_context::<leptos_axum::ResponseOptions>();
    // A link's GET accepts HTML: without these, leptos_axum would answer as to a form
    // post (a redirect to the referring page) instead of with the file or the error.
    match result {
        Ok((text, format, file)) => {
            options.set_status(StatusCode::OK);
            options.insert_header(
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            );
            if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
                options.insert_header(header::CONTENT_DISPOSITION, value);
            }
            Ok(TextStream::new(futures::stream::once(
                async move { Ok(text) },
            )))
        }
        Err(e) => {
            if let Ok(status) = StatusCode::from_u16(e.status()) {
                options.set_status(status);
            }
            Err(e)
        }
    }
}
