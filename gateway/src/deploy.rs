//! Deploying a module: validate, store the blob, compile under the cap, instantiate once,
//! then record an immutable revision and make it live.

use std::sync::Arc;
use std::time::Instant;

use axum::http::StatusCode;
use bytes::Bytes;
use serde::Serialize;
use updraft_host::{CallContext, HostState, LogCollector, ServiceRegistry};
use updraft_runtime::{validate_module, InvokeError, RuntimeError, ValidationError};
use updraft_store::RevisionRow;

use crate::auth::Developer;
use crate::names::check_name;
use crate::{ApiError, FunctionSettings, Gateway, SettingsPatch};

/// An uploaded module and the settings sent with it.
pub(crate) struct Upload {
    pub(crate) wasm: Bytes,
    pub(crate) patch: SettingsPatch,
}

/// The answer to a deploy or rollback.
#[derive(Debug, Serialize)]
pub(crate) struct Deployed {
    app: String,
    function: String,
    revision: u32,
    sha256: String,
    url: String,
}

fn unprocessable(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_module", message)
}

impl Gateway {
    /// 404 unless `developer` owns `app` (another developer's app answers as if absent).
    pub(crate) fn owned_app(&self, developer: &Developer, app: &str) -> Result<updraft_store::App, ApiError> {
        check_name("app", app)?;
        match self.db().app(app)? {
            Some(found) if found.owner_id == developer.id => Ok(found),
            _ => Err(ApiError::not_found(format!("app {app:?} not found"))),
        }
    }

    pub(crate) async fn deploy(
        &self,
        developer: &Developer,
        app: &str,
        function: &str,
        upload: Upload,
    ) -> Result<Deployed, ApiError> {
        self.owned_app(developer, app)?;
        check_name("function", function)?;
        validate_module(&upload.wasm, self.config().max_module_bytes).map_err(|error| match error {
            ValidationError::TooLarge { .. } => ApiError::too_large(error.to_string()),
            other => ApiError::bad_request(other.to_string()),
        })?;
        let base = match self.db().function(app, function)? {
            Some(current) => self.revision_settings(app, function, current.current_revision)?,
            None => FunctionSettings::defaults(&self.config().limits),
        };
        let settings = upload.patch.apply(base, &self.config().limits)?;

        let size = upload.wasm.len() as u64;
        let blobs = self.blobs().clone();
        let wasm = upload.wasm.clone();
        let sha256 = tokio::task::spawn_blocking(move || blobs.put(&wasm)).await.map_err(ApiError::internal)??;
        self.check_module(developer, app, function, &sha256, upload.wasm, &settings).await?;

        let settings_json = serde_json::to_string(&settings).map_err(ApiError::internal)?;
        let row = self.db().add_revision(app, function, &sha256, size, &settings_json)?;
        self.go_live(row).await
    }

    /// Restores an old revision's module and settings as a new revision.
    pub(crate) async fn rollback(
        &self,
        developer: &Developer,
        app: &str,
        function: &str,
        revision: u32,
    ) -> Result<Deployed, ApiError> {
        self.owned_app(developer, app)?;
        let old = self
            .db()
            .revision(app, function, revision)?
            .ok_or_else(|| ApiError::not_found(format!("revision {revision} of {app}/{function} not found")))?;
        let row = self.db().add_revision(app, function, &old.sha256, old.size, &old.settings)?;
        self.go_live(row).await
    }

    async fn go_live(&self, row: RevisionRow) -> Result<Deployed, ApiError> {
        let live = self.live_function(&row)?;
        let url = format!("{}/fn/{}/{}", self.config().public_url, row.app, row.function);
        self.publish_revision(live).await;
        Ok(Deployed { app: row.app, function: row.function, revision: row.revision, sha256: row.sha256, url })
    }

    pub(crate) fn revision_settings(&self, app: &str, function: &str, revision: u32) -> Result<FunctionSettings, ApiError> {
        let row = self
            .db()
            .revision(app, function, revision)?
            .ok_or_else(|| ApiError::internal(format!("revision {revision} of {app}/{function} missing")))?;
        serde_json::from_str(&row.settings).map_err(ApiError::internal)
    }

    /// Compiles (one developer at a time) and instantiates the module once.
    async fn check_module(
        &self,
        developer: &Developer,
        app: &str,
        function: &str,
        sha256: &str,
        wasm: Bytes,
        settings: &FunctionSettings,
    ) -> Result<(), ApiError> {
        let lock = self.compile_lock(developer.id);
        let guard = lock.lock().await;
        let loaded = self.runtime().load(sha256, || async move { Ok(wasm.to_vec()) }).await;
        drop(guard);
        let module = loaded.map_err(|error| match error {
            RuntimeError::CompileTimeout(cap) => unprocessable(format!("compilation took longer than {cap:?}")),
            RuntimeError::Compile(reason) => unprocessable(format!("module does not compile: {reason}")),
            RuntimeError::Link(reason) => ApiError::bad_request(format!("module cannot be linked: {reason:#}")),
            other => ApiError::internal(other),
        })?;
        let deadline = Instant::now() + self.config().trial_timeout.min(std::time::Duration::from_millis(settings.timeout_ms));
        let ctx = CallContext {
            app: app.into(),
            function: function.into(),
            revision: 0,
            invocation_id: "deploy-check".into(),
            user: None,
            session_id: None,
            deadline,
            depth: 0,
        };
        let host = HostState::new(Arc::new(ctx), Arc::new(ServiceRegistry::default()), LogCollector::new(4096));
        let memory = (settings.memory_mb as usize) << 20;
        self.runtime().trial_instantiate(&module, host, memory, deadline).await.map_err(|error| match error {
            InvokeError::Timeout => unprocessable("instantiation (start function or _initialize) did not finish in time"),
            InvokeError::PoolExhausted => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "no free instance slot; retry"),
            InvokeError::Internal(cause) => ApiError::internal(cause),
            other => unprocessable(format!("instantiation failed: {other}")),
        })
    }
}
