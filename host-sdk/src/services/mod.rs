//! The platform services of ABI v1 behind `host_call`, each over a backend trait so the
//! same service runs on SQLite in `updraft up` and at the gateway in cluster mode.

mod auth;
mod kv;
mod limits;
mod mail;
mod session;
pub(crate) mod sqlite;

pub use auth::AuthService;
pub use kv::{KvBackend, KvService};
pub use limits::ServiceLimits;
pub use mail::{build_message, validate_mail, MailOutbox, MailService};
pub use session::{SessionBackend, SessionService};

use std::sync::Arc;

use updraft_abi::{service, ErrorCode, ServiceError};

use crate::ServiceRegistry;

/// The backends the platform services run on.
#[derive(Clone)]
pub struct Backends {
    /// App key-value spaces.
    pub kv: Arc<dyn KvBackend>,
    /// Session data.
    pub sessions: Arc<dyn SessionBackend>,
    /// The mail outbox.
    pub mail: Arc<dyn MailOutbox>,
}

/// Registers `auth.user`, `session.*`, `kv.*` and `mail.send` on `registry`.
pub fn register_platform_services(registry: &mut ServiceRegistry, backends: Backends, limits: ServiceLimits) {
    let mails_per_minute = limits.mails_per_minute;
    registry.register(&[service::AUTH_USER], Arc::new(AuthService));
    registry.register(
        &[service::SESSION_GET, service::SESSION_SET, service::SESSION_DELETE],
        Arc::new(SessionService::new(backends.sessions, limits.clone())),
    );
    registry.register(
        &[service::KV_GET, service::KV_SET, service::KV_DELETE, service::KV_LIST],
        Arc::new(KvService::new(backends.kv, limits)),
    );
    registry.register(&[service::MAIL_SEND], Arc::new(MailService::new(backends.mail, mails_per_minute)));
}

/// Decodes a service argument; a malformed one is `invalid_argument`.
pub(crate) fn argument<'a, T: serde::Deserialize<'a>>(name: &str, arg: &'a [u8]) -> Result<T, ServiceError> {
    updraft_abi::decode(arg).map_err(|e| ServiceError::new(ErrorCode::InvalidArgument, format!("{name}: bad argument: {e}")))
}

/// Encodes a service result.
pub(crate) fn result<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, ServiceError> {
    updraft_abi::encode(value).map_err(|e| ServiceError::new(ErrorCode::Internal, e.to_string()))
}

/// A backend failure, logged here and reported to the guest as `unavailable`.
pub(crate) fn backend_error(error: impl std::fmt::Display) -> ServiceError {
    tracing::error!(%error, "service backend failed");
    ServiceError::new(ErrorCode::Unavailable, "the service is unavailable; retry")
}

/// An unknown operation of a multi-name service.
pub(crate) fn unknown(name: &str) -> ServiceError {
    ServiceError::new(ErrorCode::NotFound, format!("no service named {name:?}"))
}
