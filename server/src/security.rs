//! HTTP hardening: same-origin checks on state-changing requests (CSRF), security
//! headers, and a request body limit.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::set_header::SetResponseHeaderLayer;

/// The largest request body accepted (forms and server-function calls are small).
pub const BODY_LIMIT: usize = 64 * 1024;

/// The Content-Security-Policy of every response: only this origin's scripts, styles,
/// WASM and connections; no framing, plugins or foreign form targets. Inline scripts are
/// allowed for Leptos's hydration bootstrap.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; \
style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

/// The origin (`scheme://host[:port]`) of a URL, if it has one.
fn origin_of(url: &str) -> Option<&str> {
    let scheme_end = url.find("://")? + 3;
    let rest = &url[scheme_end..];
    let end = rest.find('/').map_or(url.len(), |i| scheme_end + i);
    Some(&url[..end])
}

/// Whether the request's Origin (or, lacking it, Referer) is this site. Requests with
/// neither come from non-browser clients, which carry no ambient cookies to abuse.
fn same_origin_request(headers: &HeaderMap) -> bool {
    let claimed = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER));
    let Some(claimed) = claimed else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match (claimed.to_str().ok(), host) {
        (Some(url), Some(host)) => origin_of(url).is_some_and(|o| {
            o.strip_prefix("http://")
                .or_else(|| o.strip_prefix("https://"))
                .is_some_and(|h| h.eq_ignore_ascii_case(host))
        }),
        _ => false,
    }
}

/// Refuses state-changing requests from other sites (cross-site request forgery).
pub async fn same_origin(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || same_origin_request(req.headers()) {
        next.run(req).await
    } else {
        tracing::warn!(uri = %req.uri(), "refused a cross-site request");
        (StatusCode::FORBIDDEN, "cross-site requests are refused").into_response()
    }
}

/// Reads the request body up to [`BODY_LIMIT`] and answers 413 beyond it, whether the
/// client declared its length or streamed it.
pub async fn limit_body(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
                .await
        }
        Err(_) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request bodies are limited to {} KiB", BODY_LIMIT / 1024),
        )
            .into_response(),
    }
}

/// The security headers, each set unless the handler set it.
pub fn headers(hsts: bool) -> Vec<SetResponseHeaderLayer<HeaderValue>> {
    let mut out = vec![
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
    ];
    if hsts {
        out.push((
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        ));
    }
    out.into_iter()
        .map(|(name, value): (HeaderName, &str)| {
            SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(HeaderName, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), HeaderValue::from_str(v).unwrap()))
            .collect()
    }

    #[test]
    fn origins() {
        assert_eq!(
            origin_of("http://127.0.0.1:3000/api/x"),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(origin_of("https://a.example"), Some("https://a.example"));
        assert_eq!(origin_of("nonsense"), None);
        let host = (header::HOST, "127.0.0.1:3000");
        assert!(same_origin_request(&headers(&[
            host.clone(),
            (header::ORIGIN, "http://127.0.0.1:3000")
        ])));
        assert!(same_origin_request(&headers(&[
            host.clone(),
            (header::REFERER, "http://127.0.0.1:3000/signup")
        ])));
        assert!(same_origin_request(&headers(std::slice::from_ref(&host))));
        assert!(!same_origin_request(&headers(&[
            host.clone(),
            (header::ORIGIN, "https://evil.example")
        ])));
        assert!(!same_origin_request(&headers(&[
            host.clone(),
            (header::ORIGIN, "null")
        ])));
        assert!(!same_origin_request(&headers(&[
            host,
            (header::ORIGIN, "http://127.0.0.1:3000.evil.example")
        ])));
        assert!(!same_origin_request(&headers(&[(
            header::ORIGIN,
            "http://127.0.0.1:3000"
        )])));
    }
}
