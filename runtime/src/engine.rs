//! The wasmtime engine: one per process, pooled, with epoch interruption.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::Thread;
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

/// The one thread per engine that advances its epoch while guests run. While none runs
/// it sleeps without waking, so an idle process (a gateway, a worker at zero) stays idle.
/// Stops when dropped.
pub(crate) struct EpochTicker {
    shared: Arc<Ticking>,
}

struct Ticking {
    /// Guests running now, each counted by a [`Running`].
    running: AtomicUsize,
    /// Epochs advanced so far.
    ticks: AtomicU64,
    stop: AtomicBool,
    /// The ticker thread, unparked when the first guest starts.
    thread: OnceLock<Thread>,
}

/// Counts one running guest while held: the epoch advances.
pub(crate) struct Running<'a>(&'a Ticking);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}

impl EpochTicker {
    pub(crate) fn start(engine: &Engine, tick: Duration) -> EpochTicker {
        let shared = Arc::new(Ticking {
            running: AtomicUsize::new(0),
            ticks: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            thread: OnceLock::new(),
        });
        let weak = engine.weak();
        let ticking = shared.clone();
        let spawned = std::thread::Builder::new().name("updraft-epoch".into()).spawn(move || {
            while !ticking.stop.load(Ordering::SeqCst) {
                // A guest starting after this check unparks the thread, before or after
                // it parks: either way it does not sleep through that guest.
                if ticking.running.load(Ordering::SeqCst) == 0 {
                    std::thread::park();
                    continue;
                }
                std::thread::sleep(tick);
                match weak.upgrade() {
                    Some(engine) => engine.increment_epoch(),
                    None => break,
                }
                ticking.ticks.fetch_add(1, Ordering::Relaxed);
            }
        });
        match spawned {
            Ok(handle) => {
                let _ = shared.thread.set(handle.thread().clone());
            }
            Err(error) => tracing::error!(%error, "cannot start the epoch ticker; deadlines fall back to the outer timeout"),
        }
        EpochTicker { shared }
    }

    /// Counts a guest as running until the guard drops; the first one wakes the ticker.
    pub(crate) fn running(&self) -> Running<'_> {
        if self.shared.running.fetch_add(1, Ordering::SeqCst) == 0
            && let Some(thread) = self.shared.thread.get()
        {
            thread.unpark();
        }
        Running(&self.shared)
    }

    /// Epochs advanced so far.
    #[cfg(test)]
    fn ticks(&self) -> u64 {
        self.shared.ticks.load(Ordering::Relaxed)
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.shared.thread.get() {
            thread.unpark();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_epoch_advances_only_while_a_guest_runs() {
        let engine = Engine::default();
        let ticker = EpochTicker::start(&engine, Duration::from_millis(1));
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(ticker.ticks(), 0, "no guest runs: the ticker sleeps");

        let running = ticker.running();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while ticker.ticks() < 3 {
            assert!(std::time::Instant::now() < deadline, "a running guest gets epoch ticks");
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(running);

        // At most the tick under way when the guest ended follows it.
        std::thread::sleep(Duration::from_millis(50));
        let after = ticker.ticks();
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(ticker.ticks(), after, "no guest runs any more: the ticker sleeps again");
    }
}
