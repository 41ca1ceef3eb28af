//! One tick of the scheduler: machine health, instances per function, placement,
//! machines up and down, and the report. The decisions themselves are the pure
//! functions of `policy`, `placement` and `machines`.

use std::time::Instant;

use updraft_broker::{ControlEvent, ControlMessage, FunctionReport, MachineReport, ScalingReport};

use crate::machines::{machine_actions, underused, MachineAction, MachineInputs, MachineView};
use crate::placement::{place, Placement};
use crate::policy::{desired_instances, FunctionInputs, Sample};
use crate::provisioner::ProvisionError;
use crate::Scheduler;

/// A machine start that ran in the background, while the scheduler went on.
pub(crate) struct Started {
    result: Result<String, ProvisionError>,
    /// Live machines before this one.
    from: u32,
    reason: String,
}

impl Scheduler {
    /// Adopts machines a previous scheduler left running.
    pub(crate) async fn adopt(&mut self) {
        let Some(provisioner) = self.provisioner.clone() else { return };
        match provisioner.adopt().await {
            Ok(ids) => {
                for id in ids {
                    self.managed.insert(id.clone(), Instant::now());
                    let decision = Self::decision("adopt_machine", None, Some(id), 0, 1, "running before this scheduler started".into());
                    self.decided(decision);
                }
            }
            Err(error) => tracing::error!(%error, "cannot list existing machines"),
        }
    }

    /// Removes machines that died, finished draining, or never came up.
    pub(crate) async fn tend_machines_health(&mut self) {
        let now = Instant::now();
        let mut gone: Vec<(String, &'static str, String)> = Vec::new();
        for id in self.monitor.prune(now, self.config.worker_timeout) {
            if self.draining.remove(&id) {
                gone.push((id, "remove_machine", "drained and stopped".into()));
            } else {
                gone.push((id, "replace_machine", "missed its heartbeats".into()));
            }
        }
        let never_up: Vec<String> = self
            .managed
            .iter()
            .filter(|(id, since)| !self.monitor.workers.contains_key(*id) && now.duration_since(**since) > self.config.start_timeout)
            .map(|(id, _)| id.clone())
            .collect();
        for id in never_up {
            gone.push((id, "replace_machine", "never sent a heartbeat".into()));
        }
        for (id, kind, reason) in gone {
            self.placement.remove(&id);
            let managed = self.managed.remove(&id).is_some();
            if let (true, Some(provisioner)) = (managed, self.provisioner.clone()) {
                // Stopping a hung machine may take its whole grace period: in the
                // background, so wake-ups and grants do not wait for it.
                let machine = id.clone();
                tokio::spawn(async move {
                    if let Err(error) = provisioner.remove(&machine).await {
                        tracing::warn!(%machine, %error, "machine not removed");
                    }
                });
            }
            self.decided(Self::decision(kind, None, Some(id), 1, 0, reason));
        }
    }

    /// Records a machine start that ran in the background.
    pub(crate) fn machine_started(&mut self, started: Started) {
        let Started { result, from, reason } = started;
        match result {
            Ok(id) => {
                self.managed.insert(id.clone(), Instant::now());
                self.decided(Self::decision("provision_machine", None, Some(id), from, from + 1, reason));
            }
            Err(error) => tracing::error!(%error, "machine not provisioned"),
        }
    }

    /// Samples demand (when `sample`) and decides every function's instances.
    pub(crate) async fn decide_instances(&mut self, sample: bool) {
        let now_ms = self.started.elapsed().as_millis() as u64;
        let keep_ms = self.config.policy.stable_window.max(self.config.policy.idle_window).as_millis() as u64;
        let in_flight = self.monitor.in_flight();
        let completed = if sample { self.monitor.take_completed() } else { Default::default() };
        let functions: Vec<_> = self.monitor.functions.values().cloned().collect();
        for spec in functions {
            let key = spec.key.clone();
            if sample {
                let depth = self.broker.queue_depth(&key).await.unwrap_or(0);
                self.queue_depths.insert(key.clone(), depth);
                let running = in_flight.get(&key).copied().unwrap_or(0);
                // Calls that came and went between two samples (fast functions) are
                // demand too, though neither the queue nor a heartbeat caught one running.
                let finished = completed.get(&key).copied().unwrap_or(0);
                let demand = (depth + u64::from(running)).max(finished.min(1));
                let samples = self.samples.entry(key.clone()).or_default();
                samples.push_back(Sample { at_ms: now_ms, demand: demand as f64 });
                while samples.front().is_some_and(|s| now_ms.saturating_sub(s.at_ms) > keep_ms) {
                    samples.pop_front();
                }
            }
            let samples: Vec<Sample> = self.samples.get(&key).map(|s| s.iter().copied().collect()).unwrap_or_default();
            let current = self.instances.get(&key).copied().unwrap_or(0);
            let input = FunctionInputs {
                samples: &samples,
                now_ms,
                current,
                min: spec.min_instances,
                max: spec.max_instances,
                concurrency: spec.concurrency,
                woken: self.woken.remove(&key),
            };
            let verdict = desired_instances(&input, &self.config.policy);
            if verdict.instances != current {
                let mut decision =
                    Self::decision("scale_function", Some(key.clone()), None, current, verdict.instances, verdict.reason);
                decision.inputs = verdict.inputs;
                self.decided(decision);
            }
            self.instances.insert(key, verdict.instances);
        }
    }

    /// Slots per worker per function, from the instance placement.
    pub(crate) fn place(&mut self) -> Placement {
        let workers = self.monitor.active_workers();
        let (placement, unplaced) = place(&self.instances, &workers, self.config.slots_per_machine, &self.placement);
        if unplaced > 0 {
            tracing::debug!(unplaced, "instances waiting for machine capacity");
        }
        self.placement = placement.clone();
        placement
            .into_iter()
            .map(|(worker, functions)| {
                let slots = functions
                    .into_iter()
                    .map(|(function, instances)| {
                        let concurrency = self.monitor.functions.get(&function).map_or(1, |s| s.concurrency.max(1));
                        (function, instances * concurrency)
                    })
                    .collect();
                (worker, slots)
            })
            .collect()
    }

    fn load(&self, worker: &str) -> u32 {
        self.placement.get(worker).map_or(0, |f| f.values().sum())
    }

    /// Provisions or drains machines (with a provisioner).
    pub(crate) async fn scale_machines(&mut self) {
        let Some(provisioner) = self.provisioner.clone() else { return };
        let machines: Vec<MachineView> = self
            .monitor
            .workers
            .iter()
            .map(|(id, w)| MachineView { id: id.clone(), placed: self.load(id), draining: w.heartbeat.draining || self.draining.contains(id) })
            .collect();
        let unheard = self.managed.keys().filter(|id| !self.monitor.workers.contains_key(*id)).count() as u32;
        let starting = unheard + self.starting.len() as u32;
        let demand: u32 = self.instances.values().sum();
        let (slots, min) = (self.config.slots_per_machine, self.config.min_machines);
        self.underused_since = if underused(&machines, demand, slots, min) { self.underused_since.or(Some(Instant::now())) } else { None };
        let input = MachineInputs {
            machines: &machines,
            starting,
            demand,
            slots_per_machine: slots,
            min,
            max: self.config.max_machines,
            underused_for: self.underused_since.map(|since| since.elapsed()),
            underused_window: self.config.underused_window,
        };
        let live = machines.iter().filter(|m| !m.draining).count() as u32 + starting;
        for action in machine_actions(&input) {
            match action {
                MachineAction::Provision(count, reason) => {
                    // Machines start side by side, in the background: creating and
                    // starting a container takes a while, and the scheduler goes on.
                    for n in 0..count {
                        let (provisioner, reason) = (provisioner.clone(), reason.clone());
                        self.starting.spawn(async move {
                            let result = provisioner.provision().await;
                            Started { result, from: live + n, reason }
                        });
                    }
                }
                MachineAction::Drain(id, reason) => {
                    let event = ControlEvent::Drain { worker: id.clone() };
                    if self.broker.publish_control(ControlMessage::from(event)).await.is_ok() {
                        self.draining.insert(id.clone());
                        self.underused_since = None;
                        self.decided(Self::decision("drain_machine", None, Some(id), live, live - 1, reason));
                    }
                }
            }
        }
    }

    /// Publishes the current view and the decisions since the last report.
    pub(crate) async fn report(&mut self) {
        let in_flight = self.monitor.in_flight();
        let machines = self
            .monitor
            .workers
            .iter()
            .map(|(id, w)| MachineReport {
                id: id.clone(),
                instances: self.load(id),
                capacity: self.config.slots_per_machine,
                cpu_percent: w.heartbeat.cpu_percent,
                draining: w.heartbeat.draining || self.draining.contains(id),
            })
            .collect();
        let functions = self
            .instances
            .iter()
            .map(|(function, &instances)| {
                let running = in_flight.get(function).copied().unwrap_or(0);
                let queue_depth = self.queue_depths.get(function).copied().unwrap_or(0);
                FunctionReport { function: function.clone(), instances, in_flight: running, queue_depth }
            })
            .collect();
        let report = ScalingReport { machines, functions, decisions: std::mem::take(&mut self.decisions) };
        if let Err(error) = self.broker.publish_control(ControlMessage::from(ControlEvent::Scaling(report))).await {
            tracing::debug!(%error, "scaling report not published");
        }
    }
}
