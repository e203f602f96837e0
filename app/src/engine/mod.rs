//! The provisioning engine (server only): apply and destroy plans through the ports.
//!
//! It knows no AWS SDK type and no database: `server/` implements [`Cloud`] and [`Store`].

mod capacity;
mod error;
mod ports;
mod queue;
mod runner;
mod stop;
mod tasks;
mod wait;

pub use capacity::{sample as sample_capacity, sample_for_view as sample_capacity_for_view};
pub use error::{CloudError, EngineError, StoreError};
pub use ports::{
    AuditEntry, CallerIdentity, Cloud, DesiredResource, DraftRecord, ENVIRONMENT_TAG,
    EnvironmentOverview, EnvironmentRecord, IndexedEnvironment, NewApiToken, NewShareLink,
    Observed, Revision, Role, RunKind, RunRecord, RunState, ShareLink, Store, UPDATABLE_IN_PLACE,
    UserRecord, session_name, tagged_for, tags_for,
};
pub use queue::{QueueSnapshot, QueueWatch, count_jobs, list_page, stop_jobs};
pub use runner::{apply, destroy, execute, execute_until, import, observe, refresh, start_run};
pub use stop::{BackgroundRuns, RunGuard, StopSignal};
pub use tasks::{RunReport, explain, explain_waiting, run_tasks};
pub use wait::WaitPolicy;

/// Now, as RFC 3339 UTC to the second (`2026-11-29T21:10:31Z`): the format of share link
/// expiries, which compare as text.
pub fn now_seconds() -> String {
    seconds_from_now(0)
}

/// The time `seconds` from now, in the format of [`now_seconds`].
pub fn seconds_from_now(seconds: i64) -> String {
    let t = time::OffsetDateTime::now_utc() + time::Duration::seconds(seconds);
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.format(&format).unwrap_or_default()
}
