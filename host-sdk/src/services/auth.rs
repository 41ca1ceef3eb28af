//! `auth.user`: the caller of this invocation.

use updraft_abi::ServiceError;

use super::result;
use crate::{CallContext, Service};

/// Answers `auth.user` from the invocation's context (no backend: the gateway
/// authenticated the caller before the instance existed).
pub struct AuthService;

#[async_trait::async_trait]
impl Service for AuthService {
    async fn call(&self, _name: &str, ctx: &CallContext, _arg: &[u8]) -> Result<Vec<u8>, ServiceError> {
        result(&ctx.user)
    }
}
