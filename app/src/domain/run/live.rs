//! The run the environment page follows live: its steps as the store has them, their
//! elapsed times, the AWS error of a failing step taken apart, and whether a failed apply
//! may be retried from where its journal stands.

use serde::{Deserialize, Serialize};

use super::{RunHistory, RunKind, RunRecord, RunState, RunStep};
use crate::domain::plan::{Action, Plan};

/// The environment's latest apply, destroy or refresh, as the server read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LiveRun {
    /// The run.
    pub run: RunRecord,
    /// Its steps, in the order they started.
    pub steps: Vec<RunStep>,
    /// The server's clock at the read (RFC 3339): elapsed times of steps still running
    /// count from it, whatever the browser's clock says.
    pub read_at: String,
}

impl LiveRun {
    /// Whether the run is still in progress.
    pub fn running(&self) -> bool {
        self.run.state == RunState::Running
    }

    /// The same run and steps (the read time aside): nothing new to show.
    pub fn same_as(&self, other: &LiveRun) -> bool {
        self.run == other.run && self.steps == other.steps
    }

    /// Seconds from the run's start to `now` (seconds since the epoch) while it runs, or
    /// to its last step's end once it has finished.
    pub fn elapsed(&self, now: f64) -> Option<f64> {
        let start = seconds(&self.run.started_at)?;
        let end = if self.running() {
            now
        } else {
            self.steps
                .iter()
                .filter_map(|s| s.finished_at.as_deref().and_then(seconds))
                .fold(None, |m: Option<f64>, t| Some(m.map_or(t, |m| m.max(t))))?
        };
        Some((end - start).max(0.0))
    }

    /// The step that stopped the run, if one did.
    pub fn failed_step(&self) -> Option<&RunStep> {
        self.steps.iter().find(|s| s.error.is_some())
    }
}

/// A step's elapsed seconds: to its end, or to `now` while it runs (`None` for a step
/// left unfinished by a run that ended).
pub fn step_elapsed(step: &RunStep, run_running: bool, now: f64) -> Option<f64> {
    let start = seconds(&step.started_at)?;
    let end = match step.finished_at.as_deref() {
        Some(f) => seconds(f)?,
        None if run_running => now,
        None => return None,
    };
    Some((end - start).max(0.0))
}

/// "0.42 s", "12.3 s", "2 min 05 s".
pub fn format_elapsed(seconds: f64) -> String {
    if seconds < 10.0 {
        format!("{seconds:.2} s")
    } else if seconds < 60.0 {
        format!("{seconds:.1} s")
    } else {
        let whole = seconds as u64;
        format!("{} min {:02} s", whole / 60, whole % 60)
    }
}

/// Seconds since the Unix epoch of an RFC 3339 time (`2026-11-29T21:01:46.5Z`, or with
/// an offset such as `+01:00`).
pub fn seconds(rfc3339: &str) -> Option<f64> {
    let (date, clock) = rfc3339.split_once(['T', 't', ' '])?;
    let mut d = date.splitn(3, '-');
    let (y, m, day): (i64, i64, i64) = (
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    );
    let (clock, offset) = if let Some(c) = clock.strip_suffix(['Z', 'z']) {
        (c, 0.0)
    } else {
        let at = clock.rfind(['+', '-'])?;
        let (c, o) = clock.split_at(at);
        let sign = if o.starts_with('-') { -1.0 } else { 1.0 };
        let (oh, om) = o[1..].split_once(':')?;
        (
            c,
            sign * (oh.parse::<f64>().ok()? * 3600.0 + om.parse::<f64>().ok()? * 60.0),
        )
    };
    let mut c = clock.splitn(3, ':');
    let (h, min, s): (f64, f64, f64) = (
        c.next()?.parse().ok()?,
        c.next()?.parse().ok()?,
        c.next()?.parse().ok()?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    // Days from the civil date (H. Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days as f64 * 86_400.0 + h * 3600.0 + min * 60.0 + s - offset)
}

/// An AWS error as the engine records it on a step, taken apart for the page:
/// `<step>: <service:Operation> failed: <Code>: <message> (request id <id>)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsErrorParts {
    /// `service:Operation`, e.g. `batch:CreateJobQueue`.
    pub operation: String,
    /// AWS's error code, when the answer had one.
    pub code: Option<String>,
    /// AWS's message.
    pub message: String,
    /// The AWS request id, when there was an answer.
    pub request_id: Option<String>,
}

impl AwsErrorParts {
    /// The parts of a recorded AWS error; `None` for other errors (timeouts, AWS status
    /// reasons, interruptions), shown as they are.
    pub fn parse(error: &str) -> Option<AwsErrorParts> {
        let (head, rest) = error.split_once(" failed: ")?;
        let operation = head.rsplit(": ").next()?.trim();
        let is_token = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':'))
        };
        if !operation.contains(':') || !is_token(operation) {
            return None;
        }
        let (rest, request_id) = match rest
            .strip_suffix(')')
            .and_then(|r| r.rsplit_once(" (request id "))
        {
            Some((r, id)) => (r, Some(id.to_owned())),
            None => (rest, None),
        };
        let (code, message) = match rest.split_once(": ") {
            Some((code, message)) if is_token(code) && !code.contains(':') => {
                (Some(code.to_owned()), message.to_owned())
            }
            _ => (None, rest.to_owned()),
        };
        Some(AwsErrorParts {
            operation: operation.to_owned(),
            code,
            message,
            request_id,
        })
    }
}

/// What the page offers after a failed apply: applying the plan made now from the journal
/// the run left, which holds the failed step and those it never reached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RetryOffer {
    /// The failed run.
    pub run_id: String,
    /// The step that failed, if a step did.
    pub failed_step: Option<String>,
    /// What the retry does, as the plan labels its steps ("create Batch job queue q").
    pub steps: Vec<String>,
    /// The fingerprint of that plan, which the retry form carries (empty for those who
    /// may not apply, or when the retry is blocked).
    pub fingerprint: String,
    /// Why the plan cannot be applied as a retry and must be reviewed first.
    pub blocked: Option<String>,
}

/// The live part of the environment page: the latest run and, after a failed apply, the
/// retry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LiveState {
    /// The latest apply, destroy or refresh.
    pub run: Option<LiveRun>,
    /// After a failed apply with steps left: the retry.
    pub retry: Option<RetryOffer>,
}

/// A plan step's label, as the runner names its steps.
pub fn step_label(step: &crate::domain::Step) -> String {
    format!(
        "{} {} {}",
        step.action.label(),
        step.kind.label(),
        step.name
    )
}

/// The retry of `failed` (the environment's latest run) with `plan`, the plan made now
/// from the journal; `saved_since`: the spec revision saved after the run started, if
/// one was. `None` unless `failed` is a failed apply and the plan has steps left.
///
/// A retry applies the current plan only when it is what the reviewed plan had left:
/// the spec unchanged since the run and no step the run finished planned again.
/// Otherwise it is blocked and the page sends the user to the review page to see and
/// confirm the new plan.
pub fn retry_offer(
    failed: &RunHistory,
    saved_since: Option<u64>,
    plan: &Plan,
    may_apply: bool,
) -> Option<RetryOffer> {
    if failed.run.kind != RunKind::Apply || failed.run.state != RunState::Failed {
        return None;
    }
    let steps: Vec<String> = plan
        .steps
        .iter()
        .filter(|s| s.action != Action::NoChange)
        .map(step_label)
        .collect();
    if steps.is_empty() {
        return None;
    }
    let finished: Vec<&str> = failed
        .steps
        .iter()
        .filter(|s| s.error.is_none() && s.finished_at.is_some())
        .map(|s| s.step.as_str())
        .collect();
    let blocked = if let Some(revision) = saved_since {
        Some(format!(
            "The spec was saved (revision {revision}) after this apply started: review the new plan and apply it"
        ))
    } else {
        steps
            .iter()
            .find(|s| finished.contains(&s.as_str()))
            .map(|s| format!("The plan now does \"{s}\" again, which this apply finished: review it and apply it"))
    };
    Some(RetryOffer {
        run_id: failed.run.id.clone(),
        failed_step: failed
            .steps
            .iter()
            .find(|s| s.error.is_some())
            .map(|s| s.step.clone()),
        fingerprint: if may_apply && blocked.is_none() {
            plan.fingerprint()
        } else {
            String::new()
        },
        steps,
        blocked,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times_become_epoch_seconds() {
        assert_eq!(seconds("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(seconds("2000-03-01T00:00:00Z"), Some(951_868_800.0));
        assert_eq!(seconds("2026-11-29T21:01:46Z"), Some(1_795_986_106.0));
        let frac = seconds("2026-11-29T21:01:46.25Z").unwrap();
        assert!((frac - 1_795_986_106.25).abs() < 1e-6);
        assert_eq!(
            seconds("2026-11-29T22:01:46+01:00"),
            seconds("2026-11-29T21:01:46Z")
        );
        assert_eq!(seconds("yesterday"), None);
        assert_eq!(seconds("2026-13-01T00:00:00Z"), None);
    }

    #[test]
    fn elapsed_times_read_like_a_stopwatch() {
        assert_eq!(format_elapsed(0.4234), "0.42 s");
        assert_eq!(format_elapsed(12.34), "12.3 s");
        assert_eq!(format_elapsed(125.0), "2 min 05 s");
    }

    fn step(name: &str, start: &str, end: Option<&str>, error: Option<&str>) -> RunStep {
        RunStep {
            step: name.into(),
            started_at: start.into(),
            finished_at: end.map(Into::into),
            error: error.map(Into::into),
        }
    }

    fn run(kind: RunKind, state: RunState, steps: Vec<RunStep>) -> RunHistory {
        RunHistory {
            run: RunRecord {
                id: "r1".into(),
                kind,
                state,
                started_by: "ana".into(),
                started_at: "2026-11-29T10:00:00Z".into(),
                current_step: None,
                error: None,
            },
            steps,
        }
    }

    #[test]
    fn a_running_run_ticks_from_the_server_clock_and_a_finished_one_stops_at_its_last_step() {
        let h = run(
            RunKind::Apply,
            RunState::Running,
            vec![
                step(
                    "create ECS cluster a",
                    "2026-11-29T10:00:00.5Z",
                    Some("2026-11-29T10:00:01Z"),
                    None,
                ),
                step(
                    "create Batch compute environment a-ce",
                    "2026-11-29T10:00:01Z",
                    None,
                    None,
                ),
            ],
        );
        let mut live = LiveRun {
            run: h.run.clone(),
            steps: h.steps.clone(),
            read_at: "2026-11-29T10:00:03Z".into(),
        };
        let now = seconds(&live.read_at).unwrap();
        assert_eq!(live.elapsed(now), Some(3.0));
        assert_eq!(step_elapsed(&live.steps[0], true, now), Some(0.5));
        assert_eq!(step_elapsed(&live.steps[1], true, now), Some(2.0));
        live.run.state = RunState::Failed;
        live.steps[1].finished_at = Some("2026-11-29T10:00:02Z".into());
        assert_eq!(live.elapsed(now + 100.0), Some(2.0));
        let later = LiveRun {
            read_at: "2026-11-29T10:00:09Z".into(),
            ..live.clone()
        };
        assert!(live.same_as(&later));
    }

    #[test]
    fn aws_errors_come_apart_into_code_message_and_request_id() {
        let e = "create Batch job queue q: batch:CreateJobQueue failed: ClientException: Queue limit: 50 reached (request id 0b2f-11)";
        assert_eq!(
            AwsErrorParts::parse(e),
            Some(AwsErrorParts {
                operation: "batch:CreateJobQueue".into(),
                code: Some("ClientException".into()),
                message: "Queue limit: 50 reached".into(),
                request_id: Some("0b2f-11".into()),
            })
        );
        let transport =
            "create ECS cluster c: ecs:CreateCluster failed: dispatch failure: connection refused";
        let parts = AwsErrorParts::parse(transport).unwrap();
        assert_eq!(parts.code, None);
        assert_eq!(parts.message, "dispatch failure: connection refused");
        assert_eq!(parts.request_id, None);
        assert_eq!(
            AwsErrorParts::parse(
                "create Batch compute environment c-ce: timed out after 600s waiting for VALID"
            ),
            None
        );
    }

    fn planned(steps: &[(Action, crate::domain::ResourceKind, &str)]) -> Plan {
        Plan {
            serial: 7,
            steps: steps
                .iter()
                .map(|(action, kind, name)| crate::domain::Step {
                    action: *action,
                    kind: *kind,
                    name: (*name).into(),
                    settings: Vec::new(),
                    changes: Vec::new(),
                    replace_order: None,
                    note: None,
                })
                .collect(),
            drift: Vec::new(),
        }
    }

    #[test]
    fn a_failed_apply_is_retried_with_what_its_plan_had_left() {
        use crate::domain::ResourceKind as K;
        let failed = run(
            RunKind::Apply,
            RunState::Failed,
            vec![
                step(
                    "create ECS cluster a",
                    "2026-11-29T10:00:00Z",
                    Some("2026-11-29T10:00:01Z"),
                    None,
                ),
                step(
                    "create Batch compute environment a-ce",
                    "2026-11-29T10:00:01Z",
                    Some("2026-11-29T10:00:02Z"),
                    None,
                ),
                step(
                    "create Batch job queue a-queue",
                    "2026-11-29T10:00:02Z",
                    Some("2026-11-29T10:00:03Z"),
                    Some("boom"),
                ),
            ],
        );
        let left = planned(&[
            (Action::NoChange, K::Cluster, "a"),
            (Action::NoChange, K::ComputeEnvironment, "a-ce"),
            (Action::Create, K::JobQueue, "a-queue"),
        ]);
        let offer = retry_offer(&failed, None, &left, true).unwrap();
        assert_eq!(offer.steps, ["create Batch job queue a-queue"]);
        assert_eq!(
            offer.failed_step.as_deref(),
            Some("create Batch job queue a-queue")
        );
        assert_eq!(offer.fingerprint, left.fingerprint());
        assert_eq!(offer.blocked, None);
        // Viewers see the offer without the fingerprint.
        assert_eq!(
            retry_offer(&failed, None, &left, false)
                .unwrap()
                .fingerprint,
            ""
        );
        // The spec saved since: review first.
        let saved = retry_offer(&failed, Some(3), &left, true).unwrap();
        assert!(saved.blocked.unwrap().contains("revision 3"));
        assert_eq!(saved.fingerprint, "");
        // A finished step planned again (the journal changed under the run): review first.
        let redo = planned(&[
            (Action::Create, K::Cluster, "a"),
            (Action::Create, K::JobQueue, "a-queue"),
        ]);
        assert!(
            retry_offer(&failed, None, &redo, true)
                .unwrap()
                .blocked
                .unwrap()
                .contains("create ECS cluster a")
        );
        // Nothing left, a run that succeeded, or a destroy: no retry.
        assert_eq!(
            retry_offer(
                &failed,
                None,
                &planned(&[(Action::NoChange, K::JobQueue, "a-queue")]),
                true
            ),
            None
        );
        let ok = RunHistory {
            run: RunRecord {
                state: RunState::Succeeded,
                ..failed.run.clone()
            },
            ..failed.clone()
        };
        assert_eq!(retry_offer(&ok, None, &left, true), None);
        let destroy = RunHistory {
            run: RunRecord {
                kind: RunKind::Destroy,
                ..failed.run.clone()
            },
            ..failed.clone()
        };
        assert_eq!(retry_offer(&destroy, None, &left, true), None);
    }
}
