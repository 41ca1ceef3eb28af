//! The worker's heartbeat: every second, machine load and per-function slots and work.

use std::time::Duration;

use sysinfo::System;
use updraft_broker::{Heartbeat, MESSAGE_VERSION};

use crate::Worker;

/// How often a worker reports.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(1);

impl Worker {
    /// The heartbeat of this moment; it takes the counts of finished invocations, so
    /// each is reported once.
    pub fn heartbeat(&self, system: Option<&mut System>) -> Heartbeat {
        let (cpu_percent, memory_used, memory_total) = match system {
            Some(system) => {
                system.refresh_cpu_usage();
                system.refresh_memory();
                (system.global_cpu_usage(), system.used_memory(), system.total_memory())
            }
            None => (0.0, 0, 0),
        };
        Heartbeat {
            version: MESSAGE_VERSION,
            worker: self.id().to_owned(),
            cpu_percent,
            memory_used,
            memory_total,
            granted: self.granted(),
            in_flight: self.in_flight().into_iter().collect(),
            completed: self.take_completed(),
            draining: self.is_draining(),
        }
    }

    /// Publishes a heartbeat every `interval` (in a spawned task) until the worker is
    /// dropped.
    pub fn start_heartbeats(&self, interval: Duration) {
        let worker = std::sync::Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            let mut system = System::new()
                .inspect_err(|error| tracing::warn!(%error, "machine load unavailable; heartbeats report zeros"))
                .ok();
            let mut every = tokio::time::interval(interval);
            loop {
                every.tick().await;
                let Some(inner) = worker.upgrade() else { return };
                let worker = Worker { inner };
                let beat = worker.heartbeat(system.as_mut());
                if let Err(error) = worker.inner.deps.broker.publish_heartbeat(beat).await {
                    tracing::debug!(%error, "heartbeat not sent");
                }
            }
        });
    }
}
