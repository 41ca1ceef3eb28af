//! Updraft scheduler: decides which workers run which functions, and how many machines
//! there are.
//!
//! This crate owns the monitor (workers from heartbeats, functions from deploy notices),
//! the placement of slots on workers (pure functions, tested with tables), and the
//! reconciliation loop that grants and revokes until workers report what the placement
//! says. [`StaticGrants`] serves `updraft up`: one in-process worker holds every function
//! at its full `max_instances × concurrency`.
//!
//! It talks to workers only through the broker's control messages and never reaches
//! into the runtime.

pub mod machines;
pub mod monitor;
pub mod placement;
pub mod policy;
mod scheduler;
mod static_grants;

pub use scheduler::{Scheduler, SchedulerConfig, DEFAULT_WORKER_TIMEOUT};
pub use static_grants::StaticGrants;
