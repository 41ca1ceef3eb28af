//! Prometheus metrics of the platform (`GET /metrics`), and a short per-function history
//! of calls and latency for the console's charts.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use parking_lot::Mutex;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use serde::Serialize;
use updraft_broker::FunctionKey;

/// Width of one bucket of the per-function history.
const HISTORY_BUCKET_SECONDS: u64 = 10;
/// Buckets kept: ten minutes.
const HISTORY_BUCKETS: usize = 60;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FunctionLabels {
    app: String,
    function: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    app: String,
    function: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: String,
}

/// One bucket of a function's history.
#[derive(Clone, Debug, Default, Serialize)]
pub struct HistoryBucket {
    /// Unix seconds at the bucket's start.
    pub start: u64,
    /// Calls finished.
    pub calls: u64,
    /// Calls answered 5xx.
    pub errors: u64,
    /// Cold starts.
    pub cold: u64,
    /// Mean latency, milliseconds.
    pub mean_ms: f64,
    /// Slowest call, milliseconds.
    pub max_ms: f64,
}

/// The platform's metrics.
pub struct Metrics {
    registry: Registry,
    invocations: Family<CallLabels, Counter>,
    latency: Family<FunctionLabels, Histogram>,
    cold_starts: Family<FunctionLabels, Counter>,
    queue_depth: Family<FunctionLabels, Gauge>,
    dead_letters: Family<FunctionLabels, Gauge>,
    instances: Family<FunctionLabels, Gauge>,
    machines: Gauge,
    mail_outbox: Family<StatusLabels, Gauge>,
    calls: Mutex<HashMap<FunctionKey, FunctionCalls>>,
}

/// What a finished call updates for one function: its metrics, looked up in their
/// families once instead of by freshly built labels on every call, and its history.
struct FunctionCalls {
    latency: Histogram,
    /// Made at the first cold start: a function never cold has no sample.
    cold_starts: Option<Counter>,
    /// Invocation counters by HTTP status (a function answers with few distinct ones).
    by_status: Vec<(u16, Counter)>,
    history: VecDeque<HistoryBucket>,
}

impl FunctionCalls {
    fn new(metrics: &Metrics, key: &FunctionKey) -> FunctionCalls {
        let fn_labels = labels(key);
        FunctionCalls {
            latency: metrics.latency.get_or_create(&fn_labels).clone(),
            cold_starts: None,
            by_status: Vec::new(),
            history: VecDeque::new(),
        }
    }

    fn invocations(&mut self, metrics: &Metrics, key: &FunctionKey, status: u16) -> &Counter {
        let at = match self.by_status.iter().position(|(s, _)| *s == status) {
            Some(at) => at,
            None => {
                let counter = metrics.invocations.get_or_create(&call_labels(key, status)).clone();
                self.by_status.push((status, counter));
                self.by_status.len() - 1
            }
        };
        &self.by_status[at].1
    }

    fn remember(&mut self, status: u16, took: Duration, cold: bool) {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let start = now - now % HISTORY_BUCKET_SECONDS;
        let buckets = &mut self.history;
        if buckets.back().is_none_or(|b| b.start != start) {
            buckets.push_back(HistoryBucket { start, ..HistoryBucket::default() });
            while buckets.len() > HISTORY_BUCKETS {
                buckets.pop_front();
            }
        }
        if let Some(bucket) = buckets.back_mut() {
            let ms = took.as_secs_f64() * 1000.0;
            bucket.mean_ms = (bucket.mean_ms * bucket.calls as f64 + ms) / (bucket.calls + 1) as f64;
            bucket.max_ms = bucket.max_ms.max(ms);
            bucket.calls += 1;
            bucket.errors += u64::from(status >= 500);
            bucket.cold += u64::from(cold);
        }
    }
}

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_25, 2.0, 18))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("updraft");
        let invocations = Family::<CallLabels, Counter>::default();
        let latency = Family::<FunctionLabels, Histogram>::new_with_constructor(latency_histogram as fn() -> Histogram);
        let cold_starts = Family::<FunctionLabels, Counter>::default();
        let queue_depth = Family::<FunctionLabels, Gauge>::default();
        let dead_letters = Family::<FunctionLabels, Gauge>::default();
        let instances = Family::<FunctionLabels, Gauge>::default();
        let machines = Gauge::default();
        let mail_outbox = Family::<StatusLabels, Gauge>::default();
        registry.register("invocations", "Invocations by app, function and HTTP status", invocations.clone());
        registry.register("invocation_duration_seconds", "Time from request to reply at the gateway", latency.clone());
        registry.register("cold_starts", "Invocations that had to load their module first", cold_starts.clone());
        registry.register("queue_depth", "Calls waiting in a function's queue", queue_depth.clone());
        registry.register("dead_letters", "Async invocations that used up their attempts", dead_letters.clone());
        registry.register("function_instances", "Instances granted to a function", instances.clone());
        registry.register("machines", "Worker machines alive", machines.clone());
        registry.register("mail_outbox", "Mails in the outbox by status", mail_outbox.clone());
        Metrics {
            registry,
            invocations,
            latency,
            cold_starts,
            queue_depth,
            dead_letters,
            instances,
            machines,
            mail_outbox,
            calls: Mutex::new(HashMap::new()),
        }
    }
}

fn labels(key: &FunctionKey) -> FunctionLabels {
    FunctionLabels { app: key.app.clone(), function: key.function.clone() }
}

fn call_labels(key: &FunctionKey, status: u16) -> CallLabels {
    CallLabels { app: key.app.clone(), function: key.function.clone(), status: status.to_string() }
}

impl Metrics {
    /// Records one finished call.
    pub fn record(&self, key: &FunctionKey, status: u16, took: Duration, cold: bool) {
        let mut calls = self.calls.lock();
        if !calls.contains_key(key) {
            let first = FunctionCalls::new(self, key);
            calls.insert(key.clone(), first);
        }
        let Some(function) = calls.get_mut(key) else { return };
        function.invocations(self, key, status).inc();
        function.latency.observe(took.as_secs_f64());
        if cold {
            function.cold_starts.get_or_insert_with(|| self.cold_starts.get_or_create(&labels(key)).clone()).inc();
        }
        function.remember(status, took, cold);
    }

    /// The last ten minutes of a function, oldest first.
    pub fn history(&self, key: &FunctionKey) -> Vec<HistoryBucket> {
        self.calls.lock().get(key).map(|f| f.history.iter().cloned().collect()).unwrap_or_default()
    }

    /// Forgets a deleted function.
    pub fn forget(&self, key: &FunctionKey) {
        let fn_labels = labels(key);
        self.latency.remove(&fn_labels);
        self.cold_starts.remove(&fn_labels);
        self.queue_depth.remove(&fn_labels);
        self.dead_letters.remove(&fn_labels);
        self.instances.remove(&fn_labels);
        if let Some(function) = self.calls.lock().remove(key) {
            for (status, _) in function.by_status {
                self.invocations.remove(&call_labels(key, status));
            }
        }
    }

    /// Sets the gauges read at scrape time.
    pub fn set_queue_depth(&self, key: &FunctionKey, depth: u64) {
        self.queue_depth.get_or_create(&labels(key)).set(depth as i64);
    }

    /// See [`Metrics::set_queue_depth`].
    pub fn set_dead_letters(&self, key: &FunctionKey, count: u64) {
        self.dead_letters.get_or_create(&labels(key)).set(count as i64);
    }

    /// See [`Metrics::set_queue_depth`].
    pub fn set_instances(&self, key: &FunctionKey, instances: u64) {
        self.instances.get_or_create(&labels(key)).set(instances as i64);
    }

    /// See [`Metrics::set_queue_depth`].
    pub fn set_machines(&self, machines: u64) {
        self.machines.set(machines as i64);
    }

    /// See [`Metrics::set_queue_depth`].
    pub fn set_mail_outbox(&self, status: &str, count: u64) {
        self.mail_outbox.get_or_create(&StatusLabels { status: status.to_owned() }).set(count as i64);
    }

    /// The Prometheus text exposition.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        if prometheus_client::encoding::text::encode(&mut text, &self.registry).is_err() {
            text.clear();
        }
        text
    }
}
