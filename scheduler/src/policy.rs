//! The service-level policy (DESIGN §6): how many instances a function should have,
//! from recorded demand samples. Pure functions of their inputs, so the decisions can be
//! tested with tables and replayed from the decisions log.

use std::time::Duration;

/// Windows and thresholds of the policy.
#[derive(Clone, Debug)]
pub struct PolicyConfig {
    /// Averaging window for normal scaling.
    pub stable_window: Duration,
    /// Short window that overrides the stable one when demand jumps.
    pub panic_window: Duration,
    /// Demand at least this many times the current instances starts panic mode.
    pub panic_threshold: f64,
    /// Without any demand for this long, a function with `min_instances = 0` goes to 0.
    pub idle_window: Duration,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            stable_window: Duration::from_secs(60),
            panic_window: Duration::from_secs(6),
            panic_threshold: 2.0,
            idle_window: Duration::from_secs(60),
        }
    }
}

/// Demand at one moment: calls waiting plus calls running.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// Milliseconds on the scheduler's clock.
    pub at_ms: u64,
    /// Queue depth + in flight.
    pub demand: f64,
}

/// Everything the decision for one function depends on.
#[derive(Clone, Debug)]
pub struct FunctionInputs<'a> {
    /// Recent samples, oldest first.
    pub samples: &'a [Sample],
    /// Now, on the samples' clock.
    pub now_ms: u64,
    /// Instances granted now.
    pub current: u32,
    /// Bounds.
    pub min: u32,
    /// Bounds.
    pub max: u32,
    /// Invocations per instance.
    pub concurrency: u32,
    /// A call arrived while the function had no instance.
    pub woken: bool,
}

/// The decision and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// Instances wanted.
    pub instances: u32,
    /// Why, in words.
    pub reason: String,
    /// The numbers used.
    pub inputs: Vec<(String, f64)>,
}

fn average(samples: &[Sample], since_ms: u64) -> f64 {
    let window: Vec<f64> = samples.iter().filter(|s| s.at_ms >= since_ms).map(|s| s.demand).collect();
    if window.is_empty() { 0.0 } else { window.iter().sum::<f64>() / window.len() as f64 }
}

/// Desired instances = ceil(demand / concurrency), stable window average unless the panic
/// window shows a jump, clamped to [min, max]; 0 after the idle window without demand.
pub fn desired_instances(input: &FunctionInputs<'_>, config: &PolicyConfig) -> Verdict {
    let concurrency = f64::from(input.concurrency.max(1));
    let since = |window: Duration| input.now_ms.saturating_sub(window.as_millis() as u64);
    let stable = average(input.samples, since(config.stable_window));
    let panic = average(input.samples, since(config.panic_window));
    let stable_want = (stable / concurrency).ceil() as u32;
    let panic_want = (panic / concurrency).ceil() as u32;
    let last_active = input.samples.iter().rev().find(|s| s.demand > 0.0).map(|s| s.at_ms);
    let idle = last_active.is_none_or(|at| input.now_ms.saturating_sub(at) >= config.idle_window.as_millis() as u64);

    let panicking = f64::from(panic_want) >= config.panic_threshold * f64::from(input.current.max(1)) && panic_want > input.current;
    let (mut want, mut reason) = if panicking {
        (panic_want.max(input.current), format!("panic window: demand {panic:.1} needs {panic_want}, ≥ {}× the {} current", config.panic_threshold, input.current))
    } else {
        (stable_want, format!("stable window: average demand {stable:.1} over concurrency {concurrency}"))
    };
    if want == 0 && !idle {
        want = 1;
        reason = "recently active: keep one instance until the idle window passes".into();
    }
    if input.woken && want == 0 {
        want = 1;
        reason = "woken by a call to a function at zero".into();
    }
    if idle && !input.woken && input.min == 0 {
        want = 0;
        reason = format!("idle for the idle window ({} s)", config.idle_window.as_secs());
    }
    let clamped = want.clamp(input.min, input.max.max(input.min));
    if clamped != want {
        reason = format!("{reason}; clamped to [{}, {}]", input.min, input.max);
    }
    Verdict {
        instances: clamped,
        reason,
        inputs: vec![
            ("stable_demand".into(), stable),
            ("panic_demand".into(), panic),
            ("current".into(), input.current.into()),
            ("concurrency".into(), concurrency),
            ("min".into(), input.min.into()),
            ("max".into(), input.max.into()),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(demands: &[(u64, f64)]) -> Vec<Sample> {
        demands.iter().map(|&(at_s, demand)| Sample { at_ms: at_s * 1000, demand }).collect()
    }

    fn decide(demands: &[(u64, f64)], now_s: u64, current: u32, min: u32, max: u32, woken: bool) -> u32 {
        let samples = samples(demands);
        let input = FunctionInputs { samples: &samples, now_ms: now_s * 1000, current, min, max, concurrency: 10, woken };
        desired_instances(&input, &PolicyConfig::default()).instances
    }

    #[test]
    fn table_of_decisions() {
        // (samples (second, demand), now, current, min, max, woken) -> instances
        let table: Vec<(Vec<(u64, f64)>, u64, u32, u32, u32, bool, u32)> = vec![
            // steady demand of 25 at concurrency 10 -> 3
            ((0..60).map(|s| (s, 25.0)).collect(), 60, 3, 0, 100, false, 3),
            // a spike in the last seconds: the panic window (6 s, average 133) wins at once
            ((0..60).map(|s| (s, if s >= 56 { 200.0 } else { 0.0 })).collect(), 60, 1, 0, 100, false, 14),
            // ...but never beyond max
            ((0..60).map(|s| (s, if s >= 56 { 200.0 } else { 0.0 })).collect(), 60, 1, 0, 8, false, 8),
            // demand fell away recently: the stable average scales down slowly
            ((0..60).map(|s| (s, if s < 30 { 100.0 } else { 0.0 })).collect(), 60, 10, 0, 100, false, 5),
            // idle for the whole idle window: zero
            ((0..60).map(|s| (s, if s < 2 { 50.0 } else { 0.0 })).collect(), 125, 5, 0, 100, false, 0),
            // idle, but min_instances holds
            (vec![], 120, 2, 2, 100, false, 2),
            // never called, never woken: zero
            (vec![], 10, 0, 0, 100, false, 0),
            // a call at zero wakes it at once
            (vec![], 10, 0, 0, 100, true, 1),
            // tiny demand keeps one instance while recently active
            (vec![(58, 1.0), (59, 0.0)], 60, 1, 0, 100, false, 1),
        ];
        for (i, (demands, now, current, min, max, woken, expected)) in table.into_iter().enumerate() {
            assert_eq!(decide(&demands, now, current, min, max, woken), expected, "row {i}");
        }
    }

    #[test]
    fn verdicts_explain_themselves() {
        let samples = samples(&[(0, 30.0)]);
        let input = FunctionInputs { samples: &samples, now_ms: 0, current: 1, min: 0, max: 10, concurrency: 10, woken: false };
        let verdict = desired_instances(&input, &PolicyConfig::default());
        assert_eq!(verdict.instances, 3);
        assert!(verdict.reason.contains("panic"), "{}", verdict.reason);
        assert!(verdict.inputs.iter().any(|(name, value)| name == "panic_demand" && *value == 30.0));
    }
}
