//! What a host import knows about the invocation it serves.

use std::sync::Arc;
use std::time::Instant;

use updraft_abi::User;

use crate::{LogCollector, ServiceRegistry};

/// The identity and limits of one invocation, as services see them.
#[derive(Clone, Debug)]
pub struct CallContext {
    /// App of the running function.
    pub app: String,
    /// Name of the running function.
    pub function: String,
    /// Revision of the running function.
    pub revision: u32,
    /// Id of this invocation.
    pub invocation_id: String,
    /// The end user on whose behalf the function runs, if any.
    pub user: Option<User>,
    /// The caller's session id (from its token), for the session service.
    pub session_id: Option<String>,
    /// When the invocation must be finished.
    pub deadline: Instant,
    /// How many `fn.call` hops led here (0 for a call from HTTP).
    pub depth: u32,
}

/// Per-invocation host state kept in the wasmtime store.
pub struct HostState {
    /// Who is running and until when.
    pub ctx: Arc<CallContext>,
    /// Services reachable through `host_call`.
    pub services: Arc<ServiceRegistry>,
    /// Log capture of this invocation.
    pub logs: LogCollector,
    pub(crate) pending: Option<Vec<u8>>,
}

impl HostState {
    /// State for one invocation.
    pub fn new(ctx: Arc<CallContext>, services: Arc<ServiceRegistry>, logs: LogCollector) -> HostState {
        HostState { ctx, services, logs, pending: None }
    }
}
