//! The gateway's shared state.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use updraft_broker::{Broker, ControlEvent, ControlMessage, FunctionKey};
use updraft_runtime::Runtime;
use updraft_store::{BlobStore, Db, RevisionRow};

use crate::auth::{LoginLimiter, TokenKeys};
use crate::metrics::Metrics;
use crate::scaling::ScalingView;
use crate::registry::Registry;
use crate::sessions::SessionCache;
use crate::{ApiError, FunctionSettings, GatewayConfig, LiveFunction};

/// What the gateway is built from.
pub struct GatewayDeps {
    /// Metadata database.
    pub db: Db,
    /// Module blobs.
    pub blobs: BlobStore,
    /// Transport to workers.
    pub broker: Arc<dyn Broker>,
    /// Runtime used to check modules at deploy time.
    pub runtime: Runtime,
    /// Secret signing tokens (at least 32 bytes).
    pub token_secret: Vec<u8>,
}

/// The gateway. Cheap to clone; this is the axum state.
#[derive(Clone)]
pub struct Gateway {
    inner: Arc<Inner>,
}

struct Inner {
    config: GatewayConfig,
    db: Db,
    blobs: BlobStore,
    broker: Arc<dyn Broker>,
    runtime: Runtime,
    keys: TokenKeys,
    registry: Registry,
    logins: LoginLimiter,
    sessions: SessionCache,
    metrics: Metrics,
    scaling: ScalingView,
    /// Compiles are serialized per developer.
    compile_locks: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
}

impl Gateway {
    /// Builds the gateway and loads every function's current revision into the
    /// routing table.
    pub fn new(config: GatewayConfig, deps: GatewayDeps) -> Result<Gateway, ApiError> {
        let now = crate::auth::unix_now() as i64;
        let sessions = SessionCache::load(deps.db.live_sessions(now)?);
        let inner = Inner {
            sessions,
            config,
            db: deps.db,
            blobs: deps.blobs,
            broker: deps.broker,
            runtime: deps.runtime,
            keys: TokenKeys::from_secret(&deps.token_secret),
            registry: Registry::default(),
            logins: LoginLimiter::default(),
            metrics: Metrics::default(),
            scaling: ScalingView::default(),
            compile_locks: Mutex::new(HashMap::new()),
        };
        let gateway = Gateway { inner: Arc::new(inner) };
        for row in gateway.db().current_revisions()? {
            let live = gateway.live_function(&row)?;
            gateway.inner.registry.upsert(live);
        }
        Ok(gateway)
    }

    /// The whole HTTP API as served: invocations, and the router of everything else.
    pub fn front(&self) -> crate::Front {
        crate::Front::new(self.clone())
    }

    /// Configuration.
    pub fn config(&self) -> &GatewayConfig {
        &self.inner.config
    }

    /// Metadata database.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// Module blobs.
    pub fn blobs(&self) -> &BlobStore {
        &self.inner.blobs
    }

    /// Broker.
    pub fn broker(&self) -> &Arc<dyn Broker> {
        &self.inner.broker
    }

    /// Runtime (deploy checks).
    pub fn runtime(&self) -> &Runtime {
        &self.inner.runtime
    }

    /// Token keys.
    pub fn keys(&self) -> &TokenKeys {
        &self.inner.keys
    }

    /// Live app-user sessions.
    pub(crate) fn sessions(&self) -> &SessionCache {
        &self.inner.sessions
    }

    /// Metrics of the platform.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The scheduler's latest reports.
    pub(crate) fn scaling(&self) -> &ScalingView {
        &self.inner.scaling
    }

    /// Login attempt counters.
    pub fn logins(&self) -> &LoginLimiter {
        &self.inner.logins
    }

    /// The live function `app`/`function`, if deployed.
    pub fn function(&self, app: &str, function: &str) -> Option<Arc<LiveFunction>> {
        self.inner.registry.get(app, function)
    }

    /// Every live function.
    pub fn functions(&self) -> Vec<Arc<LiveFunction>> {
        self.inner.registry.all()
    }

    /// The routing entry of a stored revision.
    pub(crate) fn live_function(&self, row: &RevisionRow) -> Result<LiveFunction, ApiError> {
        let settings: FunctionSettings = serde_json::from_str(&row.settings).map_err(ApiError::internal)?;
        Ok(LiveFunction::new(
            FunctionKey::new(&row.app, &row.function),
            row.revision,
            row.sha256.clone(),
            row.size,
            settings,
            row.created_at.clone(),
        ))
    }

    /// Makes a revision live and tells workers and scheduler.
    pub(crate) async fn publish_revision(&self, live: LiveFunction) {
        let spec = live.spec.clone();
        if let Err(error) = self.broker().ensure_queue(&spec.key).await {
            tracing::warn!(function = %spec.key, %error, "function queue not declared");
        }
        self.inner.registry.upsert(live);
        self.control(ControlEvent::Deployed(spec)).await;
    }

    /// Takes a function out of service everywhere.
    pub(crate) async fn retire_function(&self, key: FunctionKey) {
        self.inner.registry.remove(&key.app, &key.function);
        self.inner.metrics.forget(&key);
        if let Err(error) = self.broker().delete_queue(&key).await {
            tracing::warn!(function = %key, %error, "queue not deleted");
        }
        self.control(ControlEvent::Deleted(key)).await;
    }

    /// Takes a whole app out of service.
    pub(crate) async fn retire_app(&self, app: &str, functions: Vec<String>) {
        for function in functions {
            self.retire_function(FunctionKey::new(app, function)).await;
        }
        self.inner.registry.remove_app(app);
        self.inner.sessions.remove_app(app);
    }

    async fn control(&self, event: ControlEvent) {
        if let Err(error) = self.broker().publish_control(ControlMessage::from(event)).await {
            tracing::warn!(%error, "control message not published");
        }
    }

    /// The lock serializing one developer's compiles.
    pub(crate) fn compile_lock(&self, developer: i64) -> Arc<tokio::sync::Mutex<()>> {
        self.inner.compile_locks.lock().entry(developer).or_default().clone()
    }
}
