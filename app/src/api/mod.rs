//! The server functions (the console's RPC surface) and the types they exchange.
//!
//! Each server function is thin: find the signed-in user, check they may act, call the
//! engine or a port, and map the error once (see [`error`]).

pub mod auth;
pub mod capacity;
#[cfg(feature = "ssr")]
pub mod charts;
pub mod discovery;
pub mod environments;
pub mod error;
pub mod export;
pub mod live;
pub mod queue;
pub mod revisions;
pub mod sharing;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod tasks;
pub mod tokens;
pub mod types;
pub mod wizard;

pub use error::AppError;
