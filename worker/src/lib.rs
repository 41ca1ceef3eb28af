//! Updraft worker: takes invocations from the broker and runs them in the runtime.
//!
//! This crate owns the loop of one machine: it follows control messages (grants and
//! revocations of concurrency slots per function, deploy notices to warm modules),
//! consumes each granted function's queue at most `slots` at a time, runs every
//! invocation in a fresh instance, ships its logs to a [`LogSink`](updraft_host::LogSink)
//! and settles the delivery with a reply. Drain stops taking work and waits for what is
//! in flight.
//!
//! It depends on the runtime, the host imports and the broker trait; it never touches
//! HTTP or the metadata store.

mod config;
mod execute;
mod finished;
mod grants;
mod heartbeat;
mod mail;
mod remote;
mod retries;
mod worker;

pub use config::{WorkerConfig, DEFAULT_WORKER_ID};
pub use heartbeat::HEARTBEAT_INTERVAL;
pub use mail::BrokerOutbox;
pub use remote::{wire_context, BrokerLogSink, RemoteControlPlane, RemoteServices};
pub use worker::{Worker, WorkerDeps};
