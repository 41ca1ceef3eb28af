//! Compiled modules on disk, keyed by the module's sha256 and the engine's code settings.

use std::path::{Path, PathBuf};

use wasmtime::{Engine, Module};

use crate::engine::engine_tag;
use crate::RuntimeError;

/// The directory of compiled artifacts.
pub(crate) struct ModuleCache {
    dir: PathBuf,
    tag: String,
    engine: Engine,
}

impl ModuleCache {
    pub(crate) fn open(dir: &Path, engine: &Engine) -> Result<ModuleCache, RuntimeError> {
        std::fs::create_dir_all(dir).map_err(|source| RuntimeError::Cache { path: dir.to_owned(), source })?;
        Ok(ModuleCache { dir: dir.to_owned(), tag: engine_tag(engine), engine: engine.clone() })
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the compiled form of module `sha256` lives.
    pub(crate) fn artifact_path(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}-{}.cwasm", self.tag))
    }

    /// Loads a compiled artifact written by this crate.
    pub(crate) fn deserialize(&self, sha256: &str) -> Result<Module, RuntimeError> {
        let path = self.artifact_path(sha256);
        // SAFETY: artifacts in this directory are only ever written by `compile_artifact`
        // (compiled by wasmtime with the same code settings, checked by the tag in the
        // name and by wasmtime's own header check) and renamed into place whole.
        let loaded = unsafe { Module::deserialize_file(&self.engine, &path) };
        loaded.map_err(|error| {
            // A corrupt artifact must not wedge the module: remove it so the next load
            // recompiles.
            let _ = std::fs::remove_file(&path);
            RuntimeError::Compile(format!("cached artifact unusable: {error:#}"))
        })
    }
}
