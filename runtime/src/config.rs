//! Configuration of the runtime, with the defaults of DESIGN §7.

use std::path::PathBuf;
use std::time::Duration;

use crate::Compiler;

/// Default size of the instance pool: invocations that can run at once in one process.
pub const DEFAULT_MAX_INSTANCES: u32 = 1000;
/// Default and maximum linear memory per instance: 128 MiB.
pub const DEFAULT_MAX_MEMORY_BYTES: usize = 128 * 1024 * 1024;
/// Default wall time per invocation.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest wall time an invocation may be configured with.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// Default compile time cap.
pub const DEFAULT_COMPILE_TIMEOUT: Duration = Duration::from_secs(30);
/// Default epoch tick: how often a running guest checks its deadline and yields.
pub const DEFAULT_EPOCH_TICK: Duration = Duration::from_millis(5);
/// Default cap of a response the guest returns (the body limit).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024;
/// Default bytes of linear memory reset in place (not decommitted) between invocations.
pub const DEFAULT_KEEP_RESIDENT_BYTES: usize = 2 * 1024 * 1024;
/// Default cap of table elements per table.
pub const DEFAULT_MAX_TABLE_ELEMENTS: usize = 100_000;

/// How the runtime is set up.
#[derive(Clone, Debug)]
pub struct RuntimeConfig {
    /// Directory of compiled artifacts (`{sha256}-{engine}.cwasm`).
    pub cache_dir: PathBuf,
    /// Instance pool size (instances, memories, tables and stacks alike).
    pub max_instances: u32,
    /// Largest linear memory an instance may have; per-function limits are lower or equal.
    pub max_memory_bytes: usize,
    /// Epoch tick period.
    pub epoch_tick: Duration,
    /// Largest encoded Response read back from a guest.
    pub max_response_bytes: usize,
    /// Largest table an instance may have.
    pub max_table_elements: usize,
    /// Bytes at the bottom of each linear memory reset in place between invocations
    /// (faster than decommitting when guests touch few pages; costs resident memory).
    pub keep_resident_bytes: usize,
    /// How modules are compiled.
    pub compiler: Compiler,
    /// Compile time cap (enforced by killing the child process).
    pub compile_timeout: Duration,
}

impl RuntimeConfig {
    /// Defaults with the given cache directory, compiling in-process.
    pub fn new(cache_dir: impl Into<PathBuf>) -> RuntimeConfig {
        RuntimeConfig {
            cache_dir: cache_dir.into(),
            max_instances: DEFAULT_MAX_INSTANCES,
            max_memory_bytes: DEFAULT_MAX_MEMORY_BYTES,
            epoch_tick: DEFAULT_EPOCH_TICK,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_table_elements: DEFAULT_MAX_TABLE_ELEMENTS,
            keep_resident_bytes: DEFAULT_KEEP_RESIDENT_BYTES,
            compiler: Compiler::InProcess,
            compile_timeout: DEFAULT_COMPILE_TIMEOUT,
        }
    }
}
