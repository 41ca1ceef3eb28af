//! What a worker asks of the control plane: function specs and module bytes.

use async_trait::async_trait;

use crate::{BrokerError, FunctionKey, FunctionSpec};

/// Resolves the spec (module hash, limits, env) of a function revision.
#[async_trait]
pub trait FunctionDirectory: Send + Sync + 'static {
    /// The spec of `function` at `revision`, or `None` if it no longer exists.
    async fn spec(&self, function: &FunctionKey, revision: u32) -> Result<Option<FunctionSpec>, BrokerError>;
}

/// Serves module bytes by sha256.
#[async_trait]
pub trait ModuleSource: Send + Sync + 'static {
    /// The bytes of the module whose sha256 (hex) is `sha256`.
    async fn module(&self, sha256: &str) -> Result<Vec<u8>, BrokerError>;
}
