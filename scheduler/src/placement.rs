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
