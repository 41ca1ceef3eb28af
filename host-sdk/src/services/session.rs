//! `session.get`, `session.set`, `session.delete`: small data of the caller's session.

use std::sync::Arc;

use updraft_abi::{service, ErrorCode, KeyArg, ServiceError, SetArg, Value};

use super::{argument, result, unknown, ServiceLimits};
use crate::{CallContext, Service};

/// Storage of session data.
#[async_trait::async_trait]
pub trait SessionBackend: Send + Sync + 'static {
    /// A value of session `session`.
    async fn get(&self, session: &str, key: &str) -> Result<Option<Vec<u8>>, ServiceError>;
    /// Sets a value, keeping the session's total within `max_total` bytes (else
    /// `too_large`).
    async fn set(&self, session: &str, key: &str, value: Vec<u8>, max_total: usize) -> Result<(), ServiceError>;
    /// Removes a value.
    async fn delete(&self, session: &str, key: &str) -> Result<(), ServiceError>;
}

/// The session service: only ever touches the calling user's own session.
pub struct SessionService {
    backend: Arc<dyn SessionBackend>,
    limits: ServiceLimits,
}

impl SessionService {
    /// A session service over `backend`.
    pub fn new(backend: Arc<dyn SessionBackend>, limits: ServiceLimits) -> SessionService {
        SessionService { backend, limits }
    }
}

#[async_trait::async_trait]
impl Service for SessionService {
    async fn call(&self, name: &str, ctx: &CallContext, arg: &[u8]) -> Result<Vec<u8>, ServiceError> {
        let Some(session) = ctx.session_id.as_deref() else {
            return Err(ServiceError::new(ErrorCode::Unauthenticated, "no signed-in user: sessions need an auth=user function"));
        };
        match name {
            service::SESSION_GET => {
                let KeyArg { key } = argument(name, arg)?;
                result(&self.backend.get(session, &key).await?.map(Value))
            }
            service::SESSION_SET => {
                let SetArg { key, value } = argument(name, arg)?;
                self.backend.set(session, &key, value, self.limits.session_bytes).await?;
                result(&())
            }
            service::SESSION_DELETE => {
                let KeyArg { key } = argument(name, arg)?;
                self.backend.delete(session, &key).await?;
                result(&())
            }
            other => Err(unknown(other)),
        }
    }
}
