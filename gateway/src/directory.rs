//! The control plane's answers to workers: function specs and module bytes, served
//! from the routing table and the store.

use async_trait::async_trait;
use updraft_broker::{BrokerError, FunctionDirectory, FunctionKey, FunctionSpec, ModuleSource};

use crate::registry::spec_of;
use crate::{FunctionSettings, Gateway};

/// Serves [`FunctionDirectory`] and [`ModuleSource`] from a [`Gateway`].
#[derive(Clone)]
pub struct GatewayDirectory {
    gateway: Gateway,
}

impl GatewayDirectory {
    /// A directory over `gateway`.
    pub fn new(gateway: Gateway) -> GatewayDirectory {
        GatewayDirectory { gateway }
    }

    /// The gateway served.
    pub fn gateway(&self) -> &Gateway {
        &self.gateway
    }
}

fn unavailable(error: impl std::fmt::Display) -> BrokerError {
    BrokerError::Unavailable(error.to_string())
}

#[async_trait]
impl FunctionDirectory for GatewayDirectory {
    async fn spec(&self, function: &FunctionKey, revision: u32) -> Result<Option<FunctionSpec>, BrokerError> {
        if let Some(live) = self.gateway.function(&function.app, &function.function)
            && live.revision == revision
        {
            return Ok(Some(live.spec.clone()));
        }
        // An older revision still has calls in flight (or a newer one is not yet live
        // here): read it from the store.
        let Some(row) = self.gateway.db().revision(&function.app, &function.function, revision).map_err(unavailable)? else {
            return Ok(None);
        };
        let settings: FunctionSettings = serde_json::from_str(&row.settings).map_err(unavailable)?;
        Ok(Some(spec_of(function, revision, &row.sha256, &settings)))
    }
}

#[async_trait]
impl ModuleSource for GatewayDirectory {
    async fn module(&self, sha256: &str) -> Result<Vec<u8>, BrokerError> {
        let blobs = self.gateway.blobs().clone();
        let sha = sha256.to_owned();
        let bytes = tokio::task::spawn_blocking(move || blobs.get(&sha)).await.map_err(unavailable)?;
        bytes.map_err(unavailable)?.ok_or_else(|| BrokerError::Unavailable(format!("module {sha256} not stored")))
    }
}
