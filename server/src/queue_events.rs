//! Live counts of the queue view: one poller per watched job queue, however many pages
//! watch it, pushed to them as Server-Sent Events at `/environments/{id}/queue/events`.
//!
//! The first subscriber of a queue starts its poller (a tokio task counting the queue's
//! jobs per state through the cloud port); the last one leaving stops it. Polls that
//! fail back off (doubling up to a ceiling); an event is sent only when the counts (or
//! the error) change. `console_poller_lag_seconds{queue}` is the time since the queue's
//! last successful poll.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::api::AppError;
use app::api::ssr::Services;
use app::domain::Operation;
use app::engine::{Cloud, QueueSnapshot, QueueWatch};
use axum::extract::{Path, Request};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use leptos::prelude::provide_context;
use leptos::reactive::computed::ScopedFuture;
use leptos::reactive::owner::Owner;
use tokio::sync::watch;

/// How often pollers read their queue.
#[derive(Clone, Copy, Debug)]
pub struct PollPolicy {
    /// Between successful polls.
    pub interval: Duration,
    /// The longest pause after failed polls.
    pub max_interval: Duration,
}

impl PollPolicy {
    /// From the engine's wait policy: three of its first pauses (at least 200 ms) between
    /// polls, four of its longest after failures (3 s and 60 s against AWS).
    pub fn from_wait(wait: app::engine::WaitPolicy) -> Self {
        let interval = (wait.initial * 3).max(Duration::from_millis(200));
        PollPolicy {
            interval,
            max_interval: (wait.max_interval * 4).max(interval),
        }
    }
}

struct Poller {
    subscribers: usize,
    snapshot: watch::Receiver<Option<QueueSnapshot>>,
    task: tokio::task::JoinHandle<()>,
    queue: String,
}

/// The pollers of the watched queues, keyed by environment id.
#[derive(Clone)]
pub struct Pollers {
    inner: Arc<Mutex<HashMap<String, Poller>>>,
    policy: PollPolicy,
}

impl std::fmt::Debug for Pollers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pollers")
            .field("watched", &self.watched())
            .finish()
    }
}

/// A subscriber's hold on a queue's poller: its snapshots; dropping it leaves (the last
/// to leave stops the poller).
pub struct Subscription {
    key: String,
    pollers: Pollers,
    /// The queue's latest counts (`None` until the first poll).
    pub snapshot: watch::Receiver<Option<QueueSnapshot>>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut pollers = self.pollers.lock();
        if let Some(p) = pollers.get_mut(&self.key) {
            p.subscribers -= 1;
            if p.subscribers == 0 {
                p.task.abort();
                metrics::gauge!("console_poller_lag_seconds", "queue" => p.queue.clone()).set(0.0);
                pollers.remove(&self.key);
            }
        }
    }
}

impl Pollers {
    /// No queue watched yet.
    pub fn new(policy: PollPolicy) -> Self {
        Pollers {
            inner: Arc::default(),
            policy,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Poller>> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How many queues have a poller now.
    pub fn watched(&self) -> usize {
        self.lock().len()
    }

    /// Subscribes to environment `key`'s queue `queue` in `region`, starting its poller
    /// (acting through `cloud`) if no one watches it yet.
    pub fn subscribe(
        &self,
        key: &str,
        cloud: Arc<dyn Cloud>,
        region: &str,
        queue: &str,
    ) -> Subscription {
        let mut pollers = self.lock();
        let poller = pollers.entry(key.to_owned()).or_insert_with(|| {
            let (tx, rx) = watch::channel(None);
            let task = tokio::spawn(poll(
                tx,
                cloud,
                region.to_owned(),
                queue.to_owned(),
                self.policy,
            ));
            Poller {
                subscribers: 0,
                snapshot: rx,
                task,
                queue: queue.to_owned(),
            }
        });
        poller.subscribers += 1;
        Subscription {
            key: key.to_owned(),
            pollers: self.clone(),
            snapshot: poller.snapshot.clone(),
        }
    }
}

impl QueueWatch for Pollers {
    fn latest(&self, environment_id: &str) -> Option<QueueSnapshot> {
        self.lock()
            .get(environment_id)
            .and_then(|p| p.snapshot.borrow().clone())
    }
}

/// The poller's loop: count, publish if changed, pause (longer after failures).
async fn poll(
    tx: watch::Sender<Option<QueueSnapshot>>,
    cloud: Arc<dyn Cloud>,
    region: String,
    queue: String,
    policy: PollPolicy,
) {
    let lag = metrics::gauge!("console_poller_lag_seconds", "queue" => queue.clone());
    let mut last_ok = Instant::now();
    let mut pause = policy.interval;
    loop {
        let result = app::engine::count_jobs(&*cloud, &region, &queue).await;
        let now = app::engine::now_seconds();
        match result {
            Ok(counts) => {
                last_ok = Instant::now();
                pause = policy.interval;
                tx.send_if_modified(|current| {
                    let changed = current
                        .as_ref()
                        .is_none_or(|c| c.counts != counts || c.error.is_some());
                    *current = Some(QueueSnapshot {
                        counts,
                        polled_at: now,
                        error: None,
                    });
                    changed
                });
            }
            Err(e) => {
                tracing::warn!(queue, "polling the job queue: {e}");
                pause = (pause * 2).min(policy.max_interval);
                let error = e.to_string();
                tx.send_if_modified(|current| match current {
                    Some(c) if c.error.as_deref() == Some(error.as_str()) => false,
                    Some(c) => {
                        c.error = Some(error);
                        true
                    }
                    None => {
                        *current = Some(QueueSnapshot {
                            counts: app::domain::queue::JobCounts::from_states([]),
                            polled_at: now,
                            error: Some(error),
                        });
                        true
                    }
                });
            }
        }
        lag.set(last_ok.elapsed().as_secs_f64());
        tokio::time::sleep(pause).await;
        lag.set(last_ok.elapsed().as_secs_f64());
    }
}

/// `GET /environments/{id}/queue/events`: the queue's counts as Server-Sent Events
/// (`event: counts`, JSON data), first the latest, then each change. Authorized as the
/// queue view (`Operation::View` through `app::api::ssr::authorize`).
pub async fn events(
    services: Services,
    pollers: Pollers,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (parts, _) = req.into_parts();
    let owner = Owner::new();
    let access = owner
        .with(|| {
            provide_context(parts);
            provide_context(services.clone());
            let services = services.clone();
            ScopedFuture::new(async move {
                let access = app::api::ssr::authorize(&services, &id, Operation::View).await?;
                let spec = &access.env.spec;
                let queue = spec
                    .job_queue
                    .as_ref()
                    .map(|q| q.name.clone())
                    .ok_or_else(|| {
                        AppError::invalid(
                            "job_queue",
                            "console.job-queue-required",
                            "This environment has no job queue",
                        )
                    })?;
                let cloud =
                    app::api::ssr::cloud_for(&services, spec, &access.user.username).await?;
                Ok::<_, AppError>((access.env.id.clone(), cloud, spec.region.clone(), queue))
            })
        })
        .await;
    let (key, cloud, region, queue) = match access {
        Ok(a) => a,
        Err(e) => {
            let status =
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (status, e.to_string()).into_response();
        }
    };
    let subscription = pollers.subscribe(&key, cloud, &region, &queue);
    let stream = futures::stream::unfold((subscription, true), |(mut sub, first)| async move {
        // After the first event, wait for a change before the next.
        if !first {
            sub.snapshot.changed().await.ok()?;
        }
        loop {
            let snapshot = sub.snapshot.borrow_and_update().clone();
            if let Some(s) = snapshot {
                let event = Event::default()
                    .event("counts")
                    .json_data(&s)
                    .unwrap_or_else(|_| Event::default().comment("unencodable"));
                return Some((Ok::<_, Infallible>(event), (sub, false)));
            }
            // Nothing read yet: wait for the first poll.
            sub.snapshot.changed().await.ok()?;
        }
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}
