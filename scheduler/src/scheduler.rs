//! The scheduler process: follows heartbeats and deploy notices, and keeps every worker's
//! grants where the placement says, re-sending what a worker does not report having
//! (control messages can be lost across a broker restart; heartbeats tell the truth).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use updraft_broker::{
    Broker, BrokerError, ControlEvent, ControlMessage, FunctionKey, ModulesRequest, ModulesResponse, RpcService,
};

use crate::monitor::Monitor;
use crate::placement::{changes, spread, Change};

/// Default silence after which a worker is dead.
pub const DEFAULT_WORKER_TIMEOUT: Duration = Duration::from_secs(3);

/// How the scheduler runs.
#[derive(Clone, Debug)]
pub struct SchedulerConfig {
    /// Silence after which a worker is dead.
    pub worker_timeout: Duration,
    /// How often the placement is reconciled.
    pub tick: Duration,
    /// How long to wait for a worker to report a change before sending it again.
    pub resend_after: Duration,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig { worker_timeout: DEFAULT_WORKER_TIMEOUT, tick: Duration::from_secs(1), resend_after: Duration::from_secs(3) }
    }
}

/// The scheduler.
pub struct Scheduler {
    broker: Arc<dyn Broker>,
    config: SchedulerConfig,
    monitor: Monitor,
    functions_loaded: bool,
    sent: HashMap<(String, FunctionKey), (Option<u32>, Instant)>,
}

impl Scheduler {
    /// A scheduler over `broker`.
    pub fn new(broker: Arc<dyn Broker>, config: SchedulerConfig) -> Scheduler {
        Scheduler { broker, config, monitor: Monitor::default(), functions_loaded: false, sent: HashMap::new() }
    }

    /// Runs until the broker's subscriptions end.
    pub async fn run(mut self) -> Result<(), BrokerError> {
        let mut control = self.broker.subscribe_control().await?;
        let mut beats = self.broker.subscribe_heartbeats().await?;
        let mut tick = tokio::time::interval(self.config.tick);
        loop {
            tokio::select! {
                message = control.recv() => {
                    let Some(message) = message else { return Ok(()) };
                    match message.event {
                        ControlEvent::Deployed(spec) => {
                            self.monitor.functions.insert(spec.key.clone(), spec);
                        }
                        ControlEvent::Deleted(function) => {
                            self.monitor.functions.remove(&function);
                        }
                        ControlEvent::Wake(_) => {}
                        _ => continue,
                    }
                    self.reconcile().await;
                }
                beat = beats.recv() => {
                    let Some(beat) = beat else { return Ok(()) };
                    let new = !self.monitor.workers.contains_key(&beat.worker);
                    self.monitor.heard(beat, Instant::now());
                    if new {
                        self.reconcile().await;
                    }
                }
                _ = tick.tick() => {
                    if !self.functions_loaded {
                        self.load_functions().await;
                    }
                    for dead in self.monitor.prune(Instant::now(), self.config.worker_timeout) {
                        tracing::warn!(worker = %dead, "worker missed its heartbeats; its work moves elsewhere");
                    }
                    self.reconcile().await;
                }
            }
        }
    }

    async fn load_functions(&mut self) {
        let Ok(request) = rmp_serde::to_vec_named(&ModulesRequest::Functions) else { return };
        match self.broker.rpc(RpcService::Modules, request, Duration::from_secs(5)).await {
            Ok(answer) => match rmp_serde::from_slice::<ModulesResponse>(&answer) {
                Ok(ModulesResponse::Functions(specs)) => {
                    for spec in specs {
                        self.monitor.functions.entry(spec.key.clone()).or_insert(spec);
                    }
                    self.functions_loaded = true;
                }
                _ => tracing::warn!("unexpected answer to the function list"),
            },
            Err(error) => tracing::debug!(%error, "function list not available yet"),
        }
    }

    /// Slots each function should have in all.
    fn needs(&self) -> BTreeMap<FunctionKey, u32> {
        self.monitor.functions.iter().map(|(key, spec)| (key.clone(), spec.max_slots())).collect()
    }

    async fn reconcile(&mut self) {
        let desired = spread(&self.needs(), &self.monitor.active_workers());
        let now = Instant::now();
        for change in changes(&desired, &self.monitor.reported()) {
            let (worker, function, slots) = match &change {
                Change::Grant { worker, function, slots } => (worker, function, Some(*slots)),
                Change::Revoke { worker, function } => (worker, function, None),
            };
            let key = (worker.clone(), function.clone());
            if let Some((sent, at)) = self.sent.get(&key) {
                if *sent == slots && now.duration_since(*at) < self.config.resend_after {
                    continue;
                }
            }
            self.sent.insert(key, (slots, now));
            let event = match change {
                Change::Grant { worker, function, slots } => ControlEvent::Grant { worker, function, slots },
                Change::Revoke { worker, function } => ControlEvent::Revoke { worker, function },
            };
            if let Err(error) = self.broker.publish_control(ControlMessage::from(event)).await {
                tracing::warn!(%error, "grant not published");
            }
        }
    }
}
