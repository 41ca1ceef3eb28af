//! The services reachable through `host_call`, looked up by name.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use updraft_abi::{ErrorCode, ServiceError};

use crate::CallContext;

/// Default cap on a `host_call` argument or result: the body limit (DESIGN §7).
pub const DEFAULT_MAX_PAYLOAD_BYTES: usize = 6 * 1024 * 1024;

/// Default deadline of one service call, within the invocation's own deadline.
pub const DEFAULT_SERVICE_TIMEOUT: Duration = Duration::from_secs(5);

/// One platform service. Arguments and results are MessagePack per the ABI table.
#[async_trait::async_trait]
pub trait Service: Send + Sync + 'static {
    /// Handles one call of service `name` (a service may answer several names) from the
    /// invocation described by `ctx`.
    async fn call(&self, name: &str, ctx: &CallContext, arg: &[u8]) -> Result<Vec<u8>, ServiceError>;

    /// How long a call may take before the guest gets `unavailable` (never beyond the
    /// invocation's deadline).
    fn timeout(&self) -> Duration {
        DEFAULT_SERVICE_TIMEOUT
    }
}

/// Services by name, plus the payload cap applied to every call.
#[derive(Clone)]
pub struct ServiceRegistry {
    services: HashMap<String, Arc<dyn Service>>,
    max_payload: usize,
}

impl Default for ServiceRegistry {
    fn default() -> Self {
        ServiceRegistry::new(DEFAULT_MAX_PAYLOAD_BYTES)
    }
}

impl ServiceRegistry {
    /// An empty registry capping arguments and results at `max_payload` bytes.
    pub fn new(max_payload: usize) -> ServiceRegistry {
        ServiceRegistry { services: HashMap::new(), max_payload }
    }

    /// Adds or replaces the service answering `names`.
    pub fn register(&mut self, names: &[&str], service: Arc<dyn Service>) -> &mut Self {
        for name in names {
            self.services.insert((*name).to_owned(), service.clone());
        }
        self
    }

    /// The largest argument or result a call may carry.
    pub fn max_payload(&self) -> usize {
        self.max_payload
    }

    /// Names of the registered services.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.services.keys().map(String::as_str)
    }

    /// Runs the call `name(arg)` under the service's timeout and the invocation deadline.
    /// Every failure is a value for the guest, never a trap.
    pub async fn dispatch(&self, ctx: &CallContext, name: &str, arg: &[u8]) -> Result<Vec<u8>, ServiceError> {
        if arg.len() > self.max_payload {
            return Err(ServiceError::new(ErrorCode::TooLarge, format!("argument over {} bytes", self.max_payload)));
        }
        let Some(service) = self.services.get(name) else {
            return Err(ServiceError::new(ErrorCode::NotFound, format!("no service named {name:?}")));
        };
        let remaining = ctx.deadline.saturating_duration_since(std::time::Instant::now());
        let limit = remaining.min(service.timeout());
        let result = match tokio::time::timeout(limit, service.call(name, ctx, arg)).await {
            Ok(result) => result?,
            Err(_) => {
                return Err(ServiceError::new(ErrorCode::Unavailable, format!("{name} did not answer within {limit:?}")));
            }
        };
        if result.len() > self.max_payload {
            return Err(ServiceError::new(ErrorCode::TooLarge, format!("result over {} bytes", self.max_payload)));
        }
        Ok(result)
    }
}
