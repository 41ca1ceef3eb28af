//! Updraft scheduler: decides which workers run which functions, and how many machines
//! there are.
//!
//! This crate owns the grant policies. [`StaticGrants`] serves `updraft up`: one
//! in-process worker holds every function at its full `max_instances × concurrency`.
//!
//! It talks to workers only through the broker's control messages and never reaches
//! into the runtime.

mod static_grants;

pub use static_grants::StaticGrants;
