//! The provisioning engine (server only): apply and destroy plans through the ports.
//!
//! It knows no AWS SDK type and no database: `server/` implements [`Cloud`] and [`Store`].

mod error;
mod ports;
mod runner;
mod wait;

pub use error::{CloudError, EngineError, StoreError};
pub use ports::{
    AuditEntry, CallerIdentity, Cloud, DesiredResource, EnvironmentRecord, Observed, RunKind,
    RunRecord, RunState, Store, UserRecord, tags_for,
};
pub use runner::{apply, destroy, execute, observe, start_run};
pub use wait::WaitPolicy;
