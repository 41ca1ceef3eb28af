//! `fn.call`: a function calling another function of its own app, through the same
//! dispatch path as HTTP, with the caller's user, the caller's remaining deadline and a
//! depth limit against loops.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use updraft_abi::{ErrorCode, FnCallArg, Response, ServiceError};
use updraft_broker::{new_invocation_id, unix_ms_after, BrokerError, CallMode, FailureKind, Invocation, Outcome, MESSAGE_VERSION};
use updraft_host::{CallContext, Service};

use crate::{AuthMode, Gateway, MAX_CALL_DEPTH};

/// The `fn.call` service, answered by the control plane.
pub struct FnCallService {
    gateway: Gateway,
}

impl FnCallService {
    /// `fn.call` over `gateway`'s routing table and broker.
    pub fn new(gateway: Gateway) -> FnCallService {
        FnCallService { gateway }
    }
}

fn error(code: ErrorCode, message: impl Into<String>) -> ServiceError {
    ServiceError::new(code, message)
}

/// What the caller gets when the callee failed: the response HTTP would have given.
fn failed_response(kind: FailureKind) -> Response {
    let (status, code, message) = match kind {
        FailureKind::Guest => (StatusCode::BAD_GATEWAY, "guest_error", "the function failed; see its logs"),
        FailureKind::Timeout => (StatusCode::GATEWAY_TIMEOUT, "timeout", "the function did not answer in time"),
        FailureKind::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", "no capacity to run the function"),
        FailureKind::NotFound => (StatusCode::NOT_FOUND, "not_found", "function revision not found"),
    };
    let body = serde_json::json!({ "error": { "code": code, "message": message } }).to_string();
    Response {
        status: status.as_u16(),
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.into_bytes(),
    }
}

#[async_trait::async_trait]
impl Service for FnCallService {
    async fn call(&self, name: &str, ctx: &CallContext, arg: &[u8]) -> Result<Vec<u8>, ServiceError> {
        let FnCallArg { function, mut request } = updraft_abi::decode(arg)
            .map_err(|e| error(ErrorCode::InvalidArgument, format!("{name}: bad argument: {e}")))?;
        if ctx.depth + 1 > MAX_CALL_DEPTH {
            return Err(error(ErrorCode::Forbidden, format!("call depth limit of {MAX_CALL_DEPTH} reached")));
        }
        let live = self
            .gateway
            .function(&ctx.app, &function)
            .ok_or_else(|| error(ErrorCode::NotFound, format!("no function {function:?} in app {}", ctx.app)))?;
        if live.settings.auth == AuthMode::User {
            let Some(user) = &ctx.user else {
                return Err(error(ErrorCode::Unauthenticated, format!("{function} needs a signed-in user")));
            };
            let roles = &live.settings.roles;
            if !roles.is_empty() && !user.roles.iter().any(|r| roles.contains(r)) {
                return Err(error(ErrorCode::Forbidden, format!("{function} needs one of the roles {}", roles.join(", "))));
            }
        }
        let id = new_invocation_id();
        request.user = ctx.user.clone();
        request.invocation_id = id.clone();
        if !request.path.starts_with('/') {
            request.path.insert(0, '/');
        }
        let remaining = ctx.deadline.saturating_duration_since(Instant::now());
        let timeout = remaining.min(Duration::from_millis(live.settings.timeout_ms));
        let invocation = Invocation {
            version: MESSAGE_VERSION,
            id,
            function: live.key.clone(),
            revision: live.revision,
            request,
            deadline_unix_ms: unix_ms_after(timeout),
            attempt: 1,
            depth: ctx.depth + 1,
            session_id: ctx.session_id.clone(),
            mode: CallMode::Sync,
        };
        let reply = self.gateway.broker().call(invocation).await.map_err(|e| match e {
            BrokerError::QueueFull(_) | BrokerError::DeadlineExceeded => {
                error(ErrorCode::Unavailable, format!("{function} had no free slot before the deadline"))
            }
            other => error(ErrorCode::Unavailable, other.to_string()),
        })?;
        let response = match reply.outcome {
            Outcome::Response(response) => response,
            Outcome::Failed(failure) => failed_response(failure.kind),
        };
        updraft_abi::encode(&response).map_err(|e| error(ErrorCode::Internal, e.to_string()))
    }

    fn timeout(&self) -> Duration {
        // Bounded by the caller's own deadline.
        Duration::MAX
    }
}
