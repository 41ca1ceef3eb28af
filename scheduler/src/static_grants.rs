//! The grant policy of a single machine: every function gets its maximum on the one
//! worker there is.

use std::sync::Arc;

use updraft_broker::{Broker, BrokerError, ControlEvent, ControlMessage, FunctionSpec};

/// Grants every deployed function to one worker.
pub struct StaticGrants {
    broker: Arc<dyn Broker>,
    worker: String,
}

impl StaticGrants {
    /// A policy granting to `worker`.
    pub fn new(broker: Arc<dyn Broker>, worker: impl Into<String>) -> StaticGrants {
        StaticGrants { broker, worker: worker.into() }
    }

    /// Grants the functions live now, then every function deployed later. Returns once
    /// subscribed; the following runs in a spawned task.
    pub async fn start(self, live: Vec<FunctionSpec>) -> Result<tokio::task::JoinHandle<()>, BrokerError> {
        let mut control = self.broker.subscribe_control().await?;
        for spec in &live {
            self.grant(spec).await;
        }
        Ok(tokio::spawn(async move {
            while let Some(message) = control.recv().await {
                if let ControlEvent::Deployed(spec) = &message.event {
                    self.grant(spec).await;
                }
            }
        }))
    }

    async fn grant(&self, spec: &FunctionSpec) {
        let event = ControlEvent::Grant { worker: self.worker.clone(), function: spec.key.clone(), slots: spec.max_slots() };
        if let Err(error) = self.broker.publish_control(ControlMessage::from(event)).await {
            tracing::error!(function = %spec.key, %error, "grant not published");
        }
    }
}
