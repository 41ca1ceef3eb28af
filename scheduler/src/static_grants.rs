//! The grant policy of a single machine: every function gets its maximum on the one
//! worker there is.

use std::sync::Arc;

use updraft_broker::{
    now_unix_ms, Broker, BrokerError, ControlEvent, ControlMessage, Decision, FunctionReport, FunctionSpec, MachineReport,
    ScalingReport,
};

/// Grants every deployed function to one worker.
pub struct StaticGrants {
    broker: Arc<dyn Broker>,
    worker: String,
    /// Instances held per function (for the reports).
    held: parking_lot::Mutex<std::collections::BTreeMap<updraft_broker::FunctionKey, u32>>,
}

impl StaticGrants {
    /// A policy granting to `worker`.
    pub fn new(broker: Arc<dyn Broker>, worker: impl Into<String>) -> StaticGrants {
        StaticGrants { broker, worker: worker.into(), held: parking_lot::Mutex::default() }
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
                match &message.event {
                    ControlEvent::Deployed(spec) => self.grant(spec).await,
                    ControlEvent::Deleted(function) => {
                        self.held.lock().remove(function);
                    }
                    _ => {}
                }
            }
        }))
    }

    async fn grant(&self, spec: &FunctionSpec) {
        let event = ControlEvent::Grant { worker: self.worker.clone(), function: spec.key.clone(), slots: spec.max_slots() };
        if let Err(error) = self.broker.publish_control(ControlMessage::from(event)).await {
            tracing::error!(function = %spec.key, %error, "grant not published");
        }
        let decision = Decision {
            time_unix_ms: now_unix_ms(),
            kind: "grant".into(),
            function: Some(spec.key.clone()),
            machine: Some(self.worker.clone()),
            from: 0,
            to: spec.max_instances,
            reason: "one machine: every function holds its maximum instances".into(),
            inputs: vec![
                ("max_instances".into(), spec.max_instances.into()),
                ("concurrency".into(), spec.concurrency.into()),
            ],
        };
        let functions: Vec<FunctionReport> = {
            let mut held = self.held.lock();
            held.insert(spec.key.clone(), spec.max_instances);
            held.iter().map(|(function, &instances)| FunctionReport { function: function.clone(), instances, ..FunctionReport::default() }).collect()
        };
        let instances = functions.iter().map(|f| f.instances).sum();
        let report = ScalingReport {
            machines: vec![MachineReport { id: self.worker.clone(), instances, ..MachineReport::default() }],
            functions,
            decisions: vec![decision],
        };
        let _ = self.broker.publish_control(ControlMessage::from(ControlEvent::Scaling(report))).await;
    }
}
