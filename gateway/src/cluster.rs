//! The control plane's side of cluster mode: it answers workers' RPCs (specs and module
//! bytes; every Class-A service call), stores the logs they ship and the results of
//! async invocations, and keeps every live function's queue declared.

use std::sync::Arc;

use updraft_abi::{ErrorCode, ServiceError};
use updraft_broker::{
    instant_from_unix_ms, FunctionDirectory, Handler, LogBatch, MailEnvelope, ModuleSource, ModulesRequest, ModulesResponse,
    RpcHandler, RpcService, ServiceRequest, ServiceResponse,
};
use updraft_abi::LogLevel;
use updraft_host::services::MailOutbox;
use updraft_host::{CallContext, InvocationLogs, LogLine, LogSink, ServiceRegistry, SqliteOutbox};

use crate::{ApiError, Gateway, GatewayDirectory, ResultRecorder};

struct Modules {
    directory: GatewayDirectory,
}

#[async_trait::async_trait]
impl RpcHandler for Modules {
    async fn answer(&self, request: Vec<u8>) -> Vec<u8> {
        let response = match rmp_serde::from_slice::<ModulesRequest>(&request) {
            Ok(ModulesRequest::Module { sha256 }) => match self.directory.module(&sha256).await {
                Ok(bytes) => ModulesResponse::Module(bytes),
                Err(error) => ModulesResponse::Error(error.to_string()),
            },
            Ok(ModulesRequest::Functions) => {
                ModulesResponse::Functions(self.directory.gateway().functions().iter().map(|f| f.spec.clone()).collect())
            }
            Ok(ModulesRequest::Spec { function, revision }) => match self.directory.spec(&function, revision).await {
                Ok(spec) => ModulesResponse::Spec(spec),
                Err(error) => ModulesResponse::Error(error.to_string()),
            },
            Err(error) => ModulesResponse::Error(format!("bad request: {error}")),
        };
        rmp_serde::to_vec_named(&response).unwrap_or_default()
    }
}

struct Services {
    registry: Arc<ServiceRegistry>,
}

#[async_trait::async_trait]
impl RpcHandler for Services {
    async fn answer(&self, request: Vec<u8>) -> Vec<u8> {
        let response = match rmp_serde::from_slice::<ServiceRequest>(&request) {
            Ok(request) => {
                let wire = request.context;
                let ctx = CallContext {
                    app: wire.app,
                    function: wire.function,
                    revision: wire.revision,
                    invocation_id: wire.invocation_id,
                    user: wire.user,
                    session_id: wire.session_id,
                    deadline: instant_from_unix_ms(wire.deadline_unix_ms),
                    depth: wire.depth,
                };
                match self.registry.dispatch(&ctx, &request.name, &request.arg).await {
                    Ok(result) => ServiceResponse::Ok(result),
                    Err(error) => ServiceResponse::Err(error),
                }
            }
            Err(error) => ServiceResponse::Err(ServiceError::new(ErrorCode::InvalidArgument, error.to_string())),
        };
        rmp_serde::to_vec_named(&response).unwrap_or_default()
    }
}

struct Logs {
    sink: Arc<dyn LogSink>,
}

#[async_trait::async_trait]
impl Handler<Vec<u8>> for Logs {
    async fn handle(&self, message: Vec<u8>) {
        let Ok(batch) = rmp_serde::from_slice::<LogBatch>(&message) else {
            tracing::warn!("undecodable log batch dropped");
            return;
        };
        for entry in batch.entries {
            let lines = entry
                .lines
                .into_iter()
                .map(|(time_us, level, message)| LogLine { time_us, level: LogLevel::from_i32(level.into()), message })
                .collect();
            self.sink.write(InvocationLogs {
                app: entry.app,
                function: entry.function,
                revision: entry.revision,
                invocation_id: entry.invocation_id,
                lines,
            });
        }
    }
}

/// Mail queued by cluster workers, into the outbox.
struct Mail {
    outbox: Arc<SqliteOutbox>,
}

#[async_trait::async_trait]
impl Handler<MailEnvelope> for Mail {
    async fn handle(&self, mail: MailEnvelope) {
        // The message stays unacknowledged until stored; a store that keeps failing is
        // retried with backoff rather than losing the mail.
        let mut backoff = std::time::Duration::from_millis(100);
        while let Err(error) = self.outbox.enqueue(&mail.id, &mail.app, &mail.function, &mail.message).await {
            tracing::error!(id = %mail.id, %error, "queued mail not stored yet; retrying");
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(std::time::Duration::from_secs(10));
        }
    }
}

impl Gateway {
    /// Stores async results (both modes) and, for cluster mode, serves workers: RPCs,
    /// shipped logs, queued mail (into `outbox`), declared queues.
    pub async fn serve_workers(
        &self,
        services: Arc<ServiceRegistry>,
        logs: Arc<dyn LogSink>,
        outbox: Arc<SqliteOutbox>,
    ) -> Result<(), ApiError> {
        let broker = self.broker();
        let unavailable = |e: updraft_broker::BrokerError| ApiError::internal(e);
        broker.consume_results(ResultRecorder::new(self.db().clone())).await.map_err(unavailable)?;
        let directory = GatewayDirectory::new(self.clone());
        broker.serve_rpc(RpcService::Modules, Arc::new(Modules { directory })).await.map_err(unavailable)?;
        broker.serve_rpc(RpcService::Services, Arc::new(Services { registry: services })).await.map_err(unavailable)?;
        broker.consume_logs(Arc::new(Logs { sink: logs })).await.map_err(unavailable)?;
        broker.consume_mail(Arc::new(Mail { outbox })).await.map_err(unavailable)?;
        self.follow_scaling().await.map_err(unavailable)?;
        for live in self.functions() {
            if let Err(error) = broker.ensure_queue(&live.key).await {
                tracing::warn!(function = %live.key, %error, "function queue not declared yet");
            }
        }
        Ok(())
    }
}
