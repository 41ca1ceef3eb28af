//! Slows brute force on logins: failed attempts are counted per user name and per
//! client address over a window; past the budget, logins answer 429 until it ends.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Failed attempts allowed per key within [`WINDOW`].
pub const MAX_FAILURES: u32 = 10;
/// Length of the counting window.
pub const WINDOW: Duration = Duration::from_secs(300);
/// Keys tracked at most (oldest windows are forgotten first when full).
const MAX_KEYS: usize = 100_000;

/// Failure counters by key.
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginLimiter {
    /// Whether every key still has budget.
    pub fn allowed(&self, keys: &[String]) -> bool {
        let now = Instant::now();
        let failures = self.failures.lock();
        keys.iter().all(|key| match failures.get(key) {
            Some((count, since)) => now.duration_since(*since) >= WINDOW || *count < MAX_FAILURES,
            None => true,
        })
    }

    /// Counts a failed attempt against every key.
    pub fn failed(&self, keys: &[String]) {
        let now = Instant::now();
        let mut failures = self.failures.lock();
        if failures.len() >= MAX_KEYS {
            failures.retain(|_, (_, since)| now.duration_since(*since) < WINDOW);
        }
        for key in keys {
            let entry = failures.entry(key.clone()).or_insert((0, now));
            if now.duration_since(entry.1) >= WINDOW {
                *entry = (0, now);
            }
            entry.0 += 1;
        }
    }

    /// Forgets the user's failures after a successful login (not the address's).
    pub fn succeeded(&self, user_key: &str) {
        self.failures.lock().remove(user_key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_budget() {
        let limiter = LoginLimiter::default();
        let keys = vec!["user:a".to_string(), "ip:1".to_string()];
        for _ in 0..MAX_FAILURES {
            assert!(limiter.allowed(&keys));
            limiter.failed(&keys);
        }
        assert!(!limiter.allowed(&keys));
        assert!(!limiter.allowed(&["ip:1".to_string()]), "the address is limited for other names too");
        assert!(limiter.allowed(&["user:b".to_string(), "ip:2".to_string()]));
    }
}
