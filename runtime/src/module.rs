//! A module ready to instantiate: one `InstancePre` per module, shared by invocations.

use wasmtime::{AsContextMut, ExternType, Instance, Linker, Memory, Module, ModuleExport, TypedFunc, ValType};

use updraft_abi::{EXPORT_ALLOC, EXPORT_HANDLE, EXPORT_INITIALIZE, EXPORT_MEMORY};

use crate::store::StoreState;
use crate::RuntimeError;

/// A loaded module: its imports resolved once, instantiated afresh per invocation.
pub struct FunctionModule {
    sha256: String,
    pub(crate) pre: wasmtime::InstancePre<StoreState>,
    pub(crate) exports: AbiExports,
}

/// The ABI's exports of a module, found and type-checked by name once at load
/// ([`check_exports`]) instead of by name in every instance.
pub(crate) struct AbiExports {
    memory: ModuleExport,
    alloc: ModuleExport,
    handle: ModuleExport,
    initialize: Option<ModuleExport>,
}

impl std::fmt::Debug for FunctionModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionModule").field("sha256", &self.sha256).finish_non_exhaustive()
    }
}

impl AbiExports {
    pub(crate) fn memory(&self, store: impl AsContextMut, instance: &Instance) -> Result<Memory, String> {
        instance.get_module_export(store, &self.memory).and_then(|e| e.into_memory()).ok_or_else(|| missing(EXPORT_MEMORY))
    }

    pub(crate) fn alloc(&self, store: impl AsContextMut, instance: &Instance) -> Result<TypedFunc<i32, i32>, String> {
        func(store, instance, &self.alloc, EXPORT_ALLOC)
    }

    pub(crate) fn handle(&self, store: impl AsContextMut, instance: &Instance) -> Result<TypedFunc<(i32, i32), i64>, String> {
        func(store, instance, &self.handle, EXPORT_HANDLE)
    }

    pub(crate) fn initialize(&self, store: impl AsContextMut, instance: &Instance) -> Result<Option<TypedFunc<(), ()>>, String> {
        self.initialize.as_ref().map(|export| func(store, instance, export, EXPORT_INITIALIZE)).transpose()
    }
}

fn func<P: wasmtime::WasmParams, R: wasmtime::WasmResults>(
    mut store: impl AsContextMut,
    instance: &Instance,
    export: &ModuleExport,
    name: &str,
) -> Result<TypedFunc<P, R>, String> {
    let func = instance.get_module_export(&mut store, export).and_then(|e| e.into_func()).ok_or_else(|| missing(name))?;
    func.typed(&store).map_err(|e| format!("export `{name}`: {e:#}"))
}

fn missing(name: &str) -> String {
    format!("the instance has no export `{name}` of its module")
}

impl FunctionModule {
    pub(crate) fn new(sha256: &str, linker: &Linker<StoreState>, module: Module) -> Result<FunctionModule, RuntimeError> {
        let exports = check_exports(&module)?;
        let pre = linker.instantiate_pre(&module).map_err(RuntimeError::Link)?;
        Ok(FunctionModule { sha256: sha256.to_owned(), pre, exports })
    }

    /// The sha256 (hex) of the module bytes.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
}

/// The module's ABI exports, each checked to have the type the ABI gives it.
fn check_exports(module: &Module) -> Result<AbiExports, RuntimeError> {
    let not_exported = |what: &str| RuntimeError::Compile(format!("module must export {what}"));
    let index = |name: &str, what: &str| module.get_export_index(name).ok_or_else(|| not_exported(what));
    let memory = match module.get_export(EXPORT_MEMORY) {
        Some(ExternType::Memory(_)) => index(EXPORT_MEMORY, "a memory named `memory`")?,
        _ => return Err(not_exported("a memory named `memory`")),
    };
    let func = |name: &str, params: &[ValType], results: &[ValType]| -> Result<ModuleExport, RuntimeError> {
        let Some(ExternType::Func(ty)) = module.get_export(name) else {
            return Err(not_exported(&format!("function `{name}`")));
        };
        let same = |a: &mut dyn ExactSizeIterator<Item = ValType>, b: &[ValType]| {
            a.len() == b.len() && a.zip(b).all(|(x, y)| ValType::eq(&x, y))
        };
        if same(&mut ty.params(), params) && same(&mut ty.results(), results) {
            index(name, &format!("function `{name}`"))
        } else {
            Err(RuntimeError::Compile(format!("export `{name}` has the wrong signature: {ty}")))
        }
    };
    let alloc = func(EXPORT_ALLOC, &[ValType::I32], &[ValType::I32])?;
    let handle = func(EXPORT_HANDLE, &[ValType::I32, ValType::I32], &[ValType::I64])?;
    let initialize = match module.get_export(EXPORT_INITIALIZE) {
        Some(_) => Some(func(EXPORT_INITIALIZE, &[], &[])?),
        None => None,
    };
    Ok(AbiExports { memory, alloc, handle, initialize })
}
