//! Updraft host imports: the `updraft` module a guest links against, and the platform
//! services ("Class-A services") reached through `host_call`.
//!
//! This crate owns:
//! - [`add_to_linker`]: the `log`, `host_call` and `host_result` imports of guest ABI v1,
//!   every guest pointer bounds-checked, every failure a value or a clean trap;
//! - [`Service`] and [`ServiceRegistry`]: one trait per call target, looked up by name;
//! - [`LogCollector`] and [`LogPipe`]: per-invocation log capture with a byte cap, fed by
//!   the `log` import and by WASI stdout/stderr;
//! - [`services`]: `auth.user`, `session.*`, `kv.*`, `mail.send`, each over a backend
//!   trait with a SQLite backend, and the mail outbox with its SMTP delivery loop.
//!
//! It depends on the ABI, wasmtime's linker types and the store; it never reaches into the
//! runtime's engine or stores, and knows nothing of HTTP or brokers.

mod context;
mod error;
mod guest_memory;
mod linker;
mod logs;
mod mailer;
mod service;
pub mod services;

pub use context::{CallContext, HostState};
pub use error::HostError;
pub use linker::add_to_linker;
pub use logs::{gather_logs, unix_micros_now, InvocationLogs, LogCollector, LogLine, LogPipe, LogSink, DEFAULT_LOG_BYTES_PER_INVOCATION, TRUNCATION_MARKER};
pub use service::{Service, ServiceRegistry, DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_SERVICE_TIMEOUT};
pub use mailer::*;
pub use updraft_abi::{ErrorCode, ServiceError};
