//! Errors of the runtime.

/// Failures to set up the runtime or to load a module.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The engine, pool or linker could not be built.
    #[error("wasmtime setup failed: {0:#}")]
    Setup(wasmtime::Error),
    /// The module cache directory could not be used.
    #[error("module cache at {path}: {source}")]
    Cache {
        /// Directory or file involved.
        path: std::path::PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The module failed validation or compilation.
    #[error("module does not compile: {0}")]
    Compile(String),
    /// Compilation took longer than the cap.
    #[error("compilation exceeded {0:?}")]
    CompileTimeout(std::time::Duration),
    /// The module bytes do not hash to the sha256 they were loaded under.
    #[error("module bytes do not match sha256 {0}")]
    HashMismatch(String),
    /// The module's imports or exports do not fit the platform.
    #[error("module cannot be linked: {0:#}")]
    Link(wasmtime::Error),
    /// The module bytes could not be fetched.
    #[error("module {sha256} unavailable: {reason}")]
    Unavailable {
        /// Module hash.
        sha256: String,
        /// Why.
        reason: String,
    },
}

/// Why an invocation did not produce a Response. All are the guest's doing except
/// `PoolExhausted` and `Internal`.
#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    /// The guest trapped (including a failed allocation after `memory.grow` was refused).
    #[error("guest trapped: {0}")]
    Trap(String),
    /// The invocation ran past its deadline.
    #[error("invocation exceeded its deadline")]
    Timeout,
    /// The guest's ABI use is broken (missing export, bad pointer, failed alloc).
    #[error("guest broke the ABI: {0}")]
    Abi(String),
    /// The Response bytes do not decode or are too large.
    #[error("guest returned an invalid response: {0}")]
    BadResponse(String),
    /// No instance slot is free in this process.
    #[error("no free instance slot")]
    PoolExhausted,
    /// A host failure unrelated to the guest.
    #[error("runtime failure: {0}")]
    Internal(String),
}
