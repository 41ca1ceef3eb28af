//! What a Store holds for one invocation, and the linker that serves its imports.

use wasmtime::{Engine, Linker, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p1::WasiP1Ctx;

use updraft_host::HostState;

use crate::RuntimeError;

/// The data of one invocation's store: WASI, the platform imports, the limits.
pub(crate) struct StoreState {
    pub(crate) wasi: WasiP1Ctx,
    pub(crate) host: HostState,
    pub(crate) limits: StoreLimits,
}

/// Limits of one store: one instance, one memory of at most `memory_bytes`.
pub(crate) fn limits(memory_bytes: usize, table_elements: usize) -> StoreLimits {
    StoreLimitsBuilder::new()
        .memory_size(memory_bytes)
        .table_elements(table_elements)
        .instances(1)
        .memories(1)
        .tables(2)
        .trap_on_grow_failure(false)
        .build()
}

/// The linker shared by all modules: WASI preview1 and the `updraft` module.
pub(crate) fn linker(engine: &Engine) -> Result<Linker<StoreState>, RuntimeError> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p1::add_to_linker_async(&mut linker, |s: &mut StoreState| &mut s.wasi)
        .map_err(RuntimeError::Setup)?;
    updraft_host::add_to_linker(&mut linker, |s: &mut StoreState| &mut s.host).map_err(RuntimeError::Setup)?;
    Ok(linker)
}
