//! Static checks of an uploaded module before anything is compiled: it is valid wasm, a
//! core module (not a component), within the size cap, imports only what the platform
//! provides and exports what ABI v1 requires.

use wasmparser::{ExternalKind, Parser, Payload, TypeRef, Validator};

use updraft_abi::{
    EXPORT_ALLOC, EXPORT_HANDLE, EXPORT_INITIALIZE, EXPORT_MEMORY, IMPORT_HOST_CALL, IMPORT_HOST_RESULT, IMPORT_LOG,
    IMPORT_MODULE,
};

/// The WASI preview1 import module.
const WASI_MODULE: &str = "wasi_snapshot_preview1";

/// Why a module was refused.
#[derive(Debug, thiserror::Error)]
pub enum ValidationError {
    /// Bigger than the module size cap (413).
    #[error("module is {size} bytes; the limit is {limit}")]
    TooLarge {
        /// Module size.
        size: usize,
        /// The cap.
        limit: usize,
    },
    /// Not valid WebAssembly (400).
    #[error("not a valid WebAssembly module: {0}")]
    Invalid(String),
    /// A component or other unsupported form (400).
    #[error("{0}")]
    Unsupported(String),
    /// An import the platform does not provide (400).
    #[error("module imports `{module}`.`{name}`, which the platform does not provide")]
    UnknownImport {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
    },
    /// A required export is missing (400).
    #[error("module does not export `{0}` (build it with the updraft guest SDK for wasm32-wasip1)")]
    MissingExport(&'static str),
}

/// What validation learned about a module.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModuleInfo {
    /// Size in bytes.
    pub size: usize,
    /// Whether it exports `_initialize`.
    pub has_initialize: bool,
    /// Number of imports.
    pub imports: usize,
}

/// Validates `wasm` against the size cap and ABI v1's imports and exports.
pub fn validate_module(wasm: &[u8], max_bytes: usize) -> Result<ModuleInfo, ValidationError> {
    if wasm.len() > max_bytes {
        return Err(ValidationError::TooLarge { size: wasm.len(), limit: max_bytes });
    }
    if wasm.len() >= 8 && wasm[..4] == *b"\0asm" && wasm[4..8] != [1, 0, 0, 0] {
        return Err(ValidationError::Unsupported(
            "components are not supported: build a core module for wasm32-wasip1".into(),
        ));
    }
    Validator::new().validate_all(wasm).map_err(|e| ValidationError::Invalid(e.to_string()))?;
    let mut info = ModuleInfo { size: wasm.len(), ..ModuleInfo::default() };
    let (mut memory, mut alloc, mut handle) = (false, false, false);
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| ValidationError::Invalid(e.to_string()))? {
            Payload::ImportSection(reader) => {
                for import in reader {
                    let import = import.map_err(|e| ValidationError::Invalid(e.to_string()))?;
                    check_import(import.module, import.name, &import.ty)?;
                    info.imports += 1;
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(|e| ValidationError::Invalid(e.to_string()))?;
                    match (export.name, export.kind) {
                        (EXPORT_MEMORY, ExternalKind::Memory) => memory = true,
                        (EXPORT_ALLOC, ExternalKind::Func) => alloc = true,
                        (EXPORT_HANDLE, ExternalKind::Func) => handle = true,
                        (EXPORT_INITIALIZE, ExternalKind::Func) => info.has_initialize = true,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    for (present, name) in [(memory, EXPORT_MEMORY), (alloc, EXPORT_ALLOC), (handle, EXPORT_HANDLE)] {
        if !present {
            return Err(ValidationError::MissingExport(name));
        }
    }
    Ok(info)
}

fn check_import(module: &str, name: &str, ty: &TypeRef) -> Result<(), ValidationError> {
    let known = match module {
        WASI_MODULE => matches!(ty, TypeRef::Func(_)),
        IMPORT_MODULE => matches!(name, IMPORT_LOG | IMPORT_HOST_CALL | IMPORT_HOST_RESULT),
        _ => false,
    };
    if known {
        Ok(())
    } else {
        Err(ValidationError::UnknownImport { module: module.to_owned(), name: name.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wat(text: &str) -> Vec<u8> {
        wat::parse_str(text).unwrap()
    }

    const MINIMAL: &str = r#"(module (memory (export "memory") 1)
        (func (export "updraft_alloc") (param i32) (result i32) i32.const 0)
        (func (export "updraft_handle") (param i32 i32) (result i64) i64.const 0))"#;

    #[test]
    fn accepts_a_minimal_module() {
        assert!(validate_module(&wat(MINIMAL), 1 << 20).is_ok());
    }

    #[test]
    fn rejects_garbage_size_and_missing_exports() {
        assert!(matches!(validate_module(b"not wasm", 100), Err(ValidationError::Invalid(_))));
        assert!(matches!(validate_module(&wat(MINIMAL), 10), Err(ValidationError::TooLarge { .. })));
        let no_handle = wat(r#"(module (memory (export "memory") 1)
            (func (export "updraft_alloc") (param i32) (result i32) i32.const 0))"#);
        assert!(matches!(validate_module(&no_handle, 1 << 20), Err(ValidationError::MissingExport("updraft_handle"))));
    }

    #[test]
    fn rejects_unknown_imports() {
        let m = wat(r#"(module (import "env" "open" (func)) (memory (export "memory") 1)
            (func (export "updraft_alloc") (param i32) (result i32) i32.const 0)
            (func (export "updraft_handle") (param i32 i32) (result i64) i64.const 0))"#);
        assert!(matches!(validate_module(&m, 1 << 20), Err(ValidationError::UnknownImport { .. })));
    }
}
