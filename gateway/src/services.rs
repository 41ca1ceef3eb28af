//! The services behind `host_call`, as the control plane provides them.

use std::sync::Arc;

use tokio::sync::Notify;
use updraft_abi::service;
use updraft_host::services::{register_platform_services, Backends, ServiceLimits};
use updraft_host::{MailDelivery, MailerConfig, ServiceRegistry, SqliteOutbox, DEFAULT_MAILS_PER_MINUTE};

use crate::fn_call::FnCallService;
use crate::Gateway;

impl Gateway {
    /// Every ABI v1 service on this control plane's store: `auth.user`, `session.*`,
    /// `kv.*`, `mail.send` (into the outbox) and `fn.call` (through the broker).
    pub fn service_registry(&self, mail_wake: Arc<Notify>) -> ServiceRegistry {
        let db = self.db().clone();
        let outbox = SqliteOutbox::new(db.clone(), DEFAULT_MAILS_PER_MINUTE, mail_wake);
        let backends = Backends { kv: Arc::new(db.clone()), sessions: Arc::new(db), mail: Arc::new(outbox) };
        let mut registry = ServiceRegistry::new(self.config().max_body_bytes);
        register_platform_services(&mut registry, backends, ServiceLimits::default());
        registry.register(&[service::FN_CALL], Arc::new(FnCallService::new(self.clone())));
        registry
    }

    /// The delivery loop of the outbox (`wake` is the one given to the registry).
    pub fn mail_delivery(&self, config: MailerConfig, wake: Arc<Notify>) -> Result<MailDelivery, String> {
        MailDelivery::new(self.db().clone(), config, wake)
    }
}
