//! The API client: the console's base URL and a personal API token, JSON over HTTP/1.1
//! (hyper; https through rustls on *ring* with the system's root certificates).

use std::time::Duration;

use app::domain::Problem;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode, Uri, header};
use hyper_rustls::{ConfigBuilderExt, HttpsConnector};
use hyper_util::client::legacy::Client as Hyper;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;
use serde_json::Value;

/// Why a command failed: the API's error (status, kind, message, problems by field), or
/// the client's own (unreachable server, unreadable answer, bad input).
#[derive(Debug)]
pub struct Failure {
    /// The HTTP status, if the server answered.
    pub status: Option<u16>,
    /// For a person.
    pub message: String,
    /// With `invalid`: each broken rule, naming its field.
    pub problems: Vec<Problem>,
}

impl Failure {
    /// A failure of the command line itself (no answer from the API involved).
    pub fn new(message: impl Into<String>) -> Failure {
        Failure {
            status: None,
            message: message.into(),
            problems: Vec::new(),
        }
    }
}

/// The API's error body.
#[derive(Deserialize)]
struct ErrorBody {
    message: String,
    #[serde(default)]
    problems: Vec<Problem>,
}

/// A base URL as the user typed it, checked: `http(s)://host[:port][/prefix]`, without a
/// trailing slash (an `/api/v1` suffix is dropped: the client adds it).
pub fn normalize_url(url: &str) -> Result<String, Failure> {
    let trimmed = url.trim().trim_end_matches('/');
    let trimmed = trimmed.strip_suffix("/api/v1").unwrap_or(trimmed);
    let uri: Uri = trimmed
        .parse()
        .map_err(|e| Failure::new(format!("--url {url:?} is not a URL: {e}")))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => {
            return Err(Failure::new(format!(
                "--url {url:?} must start with http:// or https://"
            )));
        }
    }
    if uri.authority().is_none() {
        return Err(Failure::new(format!("--url {url:?} names no host")));
    }
    if uri.query().is_some() {
        return Err(Failure::new(format!("--url {url:?} must not have a query")));
    }
    Ok(trimmed.to_owned())
}

/// `s` percent-encoded for a path segment or a query value.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A query string from the pairs whose value is present (`?a=1&b=2`, or empty).
pub fn query(pairs: &[(&str, Option<&str>)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={}", encode(v))))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// The client of one console.
pub struct Client {
    base: String,
    token: String,
    timeout: Duration,
    http: Hyper<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

/// How often a GET answered 429 is tried again (after the server's Retry-After).
const RATE_LIMIT_RETRIES: u32 = 3;

impl Client {
    /// A client of the console at `base` (see [`normalize_url`]) sending `token`; each
    /// request gives up after `timeout`.
    pub fn new(base: &str, token: &str, timeout: Duration) -> Result<Client, Failure> {
        let base = normalize_url(base)?;
        let provider = rustls::crypto::ring::default_provider();
        let tls = rustls::ClientConfig::builder_with_provider(provider.into())
            .with_safe_default_protocol_versions()
            .map_err(|e| Failure::new(format!("TLS setup: {e}")))?;
        let tls = if base.starts_with("https://") {
            tls.with_native_roots().map_err(|e| {
                Failure::new(format!(
                    "cannot load the system's root certificates for {base}: {e} \
                     (SSL_CERT_FILE may name a PEM bundle)"
                ))
            })?
        } else {
            tls.with_root_certificates(rustls::RootCertStore::empty())
        }
        .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(timeout.min(Duration::from_secs(30))));
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        Ok(Client {
            base,
            token: token.trim().to_owned(),
            timeout,
            http: Hyper::builder(TokioExecutor::new()).build(connector),
        })
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// GET `path` (under `/api/v1`).
    pub async fn get(&self, path: &str) -> Result<Value, Failure> {
        let mut attempt = 0;
        loop {
            match self.send(Method::GET, path, None).await {
                Err(Retry(wait)) if attempt < RATE_LIMIT_RETRIES => {
                    attempt += 1;
                    tokio::time::sleep(wait).await;
                }
                Err(Retry(_)) => {
                    return Err(Failure {
                        status: Some(429),
                        message: "the server keeps refusing this token's requests as too many; try again later".into(),
                        problems: Vec::new(),
                    });
                }
                Ok(answer) => return answer,
            }
        }
    }

    /// POST `body` as JSON to `path` (under `/api/v1`); not repeated on 429.
    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, Failure> {
        match self.send(Method::POST, path, Some(body)).await {
            Ok(answer) => answer,
            Err(Retry(wait)) => Err(Failure {
                status: Some(429),
                message: format!(
                    "this token made too many requests; try again in {} s",
                    wait.as_secs().max(1)
                ),
                problems: Vec::new(),
            }),
        }
    }

    /// One request; `Err(Retry)` for a 429 with the server's wait.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Result<Value, Failure>, Retry> {
        let url = format!("{}/api/v1{path}", self.base);
        let mut req = Request::builder()
            .method(method)
            .uri(&url)
            .header(header::ACCEPT, "application/json")
            .header(
                header::USER_AGENT,
                concat!("batch-console-cli/", env!("CARGO_PKG_VERSION")),
            );
        if !self.token.is_empty() {
            req = req.header(header::AUTHORIZATION, format!("Bearer {}", self.token));
        }
        let bytes = match body {
            Some(b) => {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Bytes::from(b.to_string())
            }
            None => Bytes::new(),
        };
        let req = match req.body(Full::new(bytes)) {
            Ok(r) => r,
            Err(e) => return Ok(Err(Failure::new(format!("bad request to {url}: {e}")))),
        };
        let exchange = async {
            let res =
                self.http.request(req).await.map_err(|e| {
                    Failure::new(format!("cannot reach {}: {}", self.base, chain(&e)))
                })?;
            let status = res.status();
            let retry_after = res
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            let body = res
                .into_body()
                .collect()
                .await
                .map_err(|e| {
                    Failure::new(format!(
                        "the answer from {} broke off: {}",
                        self.base,
                        chain(&e)
                    ))
                })?
                .to_bytes();
            Ok::<_, Failure>((status, retry_after, body))
        };
        let (status, retry_after, body) = match tokio::time::timeout(self.timeout, exchange).await {
            Err(_) => {
                return Ok(Err(Failure::new(format!(
                    "no answer from {} within {} s",
                    self.base,
                    self.timeout.as_secs()
                ))));
            }
            Ok(Err(f)) => return Ok(Err(f)),
            Ok(Ok(x)) => x,
        };
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Err(Retry(Duration::from_secs(
                retry_after.unwrap_or(1).clamp(1, 60),
            )));
        }
        Ok(self.answer(status, &url, &body))
    }

    /// The answer's JSON, or its error.
    fn answer(&self, status: StatusCode, url: &str, body: &[u8]) -> Result<Value, Failure> {
        if status.is_success() {
            if body.is_empty() {
                return Ok(Value::Null);
            }
            return serde_json::from_slice(body).map_err(|_| {
                Failure::new(format!(
                    "{url} answered {status} with something other than JSON ({}); is {} the console's address?",
                    snippet(body),
                    self.base
                ))
            });
        }
        let code = Some(status.as_u16());
        Err(match serde_json::from_slice::<ErrorBody>(body) {
            Ok(e) if status == StatusCode::UNAUTHORIZED => Failure {
                status: code,
                message: format!(
                    "{} refused the token (unknown, revoked or expired): create one at {}/account/tokens and run `console login`",
                    self.base, self.base
                ),
                problems: e.problems,
            },
            Ok(e) => Failure {
                status: code,
                message: e.message,
                problems: e.problems,
            },
            Err(_) => Failure {
                status: code,
                message: format!("{url} answered {status}: {}", snippet(body)),
                problems: Vec::new(),
            },
        })
    }
}

/// A 429's wait.
struct Retry(Duration);

/// An error's sources, `b: c`, below its own message when it has sources (hyper's own
/// message, "client error (Connect)", says little).
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    if let Some(source) = e.source() {
        return chain_all(source);
    }
    e.to_string()
}

/// An error and its sources, `a: b: c`.
fn chain_all(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// The start of a body, on one line, for an error message.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        return "an empty body".into();
    }
    let mut cut: String = line.chars().take(160).collect();
    if cut.len() < line.len() {
        cut.push_str("...");
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_trimmed() {
        assert_eq!(normalize_url("http://h:1/").unwrap(), "http://h:1");
        assert_eq!(
            normalize_url("https://h/console/api/v1/").unwrap(),
            "https://h/console"
        );
        assert!(normalize_url("h:1").is_err());
        assert!(normalize_url("ftp://h").is_err());
        assert!(normalize_url("http://h/?a=1").is_err());
    }

    #[test]
    fn queries_leave_out_absent_values_and_encode() {
        assert_eq!(query(&[("a", None)]), "");
        assert_eq!(
            query(&[
                ("state", Some("RUNNING")),
                ("x", None),
                ("search", Some("a b&c"))
            ]),
            "?state=RUNNING&search=a%20b%26c"
        );
    }
}
