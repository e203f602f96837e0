//! The AWS adapter: implements the engine's [`app::engine::Cloud`] port over the official
//! AWS SDK for Rust. The only place that names AWS SDK types.

mod call_metrics;
mod capacity;
mod capacity_state;
mod cloud;
mod connect;
mod definitions;
mod discovery;
mod error;
mod jobs;
mod tags;
mod tasks;

pub use cloud::AwsCloud;
pub use connect::{AwsSetup, connect, sdk_config};
