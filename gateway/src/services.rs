//! The services behind `host_call`, as the control plane provides them.

use std::sync::Arc;

use tokio::sync::Notify;
use updraft_abi::service;
use updraft_host::services::{register_platform_services, Backends, ServiceLimits};
use updraft_host::{MailDelivery, MailerConfig, ServiceRegistry, SqliteOutbox};

use crate::fn_call::FnCallService;
use crate::Gateway;

impl Gateway {
    /// The outbox in this control plane's store; its delivery loop waits on `wake`.
    pub fn outbox(&self, wake: Arc<Notify>) -> Arc<SqliteOutbox> {
        Arc::new(SqliteOutbox::new(self.db().clone(), wake))
    }

    /// Every ABI v1 service on this control plane's store: `auth.user`, `session.*`,
    /// `kv.*`, `mail.send` (into `outbox`) and `fn.call` (through the broker).
    pub fn service_registry(&self, outbox: Arc<SqliteOutbox>) -> ServiceRegistry {
        let db = self.db().clone();
        let backends = Backends { kv: Arc::new(db.clone()), sessions: Arc::new(db), mail: outbox };
        let mut registry = ServiceRegistry::new(self.config().max_body_bytes);
        register_platform_services(&mut registry, backends, ServiceLimits::default());
        registry.register(&[service::FN_CALL], Arc::new(FnCallService::new(self.clone())));
        registry
    }

    /// The delivery loop of the outbox (`wake` is the one given to [`Gateway::outbox`]).
    pub fn mail_delivery(&self, config: MailerConfig, wake: Arc<Notify>) -> Result<MailDelivery, String> {
        MailDelivery::new(self.db().clone(), config, wake)
    }
}
