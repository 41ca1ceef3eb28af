//! The worker: follows control messages and keeps one consumer per granted function.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use parking_lot::Mutex;
use updraft_broker::{Broker, ControlEvent, FunctionDirectory, FunctionKey, FunctionSpec, ModuleSource};
use updraft_host::{LogSink, ServiceRegistry};
use updraft_runtime::Runtime;

use crate::finished::FinishedCounts;
use crate::grants::Consumer;
use crate::WorkerConfig;

/// What a worker is built from.
#[derive(Clone)]
pub struct WorkerDeps {
    /// Runs modules.
    pub runtime: Runtime,
    /// Brings invocations and control messages.
    pub broker: Arc<dyn Broker>,
    /// Specs of function revisions.
    pub directory: Arc<dyn FunctionDirectory>,
    /// Module bytes by sha256.
    pub modules: Arc<dyn ModuleSource>,
    /// Services reachable through `host_call`.
    pub services: Arc<ServiceRegistry>,
    /// Where invocation logs go.
    pub logs: Arc<dyn LogSink>,
}

/// One machine's worker. Cheap to clone.
#[derive(Clone)]
pub struct Worker {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) config: WorkerConfig,
    pub(crate) deps: WorkerDeps,
    pub(crate) specs: Mutex<HashMap<(FunctionKey, u32), Arc<ResolvedSpec>>>,
    consumers: Mutex<HashMap<FunctionKey, Consumer>>,
    finished: FinishedCounts,
    pub(crate) drained: tokio::sync::Notify,
    pub(crate) draining: std::sync::atomic::AtomicBool,
}

/// A function spec with its environment ready for the runtime.
pub(crate) struct ResolvedSpec {
    pub(crate) spec: FunctionSpec,
    pub(crate) env: Arc<[(String, String)]>,
}

impl Worker {
    /// A worker that has not started consuming yet.
    pub fn new(config: WorkerConfig, deps: WorkerDeps) -> Worker {
        let inner = Inner {
            config,
            deps,
            specs: Mutex::new(HashMap::new()),
            consumers: Mutex::new(HashMap::new()),
            finished: FinishedCounts::default(),
            drained: tokio::sync::Notify::new(),
            draining: std::sync::atomic::AtomicBool::new(false),
        };
        Worker { inner: Arc::new(inner) }
    }

    /// This worker's id.
    pub fn id(&self) -> &str {
        &self.inner.config.id
    }

    /// Subscribes to control messages, then follows them in a spawned task until the
    /// broker's control stream ends.
    pub async fn start(&self) -> Result<tokio::task::JoinHandle<()>, updraft_broker::BrokerError> {
        let mut control = self.inner.deps.broker.subscribe_control().await?;
        let worker = self.clone();
        Ok(tokio::spawn(async move {
            while let Some(message) = control.recv().await {
                worker.apply(message.event).await;
            }
        }))
    }

    /// Applies one control event (also used to grant directly, without a broker trip).
    pub async fn apply(&self, event: ControlEvent) {
        match event {
            ControlEvent::Grant { worker, function, slots } if worker == self.inner.config.id => {
                self.grant(function, slots).await;
            }
            ControlEvent::Revoke { worker, function } if worker == self.inner.config.id => {
                self.revoke(&function);
            }
            ControlEvent::Drain { worker } if worker == self.inner.config.id => {
                tracing::info!("draining on the scheduler's request");
                self.drain().await;
                self.inner.drained.notify_waiters();
            }
            ControlEvent::Deployed(spec) => self.warm(spec),
            ControlEvent::Deleted(function) => {
                self.revoke(&function);
                self.inner.specs.lock().retain(|(key, _), _| *key != function);
            }
            _ => {}
        }
    }

    /// Lets this worker run up to `slots` invocations of `function` at once.
    pub async fn grant(&self, function: FunctionKey, slots: u32) {
        if self.is_draining() {
            return;
        }
        if let Some(consumer) = self.inner.consumers.lock().get(&function) {
            consumer.resize(slots);
            return;
        }
        match Consumer::start(self.clone(), function.clone(), slots).await {
            Ok(consumer) => {
                self.inner.consumers.lock().insert(function, consumer);
            }
            Err(error) => tracing::error!(%function, %error, "cannot consume function queue"),
        }
    }

    /// Stops taking `function`'s invocations; those in flight finish.
    pub fn revoke(&self, function: &FunctionKey) {
        if let Some(consumer) = self.inner.consumers.lock().remove(function) {
            self.inner.deps.broker.detach_inline(function);
            consumer.stop();
        }
    }

    /// Invocations running now, per function.
    pub fn in_flight(&self) -> HashMap<FunctionKey, u32> {
        self.inner.consumers.lock().iter().map(|(key, c)| (key.clone(), c.in_flight())).collect()
    }

    /// Invocations finished per function since the last call of this (for heartbeats).
    pub fn take_completed(&self) -> Vec<(FunctionKey, u64)> {
        self.inner.finished.take()
    }

    /// The counter of `function`'s finished invocations, shared by its consumers.
    pub(crate) fn finished_counter(&self, function: &FunctionKey) -> Arc<AtomicU64> {
        self.inner.finished.counter(function)
    }

    /// Resolves once the scheduler asked this worker to drain and it has.
    pub async fn drained(&self) {
        self.inner.drained.notified().await;
    }

    /// Slots granted per function.
    pub fn granted(&self) -> Vec<(FunctionKey, u32)> {
        self.inner.consumers.lock().iter().map(|(key, c)| (key.clone(), c.slots())).collect()
    }

    /// Whether the worker is draining.
    pub fn is_draining(&self) -> bool {
        self.inner.draining.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Stops taking work and waits until every invocation in flight has been settled.
    pub async fn drain(&self) {
        self.inner.draining.store(true, std::sync::atomic::Ordering::SeqCst);
        let consumers: Vec<(FunctionKey, Consumer)> = self.inner.consumers.lock().drain().collect();
        for (function, consumer) in &consumers {
            self.inner.deps.broker.detach_inline(function);
            consumer.stop();
        }
        let consumers = consumers.into_iter().map(|(_, c)| c);
        for consumer in consumers {
            consumer.finished().await;
        }
    }

    /// Loads a newly deployed module ahead of its first call, so it is warm.
    fn warm(&self, spec: FunctionSpec) {
        let worker = self.clone();
        tokio::spawn(async move {
            let key = (spec.key.clone(), spec.revision);
            let resolved = worker.resolve(spec);
            worker.inner.specs.lock().insert(key, resolved.clone());
            if let Err(error) = worker.load(&resolved.spec.sha256).await {
                tracing::warn!(function = %resolved.spec.key, %error, "warming module failed");
            }
        });
    }

    pub(crate) fn resolve(&self, spec: FunctionSpec) -> Arc<ResolvedSpec> {
        let env: Arc<[(String, String)]> = spec.env.clone().into();
        Arc::new(ResolvedSpec { spec, env })
    }
}
