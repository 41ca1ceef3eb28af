//! End-to-end tests: the real `updraft` binary, real HTTP, real example modules.
//!
//! The example modules are built by `examples-wasm/build.sh` (CI runs it first).

mod cluster_support;
mod support;

mod accounts;
mod cli;
mod cluster;
mod console;
mod deploy;
mod hostile;
mod invoke;
mod logs;
mod mail;
mod observability;
mod openapi;
mod services;
mod sessions;
