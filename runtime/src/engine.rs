//! The wasmtime engine: one per process, pooled, with epoch interruption.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::{RuntimeConfig, RuntimeError};

/// Settings that decide what compiled code looks like. Compiling (possibly in a child
/// process) and running must agree on them, or a cached artifact would not load.
pub(crate) fn code_config() -> Config {
    let mut config = Config::new();
    config.epoch_interruption(true);
    config.wasm_backtrace_max_frames(None);
    config.cranelift_opt_level(wasmtime::OptLevel::Speed);
    config
}

/// The engine that runs invocations: code settings plus the instance pool.
pub(crate) fn pooled_engine(runtime: &RuntimeConfig) -> Result<Engine, RuntimeError> {
    let mut pool = PoolingAllocationConfig::default();
    pool.total_core_instances(runtime.max_instances)
        .total_memories(runtime.max_instances)
        .total_tables(runtime.max_instances)
        .total_stacks(runtime.max_instances)
        .total_component_instances(0)
        .max_memories_per_module(1)
        .max_tables_per_module(2)
        .table_elements(runtime.max_table_elements)
        .max_memory_size(runtime.max_memory_bytes)
        // Reset what an invocation dirtied with memset instead of madvise + page faults:
        // PAGEMAP_SCAN (Linux 6.7+) finds the dirty pages, so small guests pay only for
        // the pages they touched.
        .pagemap_scan(wasmtime::Enabled::Auto)
        .linear_memory_keep_resident(runtime.keep_resident_bytes)
        .table_keep_resident(64 * 1024);
    let mut config = code_config();
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config).map_err(RuntimeError::Setup)
}

/// An engine for compiling only (no pool reserved).
pub(crate) fn compile_engine() -> Result<Engine, RuntimeError> {
    Engine::new(&code_config()).map_err(RuntimeError::Setup)
}

/// A short, stable name of what compiled code must match, for artifact file names.
pub(crate) fn engine_tag(engine: &Engine) -> String {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut hasher = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// The one thread per engine that advances its epoch; stops when dropped.
pub(crate) struct EpochTicker {
    stop: Arc<AtomicBool>,
}

impl EpochTicker {
    pub(crate) fn start(engine: &Engine, tick: Duration) -> EpochTicker {
        let stop = Arc::new(AtomicBool::new(false));
        let weak = engine.weak();
        let stopped = stop.clone();
        let spawned = std::thread::Builder::new().name("updraft-epoch".into()).spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                std::thread::sleep(tick);
                match weak.upgrade() {
                    Some(engine) => engine.increment_epoch(),
                    None => break,
                }
            }
        });
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot start the epoch ticker; deadlines fall back to the outer timeout");
        }
        EpochTicker { stop }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
