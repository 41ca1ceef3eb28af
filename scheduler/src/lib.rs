//! Updraft scheduler: decides which workers run which functions, and how many machines
//! there are.
//!
//! This crate owns the monitor (workers from heartbeats, functions from deploy notices),
//! the service-level policy (instances per function from demand: stable and panic
//! windows, scale to zero), the placement of instances on machines, the machine-level
//! policy, the provisioners (Docker containers, local processes), and the reconciliation
//! loop that grants and revokes until workers report what the placement says. The
//! policies are pure functions, tested with tables of inputs and expected decisions. [`StaticGrants`] serves `updraft up`: one in-process worker holds every function
//! at its full `max_instances × concurrency`.
//!
//! It talks to workers only through the broker's control messages and never reaches
//! into the runtime.

mod autoscale;
pub mod machines;
pub mod monitor;
pub mod placement;
pub mod policy;
pub mod provisioner;
mod scheduler;
mod static_grants;

pub use scheduler::{Scheduler, SchedulerConfig, DEFAULT_WORKER_TIMEOUT};
pub use static_grants::StaticGrants;
