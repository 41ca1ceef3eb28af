//! Benchmarks of Updraft.
//!
//! - `benches/abi.rs`: MessagePack encode/decode of the guest ABI types;
//! - `benches/invoke.rs`: instantiate + invoke through the runtime, no HTTP;
//! - `src/bin/load.rs`: `updraft up` serving `hello` against a bare axum hello server,
//!   same load generator (wrk), same run; `src/bin/bare_hello.rs` is that baseline.
//!
//! This crate owns only measurement helpers; it is never a dependency of the platform.

use std::path::PathBuf;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A built example module (`examples-wasm/build.sh` makes them).
pub fn example_module(name: &str) -> anyhow::Result<Vec<u8>> {
    let path = workspace_root().join("examples-wasm/dist").join(format!("{name}.wasm"));
    std::fs::read(&path).map_err(|e| anyhow::anyhow!("{}: {e} (run examples-wasm/build.sh)", path.display()))
}

/// The sha256 (hex) of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
