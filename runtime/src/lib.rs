//! Updraft runtime: runs guest modules in wasmtime.
//!
//! This crate owns the wasmtime [`Engine`](wasmtime::Engine) (pooling allocator, epoch
//! interruption driven by one ticker thread, asleep while no guest runs), the on-disk
//! cache of compiled modules (by sha256, so a restart never recompiles), compilation
//! under a time cap in a child process, one `InstancePre` per module, and a fresh
//! `Store` + instance per invocation with the limits of DESIGN §7 enforced inside
//! wasmtime. Every way a guest can fail — a trap, a timeout, a bad pointer, an
//! undecodable response — is a typed [`InvokeError`].
//!
//! It depends on the ABI and the host imports; it knows nothing of HTTP, brokers or
//! storage of metadata.

mod cache;
mod compile;
mod config;
mod engine;
mod error;
mod invoke;
mod module;
mod store;
mod validate;

pub use compile::{compile_artifact, Compiler};
pub use config::*;
pub use error::{InvokeError, RuntimeError};
pub use invoke::{InvokeInput, InvokeOutput};
pub use module::FunctionModule;
pub use validate::{validate_module, ModuleInfo, ValidationError};

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::OnceCell;
use wasmtime::{Engine, Linker};

use crate::cache::ModuleCache;
use crate::engine::EpochTicker;
use crate::store::StoreState;

/// The wasmtime runtime of one process: engine, linker, module cache. Cheap to clone.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

struct Inner {
    config: RuntimeConfig,
    engine: Engine,
    linker: Linker<StoreState>,
    cache: ModuleCache,
    /// Loaded modules by sha256; a cell per module so concurrent loads compile once.
    modules: Mutex<HashMap<String, Arc<OnceCell<Arc<FunctionModule>>>>>,
    ticker: EpochTicker,
}

impl Runtime {
    /// Builds the engine (reserving the instance pool), the linker and the ticker.
    pub fn new(config: RuntimeConfig) -> Result<Runtime, RuntimeError> {
        let engine = engine::pooled_engine(&config)?;
        let linker = store::linker(&engine)?;
        let cache = ModuleCache::open(&config.cache_dir, &engine)?;
        let ticker = EpochTicker::start(&engine, config.epoch_tick);
        let inner = Inner { config, engine, linker, cache, modules: Mutex::new(HashMap::new()), ticker };
        Ok(Runtime { inner: Arc::new(inner) })
    }

    /// The configuration this runtime was built with.
    pub fn config(&self) -> &RuntimeConfig {
        &self.inner.config
    }

    /// The module with this sha256 if it is loaded in memory already (the warm path).
    pub fn loaded(&self, sha256: &str) -> Option<Arc<FunctionModule>> {
        let cell = self.inner.modules.lock().get(sha256).cloned()?;
        cell.get().cloned()
    }

    /// Whether a compiled artifact of this module is in the disk cache.
    pub fn is_compiled(&self, sha256: &str) -> bool {
        self.inner.cache.artifact_path(sha256).is_file()
    }

    /// Loads a module: from memory, else from the compiled cache, else by compiling the
    /// bytes `fetch` yields (under the compile time cap). Concurrent loads of one module
    /// share one compile.
    pub async fn load<F, Fut>(&self, sha256: &str, fetch: F) -> Result<Arc<FunctionModule>, RuntimeError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Vec<u8>, RuntimeError>>,
    {
        let cell = self.inner.modules.lock().entry(sha256.to_owned()).or_default().clone();
        let loaded = cell
            .get_or_try_init(|| async {
                let path = self.inner.cache.artifact_path(sha256);
                if !path.is_file() {
                    let wasm = fetch().await?;
                    compile::check_sha256(sha256, &wasm)?;
                    compile::compile_to_cache(&self.inner.config, &self.inner.cache, sha256, &wasm).await?;
                }
                let module = self.inner.cache.deserialize(sha256)?;
                FunctionModule::new(sha256, &self.inner.linker, module).map(Arc::new)
            })
            .await?;
        Ok(loaded.clone())
    }

    /// Drops a module from memory (its compiled artifact stays on disk).
    pub fn unload(&self, sha256: &str) {
        self.inner.modules.lock().remove(sha256);
    }

    /// Runs one invocation of `module` in a fresh instance.
    pub async fn invoke(&self, module: &FunctionModule, input: InvokeInput) -> Result<InvokeOutput, InvokeError> {
        let _running = self.inner.ticker.running();
        invoke::invoke(&self.inner.engine, &self.inner.config, module, input).await
    }

    /// Instantiates `module` once (start function and `_initialize` included) under
    /// `deadline`, without calling the handler: proves it fits the pool and limits.
    pub async fn trial_instantiate(
        &self,
        module: &FunctionModule,
        host: updraft_host::HostState,
        memory_limit: usize,
        deadline: std::time::Instant,
    ) -> Result<(), InvokeError> {
        let _running = self.inner.ticker.running();
        invoke::trial(&self.inner.engine, &self.inner.config, module, host, memory_limit, deadline).await
    }
}
