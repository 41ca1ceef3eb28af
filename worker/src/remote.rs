//! What a cluster worker asks of the control plane over RabbitMQ: specs and module bytes
//! (`updraft.modules`), the Class-A service calls that read or write state
//! (`updraft.services`), and where its logs (`updraft.logs`) and mail (`updraft.mail`,
//! see [`BrokerOutbox`](crate::BrokerOutbox)) go. A cluster worker owns no state.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::sync::mpsc;
use updraft_abi::{service, ErrorCode, ServiceError};
use updraft_broker::{
    unix_ms_after, Broker, BrokerError, FunctionDirectory, FunctionKey, FunctionSpec, LogBatch, LogEntry, ModuleSource,
    ModulesRequest, ModulesResponse, RpcService, ServiceRequest, ServiceResponse, WireContext, MESSAGE_VERSION,
};
use updraft_host::services::{MailService, ServiceLimits};
use updraft_host::{gather_logs, CallContext, InvocationLogs, LogSink, Service, ServiceRegistry};

/// How long a spec lookup may take.
const SPEC_TIMEOUT: Duration = Duration::from_secs(10);
/// How long fetching module bytes may take.
const MODULE_TIMEOUT: Duration = Duration::from_secs(60);
/// Most invocations' logs per message to `updraft.logs`.
const LOG_BATCH: usize = 1024;
/// How long the shipper gathers logs before it publishes: under load one message carries
/// many invocations instead of RabbitMQ, this worker and the gateway handling one each.
const LOG_GATHER: Duration = Duration::from_millis(20);

fn codec(error: impl std::fmt::Display) -> BrokerError {
    BrokerError::Codec(error.to_string())
}

/// Specs and modules from the control plane.
pub struct RemoteControlPlane {
    broker: Arc<dyn Broker>,
}

impl RemoteControlPlane {
    /// Asks over `broker`.
    pub fn new(broker: Arc<dyn Broker>) -> RemoteControlPlane {
        RemoteControlPlane { broker }
    }

    async fn ask(&self, request: &ModulesRequest, timeout: Duration) -> Result<ModulesResponse, BrokerError> {
        let bytes = rmp_serde::to_vec_named(request).map_err(codec)?;
        let answer = self.broker.rpc(RpcService::Modules, bytes, timeout).await?;
        rmp_serde::from_slice(&answer).map_err(codec)
    }
}

#[async_trait]
impl FunctionDirectory for RemoteControlPlane {
    async fn spec(&self, function: &FunctionKey, revision: u32) -> Result<Option<FunctionSpec>, BrokerError> {
        match self.ask(&ModulesRequest::Spec { function: function.clone(), revision }, SPEC_TIMEOUT).await? {
            ModulesResponse::Spec(spec) => Ok(spec),
            ModulesResponse::Error(reason) => Err(BrokerError::Unavailable(reason)),
            _ => Err(codec("not a spec")),
        }
    }
}

#[async_trait]
impl ModuleSource for RemoteControlPlane {
    async fn module(&self, sha256: &str) -> Result<Vec<u8>, BrokerError> {
        match self.ask(&ModulesRequest::Module { sha256: sha256.to_owned() }, MODULE_TIMEOUT).await? {
            ModulesResponse::Module(bytes) => Ok(bytes),
            ModulesResponse::Error(reason) => Err(BrokerError::Unavailable(reason)),
            _ => Err(codec("not a module")),
        }
    }
}

/// Every service call, answered by the control plane.
pub struct RemoteServices {
    broker: Arc<dyn Broker>,
}

impl RemoteServices {
    /// A registry whose every ABI v1 service is asked over `broker`; `mail.send` is
    /// published to `updraft.mail`.
    pub fn registry(broker: Arc<dyn Broker>, max_payload: usize) -> ServiceRegistry {
        let names = [
            service::AUTH_USER,
            service::SESSION_GET,
            service::SESSION_SET,
            service::SESSION_DELETE,
            service::KV_GET,
            service::KV_SET,
            service::KV_DELETE,
            service::KV_LIST,
            service::FN_CALL,
        ];
        let mut registry = ServiceRegistry::new(max_payload);
        let outbox = crate::BrokerOutbox::new(broker.clone());
        let mails_per_minute = ServiceLimits::default().mails_per_minute;
        registry.register(&[service::MAIL_SEND], Arc::new(MailService::new(Arc::new(outbox), mails_per_minute)));
        registry.register(&names, Arc::new(RemoteServices { broker }));
        registry
    }
}

/// The wire form of an invocation's context.
pub fn wire_context(ctx: &CallContext) -> WireContext {
    WireContext {
        app: ctx.app.clone(),
        function: ctx.function.clone(),
        revision: ctx.revision,
        invocation_id: ctx.invocation_id.clone(),
        user: ctx.user.clone(),
        session_id: ctx.session_id.clone(),
        deadline_unix_ms: unix_ms_after(ctx.deadline.saturating_duration_since(Instant::now())),
        depth: ctx.depth,
    }
}

#[async_trait]
impl Service for RemoteServices {
    async fn call(&self, name: &str, ctx: &CallContext, arg: &[u8]) -> Result<Vec<u8>, ServiceError> {
        let unavailable = |why: String| ServiceError::new(ErrorCode::Unavailable, why);
        let request =
            ServiceRequest { version: MESSAGE_VERSION, name: name.to_owned(), context: wire_context(ctx), arg: arg.to_vec() };
        let bytes = rmp_serde::to_vec_named(&request).map_err(|e| unavailable(e.to_string()))?;
        let remaining = ctx.deadline.saturating_duration_since(Instant::now());
        let answer = self.broker.rpc(RpcService::Services, bytes, remaining).await.map_err(|e| unavailable(e.to_string()))?;
        match rmp_serde::from_slice(&answer).map_err(|e| unavailable(e.to_string()))? {
            ServiceResponse::Ok(result) => Ok(result),
            ServiceResponse::Err(error) => Err(error),
        }
    }

    fn timeout(&self) -> Duration {
        // Bounded by the invocation's deadline; the remote service applies its own.
        Duration::MAX
    }
}

/// Ships invocation logs to the control plane in batches.
pub struct BrokerLogSink {
    queue: mpsc::Sender<InvocationLogs>,
}

impl BrokerLogSink {
    /// Starts the shipping task on the current runtime.
    pub fn start(broker: Arc<dyn Broker>) -> BrokerLogSink {
        let (queue, mut receiver) = mpsc::channel::<InvocationLogs>(16 * 1024);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(LOG_BATCH);
            while gather_logs(&mut receiver, &mut batch, LOG_BATCH, LOG_GATHER).await > 0 {
                let entries = batch.drain(..).map(entry).collect();
                let Ok(bytes) = rmp_serde::to_vec_named(&LogBatch { version: MESSAGE_VERSION, entries }) else { continue };
                if let Err(error) = broker.publish_logs(bytes).await {
                    tracing::warn!(%error, "a batch of logs was lost");
                }
            }
        });
        BrokerLogSink { queue }
    }
}

fn entry(logs: InvocationLogs) -> LogEntry {
    LogEntry {
        app: logs.app,
        function: logs.function,
        revision: logs.revision,
        invocation_id: logs.invocation_id,
        lines: logs.lines.into_iter().map(|l| (l.time_us, l.level as u8, l.message)).collect(),
    }
}

impl LogSink for BrokerLogSink {
    fn write(&self, logs: InvocationLogs) {
        if self.queue.try_send(logs).is_err() {
            tracing::warn!("log queue full; an invocation's logs were dropped");
        }
    }
}
