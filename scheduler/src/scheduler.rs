//! The scheduler process: follows heartbeats, deploy notices and wake-ups; every tick it
//! samples demand, decides instances per function (the policy), places them on machines,
//! provisions or drains machines (with a provisioner), and grants slots until workers
//! report what the placement says. Every decision is published with its inputs.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use updraft_broker::{
    now_unix_ms, Broker, BrokerError, ControlEvent, ControlMessage, Decision, FunctionKey, ModulesRequest,
    ModulesResponse, RpcService,
};

use crate::autoscale::Started;
use crate::monitor::Monitor;
use crate::placement::{changes, Change, InstancePlacement, Placement};
use crate::policy::{PolicyConfig, Sample};
use crate::provisioner::Provisioner;

/// Default silence after which a worker is dead.
pub const DEFAULT_WORKER_TIMEOUT: Duration = Duration::from_secs(3);

/// How the scheduler runs.
#[derive(Clone, Debug)]
pub struct SchedulerConfig {
    /// Silence after which a worker is dead.
    pub worker_timeout: Duration,
    /// How often demand is sampled and the placement reconciled.
    pub tick: Duration,
    /// How long to wait for a worker to report a change before sending it again.
    pub resend_after: Duration,
    /// Service-level policy.
    pub policy: PolicyConfig,
    /// Capacity of a machine, in instances.
    pub slots_per_machine: u32,
    /// Least machines (with a provisioner).
    pub min_machines: u32,
    /// Most machines (with a provisioner).
    pub max_machines: u32,
    /// How long machines must fit into one fewer before one is drained.
    pub underused_window: Duration,
    /// How long a new machine may take to send its first heartbeat.
    pub start_timeout: Duration,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            worker_timeout: DEFAULT_WORKER_TIMEOUT,
            tick: Duration::from_secs(1),
            resend_after: Duration::from_secs(3),
            policy: PolicyConfig::default(),
            slots_per_machine: 16,
            min_machines: 1,
            max_machines: 8,
            underused_window: Duration::from_secs(60),
            start_timeout: Duration::from_secs(60),
        }
    }
}

/// The scheduler.
pub struct Scheduler {
    pub(crate) broker: Arc<dyn Broker>,
    pub(crate) config: SchedulerConfig,
    pub(crate) provisioner: Option<Arc<dyn Provisioner>>,
    pub(crate) monitor: Monitor,
    functions_loaded: bool,
    sent: HashMap<(String, FunctionKey), (Option<u32>, Instant)>,
    /// Demand samples per function.
    pub(crate) samples: HashMap<FunctionKey, VecDeque<Sample>>,
    /// Calls waiting per function, as last sampled.
    pub(crate) queue_depths: HashMap<FunctionKey, u64>,
    /// Instances decided per function.
    pub(crate) instances: BTreeMap<FunctionKey, u32>,
    /// Functions woken by a call since the last decision.
    pub(crate) woken: HashSet<FunctionKey>,
    /// Instance placement of the last reconcile.
    pub(crate) placement: InstancePlacement,
    /// Machines being started by the provisioner, in the background.
    pub(crate) starting: JoinSet<Started>,
    /// Machines started by the provisioner and when.
    pub(crate) managed: HashMap<String, Instant>,
    /// Machines draining on our request.
    pub(crate) draining: HashSet<String>,
    /// Since when the machines fit into one fewer.
    pub(crate) underused_since: Option<Instant>,
    /// Decisions not yet reported.
    pub(crate) decisions: Vec<Decision>,
    pub(crate) started: Instant,
}

impl Scheduler {
    /// A scheduler over `broker`; with a provisioner it also manages machines.
    pub fn new(broker: Arc<dyn Broker>, config: SchedulerConfig, provisioner: Option<Arc<dyn Provisioner>>) -> Scheduler {
        Scheduler {
            broker,
            config,
            provisioner,
            monitor: Monitor::default(),
            functions_loaded: false,
            sent: HashMap::new(),
            samples: HashMap::new(),
            queue_depths: HashMap::new(),
            instances: BTreeMap::new(),
            woken: HashSet::new(),
            placement: Placement::new(),
            starting: JoinSet::new(),
            managed: HashMap::new(),
            draining: HashSet::new(),
            underused_since: None,
            decisions: Vec::new(),
            started: Instant::now(),
        }
    }

    /// Runs until the broker's subscriptions end.
    pub async fn run(mut self) -> Result<(), BrokerError> {
        let mut control = self.broker.subscribe_control().await?;
        let mut beats = self.broker.subscribe_heartbeats().await?;
        self.adopt().await;
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
                            self.instances.remove(&function);
                            self.samples.remove(&function);
                            self.queue_depths.remove(&function);
                        }
                        ControlEvent::Wake(function) => {
                            // Unknown functions (not loaded yet) are left to the next
                            // tick, which sees the call in the queue.
                            let known = self.monitor.functions.contains_key(&function);
                            if !known || self.instances.get(&function).copied().unwrap_or(0) > 0 {
                                continue;
                            }
                            // The call is demand: the function keeps an instance for
                            // the idle window after it, even if no tick sees it running.
                            let at_ms = self.started.elapsed().as_millis() as u64;
                            self.samples.entry(function.clone()).or_default().push_back(Sample { at_ms, demand: 1.0 });
                            self.woken.insert(function);
                            self.decide_instances(false).await;
                        }
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
                Some(machine) = self.starting.join_next() => match machine {
                    Ok(machine) => self.machine_started(machine),
                    Err(error) => tracing::error!(%error, "a machine start failed"),
                },
                _ = tick.tick() => {
                    if !self.functions_loaded {
                        self.load_functions().await;
                    }
                    self.tend_machines_health().await;
                    self.decide_instances(true).await;
                    self.scale_machines().await;
                    self.reconcile().await;
                    self.report().await;
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

    /// Records a decision for the next report.
    pub(crate) fn decided(&mut self, decision: Decision) {
        tracing::info!(kind = %decision.kind, function = ?decision.function, machine = ?decision.machine,
            from = decision.from, to = decision.to, reason = %decision.reason, "scaling decision");
        self.decisions.push(decision);
    }

    /// A decision stamped now.
    pub(crate) fn decision(kind: &str, function: Option<FunctionKey>, machine: Option<String>, from: u32, to: u32, reason: String) -> Decision {
        Decision { time_unix_ms: now_unix_ms(), kind: kind.into(), function, machine, from, to, reason, inputs: Vec::new() }
    }

    /// What workers hold, as far as we know: their reports, overlaid with what we sent
    /// them too recently for a heartbeat to show (so a change is neither sent twice nor
    /// missed because a report still shows the state before an earlier change).
    fn believed(&self, now: Instant) -> Placement {
        let mut believed = self.monitor.reported();
        for ((worker, function), (slots, at)) in &self.sent {
            if now.duration_since(*at) >= self.config.resend_after || !self.monitor.workers.contains_key(worker) {
                continue;
            }
            let grants = believed.entry(worker.clone()).or_default();
            match slots {
                Some(slots) => grants.insert(function.clone(), *slots),
                None => grants.remove(function),
            };
        }
        believed
    }

    /// Grants slots (instances × concurrency) until workers report the placement.
    pub(crate) async fn reconcile(&mut self) {
        let desired = self.place();
        let now = Instant::now();
        for change in changes(&desired, &self.believed(now)) {
            let (worker, function, slots) = match &change {
                Change::Grant { worker, function, slots } => (worker, function, Some(*slots)),
                Change::Revoke { worker, function } => (worker, function, None),
            };
            self.sent.insert((worker.clone(), function.clone()), (slots, now));
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
