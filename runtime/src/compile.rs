//! Compilation under a time cap. Cranelift cannot be interrupted in-process, so the cap
//! is enforced by compiling in a child process that is killed when time is up.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use sha2::{Digest, Sha256};

use crate::cache::ModuleCache;
use crate::engine::compile_engine;
use crate::{RuntimeConfig, RuntimeError};

/// Largest address space of a compiling child process.
const COMPILER_ADDRESS_SPACE_BYTES: u64 = 8 << 30;

/// How modules are compiled.
#[derive(Clone, Debug)]
pub enum Compiler {
    /// In this process, on the blocking pool. The time cap cannot be enforced; for tests,
    /// benches and trusted modules.
    InProcess,
    /// In a child process: `program args.. <input.wasm> <output.cwasm>`, which must call
    /// [`compile_artifact`]. The child is killed at the cap.
    Subprocess {
        /// Executable to run (usually the `updraft` binary itself).
        program: PathBuf,
        /// Arguments before the two paths.
        args: Vec<String>,
    },
}

/// Compiles the wasm file `input` into an artifact at `output`: the child-process side
/// of [`Compiler::Subprocess`].
pub fn compile_artifact(input: &Path, output: &Path) -> Result<(), RuntimeError> {
    let wasm = std::fs::read(input).map_err(|source| RuntimeError::Cache { path: input.to_owned(), source })?;
    let artifact = precompile(&wasm)?;
    std::fs::write(output, artifact).map_err(|source| RuntimeError::Cache { path: output.to_owned(), source })
}

fn precompile(wasm: &[u8]) -> Result<Vec<u8>, RuntimeError> {
    let engine = compile_engine()?;
    engine.precompile_module(wasm).map_err(|e| RuntimeError::Compile(format!("{e:#}")))
}

/// Checks that `wasm` hashes to `sha256` (hex).
pub(crate) fn check_sha256(sha256: &str, wasm: &[u8]) -> Result<(), RuntimeError> {
    if hex::encode(Sha256::digest(wasm)) == sha256 {
        Ok(())
    } else {
        Err(RuntimeError::HashMismatch(sha256.to_owned()))
    }
}

/// Compiles `wasm` and renames the artifact into the cache (whole or not at all).
pub(crate) async fn compile_to_cache(
    config: &RuntimeConfig,
    cache: &ModuleCache,
    sha256: &str,
    wasm: &[u8],
) -> Result<(), RuntimeError> {
    let nonce: u64 = rand_nonce();
    let staged = cache.dir().join(format!(".{sha256}.{nonce:016x}.cwasm.tmp"));
    let result = match &config.compiler {
        Compiler::InProcess => {
            let wasm = wasm.to_vec();
            let artifact = tokio::task::spawn_blocking(move || precompile(&wasm))
                .await
                .map_err(|e| RuntimeError::Compile(format!("compiler thread failed: {e}")))??;
            tokio::fs::write(&staged, artifact).await.map_err(|source| RuntimeError::Cache { path: staged.clone(), source })
        }
        Compiler::Subprocess { program, args } => {
            compile_in_child(program, args, cache.dir(), sha256, nonce, wasm, &staged, config.compile_timeout).await
        }
    };
    if let Err(error) = result {
        let _ = std::fs::remove_file(&staged);
        return Err(error);
    }
    let target = cache.artifact_path(sha256);
    std::fs::rename(&staged, &target).map_err(|source| RuntimeError::Cache { path: target, source })
}

#[allow(clippy::too_many_arguments)]
async fn compile_in_child(
    program: &Path,
    args: &[String],
    dir: &Path,
    sha256: &str,
    nonce: u64,
    wasm: &[u8],
    output: &Path,
    timeout: std::time::Duration,
) -> Result<(), RuntimeError> {
    let input = dir.join(format!(".{sha256}.{nonce:016x}.wasm.tmp"));
    tokio::fs::write(&input, wasm).await.map_err(|source| RuntimeError::Cache { path: input.clone(), source })?;
    let mut command = tokio::process::Command::new(program);
    command.args(args).arg(&input).arg(output).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
    command.kill_on_drop(true);
    // SAFETY: the closure only calls setrlimit, which is async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit { rlim_cur: COMPILER_ADDRESS_SPACE_BYTES, rlim_max: COMPILER_ADDRESS_SPACE_BYTES };
            libc::setrlimit(libc::RLIMIT_AS, &limit);
            Ok(())
        });
    }
    let outcome = async {
        let child = command.spawn().map_err(|e| RuntimeError::Compile(format!("cannot start compiler {}: {e}", program.display())))?;
        match tokio::time::timeout(timeout, child.wait_with_output()).await {
            Err(_) => Err(RuntimeError::CompileTimeout(timeout)),
            Ok(Err(e)) => Err(RuntimeError::Compile(format!("compiler process failed: {e}"))),
            Ok(Ok(out)) if out.status.success() => Ok(()),
            Ok(Ok(out)) => {
                let stderr = String::from_utf8_lossy(&out.stderr);
                let reason = stderr.trim().lines().last().unwrap_or("compiler exited with an error").to_owned();
                Err(RuntimeError::Compile(reason))
            }
        }
    }
    .await;
    let _ = tokio::fs::remove_file(&input).await;
    outcome
}

fn rand_nonce() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_with_shared_memory_is_refused_as_wasm_threads_are_not_supported() {
        let shared = wat::parse_str(r#"(module (memory (export "memory") 1 1 shared))"#).unwrap();
        let error = precompile(&shared).expect_err("threads are off");
        assert!(matches!(error, RuntimeError::Compile(_)), "{error}");
        let plain = wat::parse_str(r#"(module (memory (export "memory") 1 1))"#).unwrap();
        assert!(precompile(&plain).is_ok());
    }
}
