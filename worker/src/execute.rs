//! Running one delivery: resolve the revision, load its module, invoke, log, reply.

use std::sync::Arc;
use std::time::{Duration, Instant};

use updraft_abi::LogLevel;
use updraft_broker::{CallMode, Delivery, Failure, FailureKind, Invocation, Outcome, Reply, MESSAGE_VERSION};
use updraft_host::{unix_micros_now, CallContext, HostState, InvocationLogs, LogCollector, LogLine};
use updraft_runtime::{FunctionModule, InvokeError, InvokeInput, RuntimeError};

use crate::worker::ResolvedSpec;
use crate::Worker;

impl Worker {
    /// Runs a delivery and settles it: a reply for a sync call; for an async one, its
    /// result (and a retry or dead letter) published before the acknowledgement.
    pub(crate) async fn handle(&self, delivery: Delivery) {
        let Delivery { invocation, handle } = delivery;
        if invocation.mode == CallMode::Async {
            return crate::retries::settle_async(self, invocation, handle).await;
        }
        let reply = self.execute(&invocation).await;
        if let Err(error) = handle.reply(reply).await {
            tracing::warn!(invocation = %invocation.id, %error, "reply not delivered");
        }
    }

    /// Runs one invocation to its reply. Never panics on guest behaviour.
    pub async fn execute(&self, invocation: &Invocation) -> Reply {
        let started = Instant::now();
        let (outcome, cold) = self.run(invocation).await;
        let duration = started.elapsed();
        Reply { version: MESSAGE_VERSION, outcome, cold, duration_us: duration.as_micros() as u64 }
    }

    async fn run(&self, invocation: &Invocation) -> (Outcome, bool) {
        // A sync caller gave up at its deadline: skip the work. An async attempt gets the
        // function's whole timeout from when it starts.
        if invocation.mode == CallMode::Sync && Instant::now() >= invocation.deadline() {
            return (failed(FailureKind::Timeout, "deadline passed before the invocation started"), false);
        }
        let spec = match self.spec(invocation).await {
            Ok(Some(spec)) => spec,
            Ok(None) => return (failed(FailureKind::NotFound, "function revision not found"), false),
            Err(error) => return (failed(FailureKind::Unavailable, error.to_string()), false),
        };
        let deadline = match invocation.mode {
            CallMode::Sync => invocation.deadline(),
            CallMode::Async => Instant::now() + Duration::from_millis(spec.spec.timeout_ms),
        };
        let (module, cold) = match self.inner.deps.runtime.loaded(&spec.spec.sha256) {
            Some(module) => (module, false),
            None => match self.load(&spec.spec.sha256).await {
                Ok(module) => (module, true),
                Err(error) => return (failed(FailureKind::Unavailable, error.to_string()), true),
            },
        };
        let started = Instant::now();
        let logs = LogCollector::new(self.inner.config.log_bytes_per_invocation);
        let result = self.invoke(invocation, &spec, &module, deadline, logs.clone()).await;
        let outcome = match result {
            Ok(response) => Outcome::Response(response),
            Err(error) => Outcome::Failed(failure(error)),
        };
        self.ship_logs(invocation, logs, &outcome, started.elapsed(), cold);
        (outcome, cold)
    }

    async fn invoke(
        &self,
        invocation: &Invocation,
        spec: &ResolvedSpec,
        module: &FunctionModule,
        deadline: Instant,
        logs: LogCollector,
    ) -> Result<updraft_abi::Response, InvokeError> {
        let request = updraft_abi::encode(&invocation.request).map_err(|e| InvokeError::Internal(e.to_string()))?;
        let ctx = CallContext {
            app: invocation.function.app.clone(),
            function: invocation.function.function.clone(),
            revision: invocation.revision,
            invocation_id: invocation.id.clone(),
            user: invocation.request.user.clone(),
            session_id: invocation.session_id.clone(),
            deadline,
            depth: invocation.depth,
        };
        let host = HostState::new(Arc::new(ctx), self.inner.deps.services.clone(), logs);
        let input = InvokeInput {
            request,
            env: spec.env.clone(),
            deadline,
            memory_limit: (spec.spec.memory_mb as usize) << 20,
            host,
        };
        self.inner.deps.runtime.invoke(module, input).await.map(|out| out.response)
    }

    async fn spec(&self, invocation: &Invocation) -> Result<Option<Arc<ResolvedSpec>>, updraft_broker::BrokerError> {
        let key = (invocation.function.clone(), invocation.revision);
        if let Some(spec) = self.inner.specs.lock().get(&key) {
            return Ok(Some(spec.clone()));
        }
        let Some(spec) = self.inner.deps.directory.spec(&invocation.function, invocation.revision).await? else {
            return Ok(None);
        };
        let resolved = self.resolve(spec);
        self.inner.specs.lock().insert(key, resolved.clone());
        Ok(Some(resolved))
    }

    pub(crate) async fn load(&self, sha256: &str) -> Result<Arc<FunctionModule>, RuntimeError> {
        let modules = self.inner.deps.modules.clone();
        let sha = sha256.to_owned();
        self.inner
            .deps
            .runtime
            .load(sha256, || async move {
                modules.module(&sha).await.map_err(|e| RuntimeError::Unavailable { sha256: sha.clone(), reason: e.to_string() })
            })
            .await
    }

    fn ship_logs(&self, invocation: &Invocation, logs: LogCollector, outcome: &Outcome, took: Duration, cold: bool) {
        let (mut lines, _truncated) = logs.finish();
        let start = if cold { "cold" } else { "warm" };
        // Milliseconds with three decimals from integer microseconds: one formatting per
        // call, and none of it float formatting.
        let (ms, micros) = (took.as_micros() / 1000, took.as_micros() % 1000);
        let (level, message) = match outcome {
            Outcome::Response(response) => {
                (LogLevel::Info, format!("invocation status {} in {ms}.{micros:03} ms ({start})", response.status))
            }
            Outcome::Failed(failure) => (
                LogLevel::Error,
                format!("invocation failed ({:?}): {} in {ms}.{micros:03} ms ({start})", failure.kind, failure.message),
            ),
        };
        lines.push(LogLine { time_us: unix_micros_now(), level, message });
        self.inner.deps.logs.write(InvocationLogs {
            app: invocation.function.app.clone(),
            function: invocation.function.function.clone(),
            revision: invocation.revision,
            invocation_id: invocation.id.clone(),
            lines,
        });
    }
}

fn failed(kind: FailureKind, message: impl Into<String>) -> Outcome {
    Outcome::Failed(Failure { kind, message: message.into() })
}

fn failure(error: InvokeError) -> Failure {
    let kind = match &error {
        InvokeError::Timeout => FailureKind::Timeout,
        InvokeError::PoolExhausted | InvokeError::Internal(_) => FailureKind::Unavailable,
        InvokeError::Trap(_) | InvokeError::Abi(_) | InvokeError::BadResponse(_) => FailureKind::Guest,
    };
    Failure { kind, message: error.to_string() }
}
