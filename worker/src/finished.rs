//! Invocations finished per function since the last heartbeat took the count.
//!
//! The counts live apart from the consumers: a call still running when its consumer is
//! revoked counts when it ends, and reaches the scheduler in the next heartbeat.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use updraft_broker::FunctionKey;

/// One counter per function, shared by its consumers and the calls they run.
#[derive(Default)]
pub(crate) struct FinishedCounts {
    counters: Mutex<HashMap<FunctionKey, Arc<AtomicU64>>>,
}

impl FinishedCounts {
    /// The counter of `function`: one more for each invocation that finishes.
    pub(crate) fn counter(&self, function: &FunctionKey) -> Arc<AtomicU64> {
        self.counters.lock().entry(function.clone()).or_default().clone()
    }

    /// Invocations finished per function since the last call of this (each counted once).
    pub(crate) fn take(&self) -> Vec<(FunctionKey, u64)> {
        let mut counters = self.counters.lock();
        let taken = counters
            .iter()
            .map(|(function, n)| (function.clone(), n.swap(0, Ordering::Relaxed)))
            .filter(|(_, n)| *n > 0)
            .collect();
        // A counter only this map holds belongs to no consumer and no running call: done.
        counters.retain(|_, n| Arc::strong_count(n) > 1 || n.load(Ordering::Relaxed) > 0);
        taken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(function: &str) -> FunctionKey {
        FunctionKey::new("app", function)
    }

    #[test]
    fn a_call_finishing_after_its_consumer_is_gone_is_still_counted_once() {
        let counts = FinishedCounts::default();
        let consumer = counts.counter(&key("f"));
        consumer.fetch_add(2, Ordering::Relaxed);
        let running_call = consumer.clone();
        drop(consumer); // revoked
        assert_eq!(counts.take(), vec![(key("f"), 2)]);
        running_call.fetch_add(1, Ordering::Relaxed);
        drop(running_call);
        assert_eq!(counts.take(), vec![(key("f"), 1)]);
        assert_eq!(counts.take(), vec![]);
        assert!(counts.counters.lock().is_empty(), "a counter nobody holds is dropped");
    }

    #[test]
    fn a_new_consumer_of_the_same_function_shares_the_count() {
        let counts = FinishedCounts::default();
        let old = counts.counter(&key("f"));
        let new = counts.counter(&key("f"));
        old.fetch_add(1, Ordering::Relaxed);
        new.fetch_add(1, Ordering::Relaxed);
        assert_eq!(counts.take(), vec![(key("f"), 2)]);
    }
}
