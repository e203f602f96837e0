//! `/api/v1/docs`: the API reference as a page, rendered once from the OpenAPI document
//! (no scripts, so the site's Content-Security-Policy holds).

use utoipa::openapi::OpenApi;
use utoipa::openapi::path::{HttpMethod, Operation};

/// Escapes text for HTML.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn method_name(m: &HttpMethod) -> &'static str {
    match m {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
        HttpMethod::Put => "PUT",
        HttpMethod::Delete => "DELETE",
        HttpMethod::Patch => "PATCH",
        HttpMethod::Head => "HEAD",
        HttpMethod::Options => "OPTIONS",
        HttpMethod::Trace => "TRACE",
    }
}

/// The operations of the document with their method, in path order.
fn operations(doc: &OpenApi) -> Vec<(&'static str, &str, &Operation)> {
    let mut out = Vec::new();
    for (path, item) in &doc.paths.paths {
        for (method, op) in [
            (HttpMethod::Get, &item.get),
            (HttpMethod::Post, &item.post),
            (HttpMethod::Put, &item.put),
            (HttpMethod::Delete, &item.delete),
        ] {
            if let Some(op) = op {
                out.push((method_name(&method), path.as_str(), op));
            }
        }
    }
    out
}

/// The reference page.
pub fn page(doc: &OpenApi) -> String {
    let mut html = String::from(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>API reference - Batch inference console</title>\
         <link rel=\"stylesheet\" href=\"/pkg/console.css\"></head><body><main class=\"api-docs\">",
    );
    html.push_str(&format!("<h1>{}</h1>", esc(&doc.info.title)));
    if let Some(d) = &doc.info.description {
        html.push_str(&format!("<p>{}</p>", esc(d)));
    }
    html.push_str(
        "<p>Base path <code>/api/v1</code>. The machine-readable document: \
         <a href=\"/api/v1/openapi.json\">openapi.json</a> (OpenAPI 3.1). \
         Create a token on the <a href=\"/account/tokens\">API tokens</a> page.</p><ul class=\"api-index\">",
    );
    let ops = operations(doc);
    for (method, path, op) in &ops {
        let id = op.operation_id.clone().unwrap_or_default();
        html.push_str(&format!(
            "<li><a href=\"#{}\"><code>{method} {}</code></a> {}</li>",
            esc(&id),
            esc(path),
            esc(op.summary.as_deref().unwrap_or_default())
        ));
    }
    html.push_str("</ul>");
    for (method, path, op) in &ops {
        let id = op.operation_id.clone().unwrap_or_default();
        html.push_str(&format!(
            "<section id=\"{}\"><h2><code>{method} /api/v1{}</code></h2>",
            esc(&id),
            esc(path)
        ));
        for text in [&op.summary, &op.description].into_iter().flatten() {
            html.push_str(&format!("<p>{}</p>", esc(text)));
        }
        if let Some(params) = &op.parameters
            && !params.is_empty()
        {
            html.push_str("<h3>Parameters</h3><ul>");
            for p in params.iter().filter_map(|p| match p {
                utoipa::openapi::RefOr::T(p) => Some(p),
                utoipa::openapi::RefOr::Ref(_) => None,
            }) {
                html.push_str(&format!(
                    "<li><code>{}</code> ({}){}{}</li>",
                    esc(&p.name),
                    serde_json::to_value(&p.parameter_in)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    if matches!(p.required, utoipa::openapi::Required::True) {
                        ", required"
                    } else {
                        ""
                    },
                    p.description
                        .as_deref()
                        .map(|d| format!(": {}", esc(d)))
                        .unwrap_or_default()
                ));
            }
            html.push_str("</ul>");
        }
        if let Some(utoipa::openapi::RefOr::T(body)) = &op.request_body {
            let schemas: Vec<String> = body.content.values().filter_map(content_schema).collect();
            html.push_str(&format!(
                "<h3>Request body</h3><p><code>{}</code></p>",
                esc(&schemas.join(", "))
            ));
        }
        html.push_str("<h3>Responses</h3><ul>");
        for (status, response) in &op.responses.responses {
            let text = match response {
                utoipa::openapi::RefOr::T(r) => {
                    let schema = r
                        .content
                        .values()
                        .filter_map(content_schema)
                        .next()
                        .unwrap_or_default();
                    format!("{} <code>{}</code>", r.description, schema)
                }
                utoipa::openapi::RefOr::Ref(r) => r.ref_location.clone(),
            };
            html.push_str(&format!(
                "<li><strong>{}</strong> {}</li>",
                esc(status),
                esc(&text)
            ));
        }
        html.push_str("</ul></section>");
    }
    html.push_str("</main></body></html>");
    html
}

/// The schema of one content type, named.
fn content_schema(content: &utoipa::openapi::RefOr<utoipa::openapi::Content>) -> Option<String> {
    match content {
        utoipa::openapi::RefOr::T(c) => c.schema.as_ref().map(schema_name),
        utoipa::openapi::RefOr::Ref(r) => Some(r.ref_location.clone()),
    }
}

/// The name of a referenced schema, or its JSON for an inline one.
fn schema_name(schema: &utoipa::openapi::RefOr<utoipa::openapi::Schema>) -> String {
    match schema {
        utoipa::openapi::RefOr::Ref(r) => r
            .ref_location
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned(),
        utoipa::openapi::RefOr::T(t) => serde_json::to_string(t).unwrap_or_default(),
    }
}
