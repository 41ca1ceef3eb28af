//! `mail.send` on a cluster worker: the mail service validates the message, applies this
//! worker's per-function rate limit and gives it its id, as in embedded mode; this outbox
//! publishes it persistent to `updraft.mail`. The call returns once RabbitMQ confirmed
//! it, and the gateway moves it into its outbox.

use std::sync::Arc;

use updraft_abi::{ErrorCode, MailMessage, ServiceError};
use updraft_broker::{Broker, MailEnvelope, MESSAGE_VERSION};
use updraft_host::services::MailOutbox;

/// Publishes accepted mail to `updraft.mail`.
pub struct BrokerOutbox {
    broker: Arc<dyn Broker>,
}

impl BrokerOutbox {
    /// An outbox over `broker`.
    pub fn new(broker: Arc<dyn Broker>) -> BrokerOutbox {
        BrokerOutbox { broker }
    }
}

#[async_trait::async_trait]
impl MailOutbox for BrokerOutbox {
    async fn enqueue(&self, id: &str, app: &str, function: &str, message: &MailMessage) -> Result<(), ServiceError> {
        let envelope = MailEnvelope {
            version: MESSAGE_VERSION,
            id: id.to_owned(),
            app: app.to_owned(),
            function: function.to_owned(),
            message: message.clone(),
        };
        self.broker
            .publish_mail(envelope)
            .await
            .map_err(|error| ServiceError::new(ErrorCode::Unavailable, format!("mail not queued: {error}")))
    }
}
