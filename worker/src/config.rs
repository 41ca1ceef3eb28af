//! Worker configuration.

use updraft_host::DEFAULT_LOG_BYTES_PER_INVOCATION;

/// Id of the worker inside `updraft up`.
pub const DEFAULT_WORKER_ID: &str = "local";

/// How a worker runs.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// Unique id of this worker (grants name it).
    pub id: String,
    /// Log bytes kept per invocation.
    pub log_bytes_per_invocation: usize,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig { id: DEFAULT_WORKER_ID.into(), log_bytes_per_invocation: DEFAULT_LOG_BYTES_PER_INVOCATION }
    }
}
