//! `kv.get`, `kv.set`, `kv.delete`, `kv.list` on the calling app's own space.

use std::sync::Arc;

use updraft_abi::{service, ErrorCode, KeyArg, PrefixArg, ServiceError, SetArg, Value};

use super::{argument, result, unknown, ServiceLimits};
use crate::{CallContext, Service};

/// Storage of app key-value spaces.
#[async_trait::async_trait]
pub trait KvBackend: Send + Sync + 'static {
    /// The value of `key` in `app`'s space.
    async fn get(&self, app: &str, key: &str) -> Result<Option<Vec<u8>>, ServiceError>;
    /// Sets `key`.
    async fn set(&self, app: &str, key: &str, value: Vec<u8>) -> Result<(), ServiceError>;
    /// Removes `key`.
    async fn delete(&self, app: &str, key: &str) -> Result<(), ServiceError>;
    /// Keys starting with `prefix`, in order, at most `limit`.
    async fn list(&self, app: &str, prefix: &str, limit: u32) -> Result<Vec<String>, ServiceError>;
}

/// The kv service: checks sizes, then asks the backend for the caller's app only.
pub struct KvService {
    backend: Arc<dyn KvBackend>,
    limits: ServiceLimits,
}

impl KvService {
    /// A kv service over `backend`.
    pub fn new(backend: Arc<dyn KvBackend>, limits: ServiceLimits) -> KvService {
        KvService { backend, limits }
    }

    fn check_key(&self, key: &str) -> Result<(), ServiceError> {
        if key.is_empty() {
            return Err(ServiceError::new(ErrorCode::InvalidArgument, "kv keys must not be empty"));
        }
        if key.len() > self.limits.kv_key_bytes {
            return Err(ServiceError::new(ErrorCode::TooLarge, format!("kv keys are at most {} bytes", self.limits.kv_key_bytes)));
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Service for KvService {
    async fn call(&self, name: &str, ctx: &CallContext, arg: &[u8]) -> Result<Vec<u8>, ServiceError> {
        let app = ctx.app.as_str();
        match name {
            service::KV_GET => {
                let KeyArg { key } = argument(name, arg)?;
                self.check_key(&key)?;
                result(&self.backend.get(app, &key).await?.map(Value))
            }
            service::KV_SET => {
                let SetArg { key, value } = argument(name, arg)?;
                self.check_key(&key)?;
                if value.len() > self.limits.kv_value_bytes {
                    let limit = self.limits.kv_value_bytes;
                    return Err(ServiceError::new(ErrorCode::TooLarge, format!("kv values are at most {limit} bytes")));
                }
                self.backend.set(app, &key, value).await?;
                result(&())
            }
            service::KV_DELETE => {
                let KeyArg { key } = argument(name, arg)?;
                self.check_key(&key)?;
                self.backend.delete(app, &key).await?;
                result(&())
            }
            service::KV_LIST => {
                let PrefixArg { prefix } = argument(name, arg)?;
                result(&self.backend.list(app, &prefix, self.limits.kv_list_keys).await?)
            }
            other => Err(unknown(other)),
        }
    }
}
