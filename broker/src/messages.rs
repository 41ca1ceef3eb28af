//! The messages that cross the broker. Each carries a version; on the wire they are
//! MessagePack maps with field names.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use updraft_abi::{Request, Response};

/// Version of the messages in this module.
pub const MESSAGE_VERSION: u32 = 1;

/// A function of an app.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FunctionKey {
    /// App name.
    pub app: String,
    /// Function name.
    pub function: String,
}

impl FunctionKey {
    /// The key of `app`/`function`.
    pub fn new(app: impl Into<String>, function: impl Into<String>) -> FunctionKey {
        FunctionKey { app: app.into(), function: function.into() }
    }
}

impl std::fmt::Display for FunctionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.app, self.function)
    }
}

/// What a worker needs to run a function revision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionSpec {
    /// The function.
    pub key: FunctionKey,
    /// Its revision.
    pub revision: u32,
    /// sha256 (hex) of the module.
    pub sha256: String,
    /// Wall time per invocation.
    pub timeout_ms: u64,
    /// Linear memory limit.
    pub memory_mb: u32,
    /// Invocations one instance may run at once.
    pub concurrency: u32,
    /// Least instances kept granted.
    pub min_instances: u32,
    /// Most instances granted.
    pub max_instances: u32,
    /// Environment variables.
    pub env: Vec<(String, String)>,
}

impl FunctionSpec {
    /// Most invocations of this function that may run at once.
    pub fn max_slots(&self) -> u32 {
        self.max_instances.saturating_mul(self.concurrency).max(1)
    }
}

/// One call of a function.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invocation {
    /// Message version.
    pub version: u32,
    /// Invocation id (32 hex digits).
    pub id: String,
    /// The function called.
    pub function: FunctionKey,
    /// The revision that was current when the call arrived.
    pub revision: u32,
    /// The request for the guest.
    pub request: Request,
    /// Absolute deadline, milliseconds since the Unix epoch.
    pub deadline_unix_ms: u64,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// `fn.call` hops that led here.
    pub depth: u32,
    /// The caller's session id, for the session service.
    pub session_id: Option<String>,
    /// Whether a caller waits for the reply.
    #[serde(default)]
    pub mode: CallMode,
}

/// How an invocation was called.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum CallMode {
    /// A caller waits for the reply; never retried.
    #[default]
    Sync,
    /// Queued durably; the outcome is stored; retried with backoff, then dead-lettered.
    Async,
}

/// Delays before the 2nd, 3rd, ... attempt of an async invocation (DESIGN §7: 3 attempts,
/// 1 s then 5 s).
pub const RETRY_DELAYS: [Duration; 2] = [Duration::from_secs(1), Duration::from_secs(5)];

/// Attempts an async invocation gets in all.
pub const MAX_ATTEMPTS: u32 = RETRY_DELAYS.len() as u32 + 1;

/// Where an async invocation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvocationStatus {
    /// Waiting for a worker.
    Queued,
    /// A worker runs it.
    Running,
    /// Done, with a response.
    Succeeded,
    /// The last attempt failed; another will come.
    Failed,
    /// Every attempt failed; kept as a dead letter.
    DeadLettered,
}

impl InvocationStatus {
    /// The API's name of the status.
    pub fn as_str(self) -> &'static str {
        match self {
            InvocationStatus::Queued => "queued",
            InvocationStatus::Running => "running",
            InvocationStatus::Succeeded => "succeeded",
            InvocationStatus::Failed => "failed",
            InvocationStatus::DeadLettered => "dead_lettered",
        }
    }
}

/// What a worker reports about an async invocation (to `updraft.results`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvocationResult {
    /// Message version.
    pub version: u32,
    /// The invocation, as it will be retried or replayed.
    pub invocation: Invocation,
    /// Where it stands now.
    pub status: InvocationStatus,
    /// The outcome of the attempt just made (none for `Running`).
    pub outcome: Option<Outcome>,
}

/// A worker's report, every second, to the monitor.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Heartbeat {
    /// Message version.
    pub version: u32,
    /// Worker id.
    pub worker: String,
    /// CPU use of the machine, percent of all cores.
    pub cpu_percent: f32,
    /// Memory in use, bytes.
    pub memory_used: u64,
    /// Memory in all, bytes.
    pub memory_total: u64,
    /// Slots granted per function.
    pub granted: Vec<(FunctionKey, u32)>,
    /// Invocations running per function.
    pub in_flight: Vec<(FunctionKey, u32)>,
    /// Invocations finished since the last heartbeat, per function.
    pub completed: Vec<(FunctionKey, u64)>,
    /// Whether the worker is draining (takes no new work).
    pub draining: bool,
}

/// The request-reply services of the control plane.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RpcService {
    /// Module bytes and function specs (`updraft.modules`).
    Modules,
    /// Class-A service calls from workers (`updraft.services`).
    Services,
}

impl RpcService {
    /// The queue serving it.
    pub fn queue(self) -> &'static str {
        match self {
            RpcService::Modules => "updraft.modules",
            RpcService::Services => "updraft.services",
        }
    }
}

impl Invocation {
    /// The deadline as an `Instant` of this process.
    pub fn deadline(&self) -> Instant {
        instant_from_unix_ms(self.deadline_unix_ms)
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// The wall-clock time `from_now` ahead, in Unix milliseconds.
pub fn unix_ms_after(from_now: Duration) -> u64 {
    now_unix_ms().saturating_add(from_now.as_millis() as u64)
}

/// A fresh invocation id, 32 hex digits: the time in Unix milliseconds (48 bits), then 80
/// random bits. Ids sort by time, so the log store's index on them grows at its end
/// instead of taking random inserts across the whole tree.
pub fn new_invocation_id() -> String {
    let mut id = [0u8; 16];
    id[..6].copy_from_slice(&now_unix_ms().to_be_bytes()[2..]);
    rand::fill(&mut id[6..]);
    hex::encode(id)
}

/// Converts a Unix-millisecond deadline to an `Instant` (the past maps to now).
pub fn instant_from_unix_ms(unix_ms: u64) -> Instant {
    let now_ms = now_unix_ms();
    Instant::now() + Duration::from_millis(unix_ms.saturating_sub(now_ms))
}

/// How an invocation ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// Message version.
    pub version: u32,
    /// The outcome.
    pub outcome: Outcome,
    /// Whether the module had to be loaded for this call.
    pub cold: bool,
    /// Time spent in the worker, microseconds.
    pub duration_us: u64,
}

/// The guest's response, or why there is none.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// The guest answered.
    Response(Response),
    /// The invocation failed.
    Failed(Failure),
}

/// Why an invocation failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// Category (decides the HTTP status).
    pub kind: FailureKind,
    /// Reason, safe to show to the function's developer.
    pub message: String,
}

/// Categories of failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FailureKind {
    /// The guest trapped or broke the ABI or returned garbage (502).
    Guest,
    /// The deadline passed (504).
    Timeout,
    /// The worker had no capacity or could not load the module (503).
    Unavailable,
    /// The function or revision is gone (404).
    NotFound,
}

/// Messages from the control plane to workers (and scheduler).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ControlMessage {
    /// Message version.
    pub version: u32,
    /// What happened.
    pub event: ControlEvent,
}

impl From<ControlEvent> for ControlMessage {
    fn from(event: ControlEvent) -> Self {
        ControlMessage { version: MESSAGE_VERSION, event }
    }
}

/// Control events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ControlEvent {
    /// A revision became current.
    Deployed(FunctionSpec),
    /// A function was deleted.
    Deleted(FunctionKey),
    /// A worker may run `slots` invocations of a function at once.
    Grant {
        /// Worker id.
        worker: String,
        /// Function.
        function: FunctionKey,
        /// Concurrent invocations allowed.
        slots: u32,
    },
    /// A worker must stop taking a function's invocations (finishing those in flight).
    Revoke {
        /// Worker id.
        worker: String,
        /// Function.
        function: FunctionKey,
    },
    /// A worker must stop taking work, finish what it has, and exit.
    Drain {
        /// Worker id.
        worker: String,
    },
    /// A call arrived for a function with no instance: the scheduler should grant now.
    Wake(FunctionKey),
    /// The scheduler's view and its latest decisions, for the control plane's API.
    Scaling(ScalingReport),
}

/// What the scheduler sees and decided.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ScalingReport {
    /// Machines alive.
    pub machines: Vec<MachineReport>,
    /// Instances per function.
    pub functions: Vec<FunctionReport>,
    /// Decisions made since the previous report.
    pub decisions: Vec<Decision>,
}

/// One machine in a [`ScalingReport`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineReport {
    /// Worker id.
    pub id: String,
    /// Instances placed on it.
    pub instances: u32,
    /// Its capacity in instances.
    pub capacity: u32,
    /// CPU use, percent.
    pub cpu_percent: f32,
    /// Whether it is draining.
    pub draining: bool,
}

/// One function in a [`ScalingReport`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionReport {
    /// The function.
    pub function: FunctionKey,
    /// Instances granted now.
    pub instances: u32,
    /// Invocations running.
    pub in_flight: u32,
    /// Calls waiting.
    pub queue_depth: u64,
}

/// A scaling decision with its inputs and reason.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// Unix ms.
    pub time_unix_ms: u64,
    /// `scale_function`, `provision_machine`, `drain_machine`, `replace_machine`, `grant`.
    pub kind: String,
    /// The function concerned, if any.
    pub function: Option<FunctionKey>,
    /// The machine concerned, if any.
    pub machine: Option<String>,
    /// Value before (instances or machines).
    pub from: u32,
    /// Value after.
    pub to: u32,
    /// Why, in words.
    pub reason: String,
    /// The numbers the decision was made from.
    pub inputs: Vec<(String, f64)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invocation_ids_are_128_bit_hex_in_time_order() {
        let id = new_invocation_id();
        assert_eq!(id.len(), 32);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(id, new_invocation_id());
        std::thread::sleep(Duration::from_millis(2));
        assert!(new_invocation_id() > id);
    }
}
