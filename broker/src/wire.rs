//! Bodies of the control plane's RPC services and of log batches (versioned, MessagePack).

use serde::{Deserialize, Serialize};
use updraft_abi::{MailMessage, ServiceError, User};

use crate::{FunctionKey, FunctionSpec};

/// A question to `updraft.modules`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModulesRequest {
    /// The bytes of a module.
    Module {
        /// Its sha256 (hex).
        sha256: String,
    },
    /// The current spec of every live function.
    Functions,
    /// The spec of a function revision.
    Spec {
        /// The function.
        function: FunctionKey,
        /// The revision.
        revision: u32,
    },
}

/// An answer of `updraft.modules`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModulesResponse {
    /// Module bytes.
    Module(#[serde(with = "serde_bytes")] Vec<u8>),
    /// A spec, or none when the revision is gone.
    Spec(Option<FunctionSpec>),
    /// Every live function's current spec.
    Functions(Vec<FunctionSpec>),
    /// The control plane could not answer.
    Error(String),
}

/// A service call from a worker, to `updraft.services`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceRequest {
    /// Message version.
    pub version: u32,
    /// Service name (`kv.get`, ...).
    pub name: String,
    /// Who calls.
    pub context: WireContext,
    /// The MessagePack argument.
    #[serde(with = "serde_bytes")]
    pub arg: Vec<u8>,
}

/// The invocation context of a service call, across processes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireContext {
    /// App.
    pub app: String,
    /// Function.
    pub function: String,
    /// Revision.
    pub revision: u32,
    /// Invocation id.
    pub invocation_id: String,
    /// The end user, if any.
    pub user: Option<User>,
    /// The end user's session.
    pub session_id: Option<String>,
    /// Deadline, Unix ms.
    pub deadline_unix_ms: u64,
    /// `fn.call` depth.
    pub depth: u32,
}

/// The answer to a [`ServiceRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServiceResponse {
    /// The service's MessagePack result.
    Ok(#[serde(with = "serde_bytes")] Vec<u8>),
    /// The service's error.
    Err(ServiceError),
}

/// A mail a function queued, from a worker to `updraft.mail` (persistent): the gateway
/// puts it in its outbox under `id`, once however often it is delivered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailEnvelope {
    /// Message version.
    pub version: u32,
    /// The id `mail.send` returned to the function.
    pub id: String,
    /// App.
    pub app: String,
    /// Function.
    pub function: String,
    /// The message, validated by the worker.
    pub message: MailMessage,
}

/// Logs of finished invocations, from a worker to `updraft.logs`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogBatch {
    /// Message version.
    pub version: u32,
    /// One entry per invocation.
    pub entries: Vec<LogEntry>,
}

/// The log records of one invocation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// App.
    pub app: String,
    /// Function.
    pub function: String,
    /// Revision.
    pub revision: u32,
    /// Invocation id.
    pub invocation_id: String,
    /// Records: (Unix µs, level 0-4, message).
    pub lines: Vec<(i64, u8, String)>,
}
