//! `mail.send` on a cluster worker: the message is validated here (the same checks as
//! embedded mode), given its id, and published persistent to `updraft.mail`; the call
//! returns once RabbitMQ confirmed it, and the gateway moves it into its outbox.

use std::sync::Arc;
use std::time::Duration;

use updraft_abi::{ErrorCode, MailMessage, ServiceError};
use updraft_broker::{Broker, MailEnvelope, MESSAGE_VERSION};
use updraft_host::services::MailOutbox;
use updraft_host::{mail_rate_limited, new_mail_id, RateLimiter};

/// Publishes accepted mail to `updraft.mail`, with the per-function rate limit of this
/// worker.
pub struct BrokerOutbox {
    broker: Arc<dyn Broker>,
    limiter: RateLimiter,
}

impl BrokerOutbox {
    /// An outbox over `broker` allowing `per_minute` mails per function.
    pub fn new(broker: Arc<dyn Broker>, per_minute: u32) -> BrokerOutbox {
        BrokerOutbox { broker, limiter: RateLimiter::new(per_minute, Duration::from_secs(60)) }
    }
}

#[async_trait::async_trait]
impl MailOutbox for BrokerOutbox {
    async fn enqueue(&self, app: &str, function: &str, message: MailMessage) -> Result<String, ServiceError> {
        if !self.limiter.allow(&format!("{app}/{function}")) {
            return Err(mail_rate_limited());
        }
        let id = new_mail_id();
        let envelope = MailEnvelope {
            version: MESSAGE_VERSION,
            id: id.clone(),
            app: app.to_owned(),
            function: function.to_owned(),
            message,
        };
        self.broker
            .publish_mail(envelope)
            .await
            .map_err(|error| ServiceError::new(ErrorCode::Unavailable, format!("mail not queued: {error}")))?;
        Ok(id)
    }
}
