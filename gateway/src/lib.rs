//! Updraft gateway: the HTTP API and control plane.
//!
//! This crate owns HTTP API v1 (DESIGN §4): developer accounts and tokens, apps,
//! deploys (validate, compile under a cap, trial-instantiate, store an immutable
//! revision), the routing table of live functions, and invocation at `/fn/{app}/{fn}`
//! through the [`Broker`](updraft_broker::Broker). It serves the worker's
//! [`FunctionDirectory`](updraft_broker::FunctionDirectory) and
//! [`ModuleSource`](updraft_broker::ModuleSource) from its store and writes invocation
//! logs there.
//!
//! It reaches the runtime only through its public API (validation and trial
//! instantiation at deploy time); invocations always go through the broker to a worker.

mod async_calls;
pub mod auth;
mod cluster;
mod config;
mod console;
mod deploy;
mod directory;
mod drain;
mod error;
mod front;
mod fn_call;
mod gauges;
mod gateway;
mod invoke;
mod log_writer;
mod metrics;
mod names;
mod openapi;
mod registry;
mod routes;
mod scaling;
mod services;
mod sessions;
mod settings;

pub use async_calls::ResultRecorder;
pub use config::*;
pub use directory::GatewayDirectory;
pub use error::ApiError;
pub use fn_call::FnCallService;
pub use front::Front;
pub use gateway::{Gateway, GatewayDeps};
pub use log_writer::StoreLogSink;
pub use metrics::{HistoryBucket, Metrics};
pub use names::is_valid_name;
pub use registry::LiveFunction;
pub use settings::{AuthMode, FunctionSettings, SettingsPatch};
