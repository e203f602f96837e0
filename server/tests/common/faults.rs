//! A fault-injecting HTTP proxy between the AWS SDK and moto: it adds latency to every
//! call and, at set rates, answers the engine's calls (ECS, Batch, Auto Scaling, EC2)
//! with throttling errors or 503s in each service's own error format (without
//! forwarding them), or forwards a call and then drops the connection before the answer
//! (the call took effect; the client does not know). It can also answer one action with
//! a set error, as AWS would where moto does not.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rand::{Rng, SeedableRng};

/// What the proxy does to calls.
#[derive(Clone, Copy, Debug)]
pub struct Faults {
    /// Added before every call.
    pub latency: Duration,
    /// Share of the engine's calls answered with a throttling error.
    pub throttle: f64,
    /// Share answered with 503 Service Unavailable.
    pub server_error: f64,
    /// Share forwarded, then the connection dropped before the answer.
    pub drop: f64,
}

impl Faults {
    /// No fault: every call forwarded at once (for `FaultProxy::answer` alone).
    pub const NONE: Faults = Faults {
        latency: Duration::ZERO,
        throttle: 0.0,
        server_error: 0.0,
        drop: 0.0,
    };
}

/// How many calls met which fate.
#[derive(Debug, Default)]
pub struct Counts {
    pub forwarded: AtomicU64,
    pub throttled: AtomicU64,
    pub server_errors: AtomicU64,
    pub dropped: AtomicU64,
}

impl Counts {
    pub fn summary(&self) -> String {
        format!(
            "forwarded {}, throttled {}, 503 {}, dropped after forwarding {}",
            self.forwarded.load(Ordering::SeqCst),
            self.throttled.load(Ordering::SeqCst),
            self.server_errors.load(Ordering::SeqCst),
            self.dropped.load(Ordering::SeqCst)
        )
    }
}

/// A trap on the `at`-th ECS/Batch/Auto Scaling/EC2 call after arming: the call is held (never answered)
/// and `fired` is signalled, after forwarding it to moto if `forward` (the call took
/// effect) or without (it never reached AWS).
pub struct Trap {
    pub at: u64,
    pub forward: bool,
    pub fired: std::sync::mpsc::Sender<String>,
}

/// A running proxy; stops when dropped.
pub struct FaultProxy {
    /// `http://127.0.0.1:PORT`, to give the SDK as its endpoint.
    pub endpoint: String,
    pub counts: Arc<Counts>,
    traps: Arc<Mutex<(u64, Option<Trap>)>>,
    answers: Arc<Mutex<Vec<Answer>>>,
    task: tokio::task::JoinHandle<()>,
}

/// A set error answer to every call of one action, instead of forwarding it.
#[derive(Clone, Debug)]
struct Answer {
    action: String,
    status: u16,
    code: String,
    message: String,
}

impl FaultProxy {
    /// Arms `trap`, counting ECS/Batch calls from zero.
    pub fn arm(&self, trap: Trap) {
        *self.traps.lock().unwrap() = (0, Some(trap));
    }

    /// Disarms the trap (calls pass again).
    pub fn disarm(&self) {
        *self.traps.lock().unwrap() = (0, None);
    }

    /// From now on, answers every call of `action` (e.g. `CreateAutoScalingGroup`) with
    /// the error `code` and `message`, in its service's format, without forwarding it.
    pub fn answer(&self, action: &str, status: u16, code: &str, message: &str) {
        self.answers.lock().unwrap().push(Answer {
            action: action.to_ascii_lowercase(),
            status,
            code: code.into(),
            message: message.into(),
        });
    }

    /// Forwards every action again (undoes [`FaultProxy::answer`]).
    pub fn clear_answers(&self) {
        self.answers.lock().unwrap().clear();
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Shared {
    upstream: String,
    faults: Faults,
    rng: Mutex<rand::rngs::StdRng>,
    counts: Arc<Counts>,
    client: Client<HttpConnector, Full<Bytes>>,
    traps: Arc<Mutex<(u64, Option<Trap>)>>,
    answers: Arc<Mutex<Vec<Answer>>>,
}

enum Fate {
    Throttle,
    ServerError,
    Drop,
    Forward,
}

impl FaultProxy {
    /// Starts a proxy to `upstream` (e.g. moto's endpoint); `seed` makes a run
    /// repeatable.
    pub async fn start(upstream: &str, faults: Faults, seed: u64) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let counts = Arc::new(Counts::default());
        let traps = Arc::new(Mutex::new((0, None)));
        let answers = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::new(Shared {
            traps: traps.clone(),
            answers: answers.clone(),
            upstream: upstream.trim_end_matches('/').to_owned(),
            faults,
            rng: Mutex::new(rand::rngs::StdRng::seed_from_u64(seed)),
            counts: counts.clone(),
            client: Client::builder(TokioExecutor::new()).build_http(),
        });
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let shared = shared.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let shared = shared.clone();
                        async move { handle(&shared, req).await }
                    });
                    // A handler error closes the connection without an answer.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        FaultProxy {
            endpoint,
            counts,
            traps,
            answers,
            task,
        }
    }
}

/// The services whose calls the proxy faults: the engine's (STS and IAM pass).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Service {
    /// JSON with an `x-amz-target` header.
    Ecs,
    /// REST JSON under `/v1/`.
    Batch,
    /// AWS query protocol, XML errors.
    AutoScaling,
    /// EC2 query protocol, its own XML errors.
    Ec2,
}

/// One call: its service (from the signature's credential scope) and action.
struct Call {
    service: Option<Service>,
    action: String,
}

impl Call {
    fn of(parts: &hyper::http::request::Parts, body: &[u8]) -> Call {
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        // "AWS4-HMAC-SHA256 Credential=AKID/20261130/us-east-1/autoscaling/aws4_request, ..."
        let authorization = header("authorization");
        let scope = authorization
            .split("Credential=")
            .nth(1)
            .and_then(|c| c.split('/').nth(3))
            .unwrap_or_default();
        let service = match scope {
            "ecs" => Some(Service::Ecs),
            "batch" => Some(Service::Batch),
            "autoscaling" => Some(Service::AutoScaling),
            "ec2" => Some(Service::Ec2),
            _ => None,
        };
        let action = match service {
            Some(Service::Ecs) => header("x-amz-target")
                .rsplit('.')
                .next()
                .unwrap_or_default()
                .to_owned(),
            Some(Service::Batch) => parts.uri.path().trim_start_matches("/v1/").to_owned(),
            _ => String::from_utf8_lossy(body)
                .split('&')
                .find_map(|p| p.strip_prefix("Action="))
                .unwrap_or_default()
                .to_owned(),
        };
        Call { service, action }
    }
}

/// An error answer in `service`'s format.
fn error(service: Service, status: u16, code: &str, message: &str) -> Response<Full<Bytes>> {
    let status = StatusCode::from_u16(status).unwrap();
    let builder = Response::builder()
        .status(status)
        .header("x-amzn-requestid", "fault-proxy");
    let (content_type, body) = match service {
        Service::Ecs | Service::Batch => (
            "application/json",
            format!(r#"{{"__type":"{code}","message":"{message}"}}"#),
        ),
        Service::AutoScaling => (
            "text/xml",
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
            ),
        ),
        Service::Ec2 => (
            "text/xml",
            format!(
                "<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>"
            ),
        ),
    };
    builder
        .header("content-type", content_type)
        .header("x-amzn-errortype", code)
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}

/// A throttling answer as `service` gives it.
fn throttled(service: Service) -> Response<Full<Bytes>> {
    match service {
        Service::Ecs => error(service, 400, "ThrottlingException", "Rate exceeded"),
        Service::Batch => error(
            service,
            429,
            "TooManyRequestsException",
            "Too Many Requests",
        ),
        Service::AutoScaling => error(service, 400, "Throttling", "Rate exceeded"),
        Service::Ec2 => error(
            service,
            503,
            "RequestLimitExceeded",
            "Request limit exceeded.",
        ),
    }
}

async fn handle(
    shared: &Shared,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::io::Error> {
    tokio::time::sleep(shared.faults.latency).await;
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map_err(std::io::Error::other)?
        .to_bytes();
    let call = Call::of(&parts, &body);
    let Some(service) = call.service else {
        return forward(shared, parts, body).await;
    };
    let answer = {
        let answers = shared.answers.lock().unwrap();
        let action = call.action.to_ascii_lowercase();
        answers.iter().find(|a| a.action == action).cloned()
    };
    if let Some(a) = answer {
        return Ok(error(service, a.status, &a.code, &a.message));
    }
    let sprung = {
        let mut traps = shared.traps.lock().unwrap();
        traps.0 += 1;
        let at = traps.0;
        match &traps.1 {
            Some(t) if t.at == at => traps.1.take(),
            _ => None,
        }
    };
    if let Some(trap) = sprung {
        let what = format!("{service:?} {}", call.action);
        if trap.forward {
            let _ = forward(shared, parts, body).await;
        }
        let _ = trap.fired.send(what);
        // Held: the caller is killed while it waits.
        return std::future::pending().await;
    }
    let fate = {
        let roll: f64 = shared.rng.lock().unwrap().random();
        let f = shared.faults;
        if roll < f.throttle {
            Fate::Throttle
        } else if roll < f.throttle + f.server_error {
            Fate::ServerError
        } else if roll < f.throttle + f.server_error + f.drop {
            Fate::Drop
        } else {
            Fate::Forward
        }
    };
    let counts = &shared.counts;
    match fate {
        Fate::Throttle => {
            counts.throttled.fetch_add(1, Ordering::SeqCst);
            return Ok(throttled(service));
        }
        Fate::ServerError => {
            counts.server_errors.fetch_add(1, Ordering::SeqCst);
            let code = if service == Service::Ec2 {
                "Unavailable"
            } else {
                "ServiceUnavailable"
            };
            return Ok(error(service, 503, code, "Service unavailable"));
        }
        Fate::Drop | Fate::Forward => {}
    }
    let answer = forward(shared, parts, body).await?;
    if matches!(fate, Fate::Drop) {
        counts.dropped.fetch_add(1, Ordering::SeqCst);
        return Err(std::io::Error::other("dropped after forwarding"));
    }
    counts.forwarded.fetch_add(1, Ordering::SeqCst);
    Ok(answer)
}

/// Sends the call to moto and reads the whole answer.
async fn forward(
    shared: &Shared,
    parts: hyper::http::request::Parts,
    body: Bytes,
) -> Result<Response<Full<Bytes>>, std::io::Error> {
    let uri = format!(
        "{}{}",
        shared.upstream,
        parts.uri.path_and_query().map_or("/", |p| p.as_str())
    );
    let mut upstream = Request::builder().method(parts.method).uri(uri);
    for (name, value) in &parts.headers {
        upstream = upstream.header(name, value);
    }
    let request = upstream
        .body(Full::new(body))
        .map_err(std::io::Error::other)?;
    let answer = shared
        .client
        .request(request)
        .await
        .map_err(std::io::Error::other)?;
    let (parts, body) = answer.into_parts();
    let body = body
        .collect()
        .await
        .map_err(std::io::Error::other)?
        .to_bytes();
    Ok(Response::from_parts(parts, Full::new(body)))
}
