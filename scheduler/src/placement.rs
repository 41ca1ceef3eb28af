//! Where slots go: pure functions from the functions' needs and the live workers to the
//! slots each worker should hold. Tested with tables of inputs and expected grants.

use std::collections::BTreeMap;

use updraft_broker::FunctionKey;

/// Slots of each function on each worker: worker -> function -> slots.
pub type Placement = BTreeMap<String, BTreeMap<FunctionKey, u32>>;

/// Spreads each function's `slots` evenly over `workers` (in order; the first ones take
/// the remainder). A function needing 0 slots is placed nowhere.
pub fn spread(needs: &BTreeMap<FunctionKey, u32>, workers: &[String]) -> Placement {
    let mut placement: Placement = workers.iter().map(|w| (w.clone(), BTreeMap::new())).collect();
    if workers.is_empty() {
        return placement;
    }
    let n = workers.len() as u32;
    for (function, &slots) in needs {
        for (i, worker) in workers.iter().enumerate() {
            let share = slots / n + u32::from((i as u32) < slots % n);
            if share > 0 {
                placement.entry(worker.clone()).or_default().insert(function.clone(), share);
            }
        }
    }
    placement
}

/// A control action that moves a worker's grants toward the placement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Grant `slots` of `function` to `worker`.
    Grant {
        /// Worker id.
        worker: String,
        /// Function.
        function: FunctionKey,
        /// Slots.
        slots: u32,
    },
    /// Take `function` away from `worker`.
    Revoke {
        /// Worker id.
        worker: String,
        /// Function.
        function: FunctionKey,
    },
}

/// What to send so that `actual` (as workers report it) becomes `desired`.
pub fn changes(desired: &Placement, actual: &Placement) -> Vec<Change> {
    let mut out = Vec::new();
    let empty = BTreeMap::new();
    for (worker, want) in desired {
        let have = actual.get(worker).unwrap_or(&empty);
        for (function, &slots) in want {
            if have.get(function) != Some(&slots) {
                out.push(Change::Grant { worker: worker.clone(), function: function.clone(), slots });
            }
        }
        for function in have.keys().filter(|f| !want.contains_key(*f)) {
            out.push(Change::Revoke { worker: worker.clone(), function: function.clone() });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> FunctionKey {
        FunctionKey::new("app", name)
    }

    fn workers(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("w{i}")).collect()
    }

    #[test]
    fn spreads_evenly_with_the_remainder_first() {
        let needs = BTreeMap::from([(key("a"), 10), (key("b"), 1), (key("idle"), 0)]);
        let table = [
            (1, vec![("w0", vec![("a", 10), ("b", 1)])]),
            (3, vec![("w0", vec![("a", 4), ("b", 1)]), ("w1", vec![("a", 3)]), ("w2", vec![("a", 3)])]),
        ];
        for (n, expected) in table {
            let placement = spread(&needs, &workers(n));
            for (worker, grants) in expected {
                let want: BTreeMap<_, _> = grants.into_iter().map(|(f, s)| (key(f), s)).collect();
                assert_eq!(placement[worker], want, "{n} workers, {worker}");
            }
        }
        assert!(spread(&needs, &[]).is_empty());
    }

    #[test]
    fn changes_grant_what_is_missing_and_revoke_what_is_extra() {
        let desired = Placement::from([("w0".to_string(), BTreeMap::from([(key("a"), 4), (key("b"), 1)]))]);
        let actual = Placement::from([("w0".to_string(), BTreeMap::from([(key("a"), 2), (key("gone"), 5)]))]);
        let changes = changes(&desired, &actual);
        assert_eq!(
            changes,
            vec![
                Change::Grant { worker: "w0".into(), function: key("a"), slots: 4 },
                Change::Grant { worker: "w0".into(), function: key("b"), slots: 1 },
                Change::Revoke { worker: "w0".into(), function: key("gone") },
            ]
        );
        assert!(super::changes(&desired, &desired).is_empty());
    }
}

/// Instances of each function on each worker: worker -> function -> instances.
pub type InstancePlacement = Placement;

/// Places each function's instances on `workers` of `capacity` instances each, keeping
/// instances where they already are (`previous`) as far as possible, then filling the
/// least loaded workers. Returns the placement and how many instances found no room.
pub fn place(
    wanted: &BTreeMap<FunctionKey, u32>,
    workers: &[String],
    capacity: u32,
    previous: &InstancePlacement,
) -> (InstancePlacement, u32) {
    let mut placement: InstancePlacement = workers.iter().map(|w| (w.clone(), BTreeMap::new())).collect();
    let mut load: BTreeMap<String, u32> = workers.iter().map(|w| (w.clone(), 0)).collect();
    let mut missing: BTreeMap<FunctionKey, u32> = BTreeMap::new();
    // Keep what is already placed, up to what is wanted and what fits.
    for (function, &want) in wanted {
        let mut kept = 0;
        for worker in workers {
            let before = previous.get(worker).and_then(|p| p.get(function)).copied().unwrap_or(0);
            let room = capacity.saturating_sub(load[worker]);
            let keep = before.min(want - kept).min(room);
            if keep > 0 {
                placement.entry(worker.clone()).or_default().insert(function.clone(), keep);
                *load.entry(worker.clone()).or_default() += keep;
                kept += keep;
            }
        }
        missing.insert(function.clone(), want - kept);
    }
    // Place the rest, one instance at a time, on the least loaded worker with room.
    let mut unplaced = 0;
    for (function, count) in missing {
        for _ in 0..count {
            let target = workers.iter().filter(|w| load[*w] < capacity).min_by_key(|w| (load[*w], (*w).clone()));
            match target {
                Some(worker) => {
                    *placement.entry(worker.clone()).or_default().entry(function.clone()).or_insert(0) += 1;
                    *load.entry(worker.clone()).or_default() += 1;
                }
                None => unplaced += 1,
            }
        }
    }
    (placement, unplaced)
}

#[cfg(test)]
mod place_tests {
    use super::*;

    fn key(name: &str) -> FunctionKey {
        FunctionKey::new("app", name)
    }

    fn workers() -> Vec<String> {
        vec!["w0".to_string(), "w1".to_string()]
    }

    #[test]
    fn spreads_within_capacity() {
        let wanted = BTreeMap::from([(key("a"), 3), (key("b"), 2)]);
        let (placement, unplaced) = place(&wanted, &workers(), 4, &Placement::new());
        assert_eq!(unplaced, 0);
        assert_eq!(placement["w0"], BTreeMap::from([(key("a"), 2), (key("b"), 1)]));
        assert_eq!(placement["w1"], BTreeMap::from([(key("a"), 1), (key("b"), 1)]));
    }

    #[test]
    fn reports_what_does_not_fit() {
        let wanted = BTreeMap::from([(key("a"), 10)]);
        let (placement, unplaced) = place(&wanted, &workers(), 4, &Placement::new());
        assert_eq!(unplaced, 2);
        assert_eq!(placement["w0"][&key("a")] + placement["w1"][&key("a")], 8);
        assert_eq!(place(&wanted, &[], 4, &Placement::new()).1, 10);
    }

    #[test]
    fn keeps_instances_where_they_are() {
        let previous = Placement::from([("w1".to_string(), BTreeMap::from([(key("a"), 2)]))]);
        let wanted = BTreeMap::from([(key("a"), 2)]);
        let (placement, _) = place(&wanted, &workers(), 4, &previous);
        assert_eq!(placement["w1"], BTreeMap::from([(key("a"), 2)]));
        assert!(placement["w0"].is_empty());
        let shrunk = place(&BTreeMap::from([(key("a"), 1)]), &workers(), 4, &previous).0;
        assert_eq!(shrunk["w1"], BTreeMap::from([(key("a"), 1)]));
    }
}
