//! The scheduler's reports as the API shows them: machines, instances per function, and
//! every decision with its inputs and reason (`GET /v1/scaling/decisions`).

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::Json;
use parking_lot::{Mutex, RwLock};
use serde::Deserialize;
use serde_json::{json, Value};
use updraft_broker::{ControlEvent, ControlMessage, Decision, FunctionKey, ScalingReport};

use crate::auth::Developer;
use crate::{ApiError, Gateway};

/// Decisions kept in memory.
const KEPT_DECISIONS: usize = 2000;

/// Least time between two wake-ups of one function.
const WAKE_INTERVAL: Duration = Duration::from_millis(500);

/// The latest report and recent decisions.
#[derive(Default)]
pub(crate) struct ScalingView {
    latest: Mutex<ScalingReport>,
    decisions: Mutex<VecDeque<Decision>>,
    /// Instances per function, as last reported (read on every call).
    instances: RwLock<HashMap<FunctionKey, u32>>,
    last_wake: Mutex<HashMap<FunctionKey, Instant>>,
}

impl ScalingView {
    /// Whether a call to `function` should wake it: it has no instance (or none was
    /// reported yet) and it was not woken a moment ago, since the last report.
    fn should_wake(&self, function: &FunctionKey) -> bool {
        if self.instances.read().get(function).copied().unwrap_or(0) > 0 {
            return false;
        }
        let mut last = self.last_wake.lock();
        let now = Instant::now();
        if last.get(function).is_some_and(|at| now.duration_since(*at) < WAKE_INTERVAL) {
            return false;
        }
        last.insert(function.clone(), now);
        true
    }

    fn apply(&self, mut report: ScalingReport) {
        *self.instances.write() = report.functions.iter().map(|f| (f.function.clone(), f.instances)).collect();
        // A function this report shows at zero may be woken again at once: it may have
        // gone back to zero since its last wake-up.
        self.last_wake.lock().clear();
        let mut decisions = self.decisions.lock();
        decisions.extend(report.decisions.drain(..));
        while decisions.len() > KEPT_DECISIONS {
            decisions.pop_front();
        }
        *self.latest.lock() = report;
    }
}

impl Gateway {
    /// Tells the scheduler at once when a call arrives for a function at zero instances
    /// (no waiting for its next tick). Never blocks the call.
    pub(crate) fn wake_if_idle(&self, function: &FunctionKey) {
        if !self.scaling().should_wake(function) {
            return;
        }
        let broker = self.broker().clone();
        let message = ControlMessage::from(ControlEvent::Wake(function.clone()));
        tokio::spawn(async move {
            if let Err(error) = broker.publish_control(message).await {
                tracing::debug!(%error, "wake-up not published");
            }
        });
    }

    /// Follows the scheduler's reports (in a spawned task): metrics and the decisions log.
    pub async fn follow_scaling(&self) -> Result<(), updraft_broker::BrokerError> {
        let mut control = self.broker().subscribe_control().await?;
        let gateway = self.clone();
        tokio::spawn(async move {
            while let Some(message) = control.recv().await {
                if let ControlEvent::Scaling(report) = message.event {
                    let metrics = gateway.metrics();
                    metrics.set_machines(report.machines.len() as u64);
                    for function in &report.functions {
                        metrics.set_instances(&function.function, function.instances.into());
                    }
                    gateway.scaling().apply(report);
                }
            }
        });
        Ok(())
    }
}

#[derive(Deserialize)]
pub(crate) struct DecisionParams {
    limit: Option<usize>,
}

/// `GET /v1/scaling/decisions`: machines (shared by all), and the functions and
/// decisions of the caller's own apps (all of them for the admin).
pub(crate) async fn decisions(
    State(gateway): State<Gateway>,
    developer: Developer,
    Query(params): Query<DecisionParams>,
) -> Result<Json<Value>, ApiError> {
    let own: Vec<String> = gateway.db().apps_of(developer.id)?.into_iter().map(|a| a.name).collect();
    let visible = |function: &Option<updraft_broker::FunctionKey>| match function {
        Some(f) => developer.is_admin || own.contains(&f.app),
        None => true,
    };
    let limit = params.limit.unwrap_or(200).clamp(1, KEPT_DECISIONS);
    let all = gateway.scaling().decisions.lock().clone();
    let picked: Vec<Value> = all
        .iter()
        .rev()
        .filter(|d| visible(&d.function))
        .take(limit)
        .map(|d| {
            let time = chrono::DateTime::from_timestamp_millis(d.time_unix_ms as i64).unwrap_or_default();
            let inputs: serde_json::Map<String, Value> = d.inputs.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            json!({ "time": time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true), "kind": d.kind,
                    "function": d.function, "machine": d.machine, "from": d.from, "to": d.to,
                    "reason": d.reason, "inputs": inputs })
        })
        .collect();
    let latest = gateway.scaling().latest.lock().clone();
    let functions: Vec<_> = latest.functions.iter().filter(|f| visible(&Some(f.function.clone()))).collect();
    Ok(Json(json!({ "machines": latest.machines, "functions": functions, "decisions": picked })))
}
