//! What the scheduler knows: live workers from their heartbeats (a worker that misses
//! them is dead), and the live functions from deploy notices.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use updraft_broker::{FunctionKey, FunctionSpec, Heartbeat};

use crate::placement::Placement;

/// A worker as last heard of.
#[derive(Clone, Debug)]
pub struct WorkerView {
    /// When its last heartbeat arrived.
    pub last_seen: Instant,
    /// That heartbeat.
    pub heartbeat: Heartbeat,
}

/// Workers and functions.
#[derive(Default)]
pub struct Monitor {
    /// Workers by id.
    pub workers: HashMap<String, WorkerView>,
    /// Live functions by key.
    pub functions: BTreeMap<FunctionKey, FunctionSpec>,
    /// Invocations finished per function, from the heartbeats since the last take.
    completed: BTreeMap<FunctionKey, u64>,
}

impl Monitor {
    /// Records a heartbeat.
    pub fn heard(&mut self, heartbeat: Heartbeat, now: Instant) {
        for (function, n) in &heartbeat.completed {
            *self.completed.entry(function.clone()).or_insert(0) += n;
        }
        self.workers.insert(heartbeat.worker.clone(), WorkerView { last_seen: now, heartbeat });
    }

    /// Forgets workers silent for `timeout`; returns their ids.
    pub fn prune(&mut self, now: Instant, timeout: Duration) -> Vec<String> {
        let dead: Vec<String> =
            self.workers.iter().filter(|(_, w)| now.duration_since(w.last_seen) > timeout).map(|(id, _)| id.clone()).collect();
        for id in &dead {
            self.workers.remove(id);
        }
        dead
    }

    /// Workers taking work, in a stable order.
    pub fn active_workers(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.workers.iter().filter(|(_, w)| !w.heartbeat.draining).map(|(id, _)| id.clone()).collect();
        ids.sort();
        ids
    }

    /// Grants as the workers report them.
    pub fn reported(&self) -> Placement {
        self.workers
            .iter()
            .map(|(id, w)| (id.clone(), w.heartbeat.granted.iter().cloned().collect()))
            .collect()
    }

    /// Invocations running per function, over all workers.
    pub fn in_flight(&self) -> BTreeMap<FunctionKey, u32> {
        let mut total = BTreeMap::new();
        for worker in self.workers.values() {
            for (function, n) in &worker.heartbeat.in_flight {
                *total.entry(function.clone()).or_insert(0) += n;
            }
        }
        total
    }

    /// Invocations finished per function since the last call of this.
    pub fn take_completed(&mut self) -> BTreeMap<FunctionKey, u64> {
        std::mem::take(&mut self.completed)
    }
}
