//! The batch-inference console: pages, server functions, the pure domain and (server
//! side only) the provisioning engine.
//!
//! Features: `ssr` for the server build, `hydrate` for the browser build; never both.

pub mod api;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod engine;
pub mod ui;

pub use ui::{App, shell};
