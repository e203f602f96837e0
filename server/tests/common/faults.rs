//! A fault-injecting HTTP proxy between the AWS SDK and moto: it adds latency to every
//! call and, at set rates, answers ECS and Batch calls with throttling errors or 503s
//! (without forwarding them), or forwards a call and then drops the connection before
//! the answer (the call took effect; the client does not know).

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
    /// Share of ECS/Batch calls answered with a throttling error.
    pub throttle: f64,
    /// Share answered with 503 Service Unavailable.
    pub server_error: f64,
    /// Share forwarded, then the connection dropped before the answer.
    pub drop: f64,
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

/// A trap on the `at`-th ECS/Batch call after arming: the call is held (never answered)
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
    task: tokio::task::JoinHandle<()>,
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
        let shared = Arc::new(Shared {
            traps: traps.clone(),
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
            task,
        }
    }
}

/// Which service a call is for: ECS (JSON with a target header) or Batch (REST JSON);
/// other services (STS, IAM, EC2) pass through untouched.
fn service(req: &Request<Incoming>) -> Option<&'static str> {
    let target = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if target.starts_with("AmazonEC2ContainerService") {
        Some("ecs")
    } else if req.uri().path().starts_with("/v1/") {
        Some("batch")
    } else {
        None
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-amzn-errortype", code)
        .header("x-amzn-requestid", "fault-proxy")
        .body(Full::new(Bytes::from(format!(
            r#"{{"__type":"{code}","message":"{message}"}}"#
        ))))
        .unwrap()
}

async fn handle(
    shared: &Shared,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::io::Error> {
    tokio::time::sleep(shared.faults.latency).await;
    let service = service(&req);
    if service.is_some() {
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
            let what = format!(
                "{} {}",
                req.headers()
                    .get("x-amz-target")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default(),
                req.uri().path()
            );
            if trap.forward {
                let _ = forward(shared, req).await;
            }
            let _ = trap.fired.send(what);
            // Held: the caller is killed while it waits.
            return std::future::pending().await;
        }
    }
    let fate = match service {
        None => Fate::Forward,
        Some(_) => {
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
        }
    };
    let counts = &shared.counts;
    match fate {
        Fate::Throttle => {
            counts.throttled.fetch_add(1, Ordering::SeqCst);
            return Ok(if service == Some("ecs") {
                error(
                    StatusCode::BAD_REQUEST,
                    "ThrottlingException",
                    "Rate exceeded",
                )
            } else {
                error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "TooManyRequestsException",
                    "Too Many Requests",
                )
            });
        }
        Fate::ServerError => {
            counts.server_errors.fetch_add(1, Ordering::SeqCst);
            return Ok(error(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailableException",
                "Service unavailable",
            ));
        }
        Fate::Drop | Fate::Forward => {}
    }
    let answer = forward(shared, req).await?;
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
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::io::Error> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map_err(std::io::Error::other)?
        .to_bytes();
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
