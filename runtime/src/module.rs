//! A module ready to instantiate: one `InstancePre` per module, shared by invocations.

use wasmtime::{ExternType, Linker, Module, ValType};

use updraft_abi::{EXPORT_ALLOC, EXPORT_HANDLE, EXPORT_INITIALIZE, EXPORT_MEMORY};

use crate::store::StoreState;
use crate::RuntimeError;

/// A loaded module: its imports resolved once, instantiated afresh per invocation.
pub struct FunctionModule {
    sha256: String,
    pub(crate) pre: wasmtime::InstancePre<StoreState>,
    pub(crate) has_initialize: bool,
}

impl std::fmt::Debug for FunctionModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionModule").field("sha256", &self.sha256).finish_non_exhaustive()
    }
}

impl FunctionModule {
    pub(crate) fn new(sha256: &str, linker: &Linker<StoreState>, module: Module) -> Result<FunctionModule, RuntimeError> {
        check_exports(&module)?;
        let has_initialize = module.get_export(EXPORT_INITIALIZE).is_some();
        let pre = linker.instantiate_pre(&module).map_err(RuntimeError::Link)?;
        Ok(FunctionModule { sha256: sha256.to_owned(), pre, has_initialize })
    }

    /// The sha256 (hex) of the module bytes.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
}

fn check_exports(module: &Module) -> Result<(), RuntimeError> {
    let missing = |what: &str| RuntimeError::Compile(format!("module must export {what}"));
    match module.get_export(EXPORT_MEMORY) {
        Some(ExternType::Memory(_)) => {}
        _ => return Err(missing("a memory named `memory`")),
    }
    let func = |name: &str, params: &[ValType], results: &[ValType]| -> Result<(), RuntimeError> {
        let Some(ExternType::Func(ty)) = module.get_export(name) else {
            return Err(missing(&format!("function `{name}`")));
        };
        let same = |a: &mut dyn ExactSizeIterator<Item = ValType>, b: &[ValType]| {
            a.len() == b.len() && a.zip(b).all(|(x, y)| ValType::eq(&x, y))
        };
        if same(&mut ty.params(), params) && same(&mut ty.results(), results) {
            Ok(())
        } else {
            Err(RuntimeError::Compile(format!("export `{name}` has the wrong signature: {ty}")))
        }
    };
    func(EXPORT_ALLOC, &[ValType::I32], &[ValType::I32])?;
    func(EXPORT_HANDLE, &[ValType::I32, ValType::I32], &[ValType::I64])?;
    if module.get_export(EXPORT_INITIALIZE).is_some() {
        func(EXPORT_INITIALIZE, &[], &[])?;
    }
    Ok(())
}
