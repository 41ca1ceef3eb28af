//! Async invocations (`Prefer: respond-async`): durably queued before the 202, their
//! progress recorded from workers' results, their dead letters kept for replay.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde_json::{json, Value};
use updraft_broker::{CallMode, Handler, Invocation, InvocationResult, InvocationStatus, Outcome};
use updraft_store::{DeadLetterRow, Db};

use crate::auth::Developer;
use crate::invoke::broker_error;
use crate::{ApiError, Gateway};

fn now_ms() -> i64 {
    updraft_host::unix_micros_now() / 1000
}

/// Order of statuses within one attempt (later reports never go back).
fn rank(status: InvocationStatus) -> u32 {
    match status {
        InvocationStatus::Queued => 0,
        InvocationStatus::Running => 1,
        InvocationStatus::Failed => 2,
        InvocationStatus::Succeeded | InvocationStatus::DeadLettered => 3,
    }
}

impl Gateway {
    /// Records and durably queues an async invocation; answers 202 once the broker has it.
    pub(crate) async fn enqueue_async(&self, mut invocation: Invocation) -> Result<Response, ApiError> {
        invocation.mode = CallMode::Async;
        let (id, key) = (invocation.id.clone(), invocation.function.clone());
        let db = self.db().clone();
        let (record_id, app, function) = (id.clone(), key.app.clone(), key.function.clone());
        tokio::task::spawn_blocking(move || db.invocation_queued(&record_id, &app, &function, now_ms()))
            .await
            .map_err(ApiError::internal)??;
        if let Err(error) = self.broker().enqueue(invocation).await {
            let _ = self.db().forget_invocation(&id);
            return Err(broker_error(error));
        }
        let mut response = (StatusCode::ACCEPTED, Json(json!({ "invocation_id": id }))).into_response();
        let headers = response.headers_mut();
        if let Ok(location) = HeaderValue::from_str(&format!("/v1/invocations/{id}")) {
            headers.insert(header::LOCATION, location);
        }
        headers.insert("preference-applied", HeaderValue::from_static("respond-async"));
        Ok(response)
    }
}

/// Stores what workers report about async invocations.
pub struct ResultRecorder {
    db: Db,
}

impl ResultRecorder {
    /// A recorder writing to `db`.
    pub fn new(db: Db) -> Arc<ResultRecorder> {
        Arc::new(ResultRecorder { db })
    }
}

#[async_trait::async_trait]
impl Handler<InvocationResult> for ResultRecorder {
    async fn handle(&self, result: InvocationResult) {
        let db = self.db.clone();
        let recorded = tokio::task::spawn_blocking(move || record(&db, result)).await;
        if let Ok(Err(error)) = recorded {
            tracing::error!(%error, "recording an async result failed");
        }
    }
}

fn record(db: &Db, result: InvocationResult) -> Result<(), updraft_store::StoreError> {
    let inv = &result.invocation;
    let (response, error) = match &result.outcome {
        Some(Outcome::Response(response)) => (updraft_abi::encode(response).ok(), None),
        Some(Outcome::Failed(failure)) => (None, Some(failure.message.clone())),
        None => (None, None),
    };
    let status = result.status.as_str();
    db.invocation_progress(&inv.id, status, rank(result.status), inv.attempt, response.as_deref(), error.as_deref(), now_ms())?;
    if result.status == InvocationStatus::DeadLettered {
        let invocation = rmp_serde::to_vec_named(inv).unwrap_or_default();
        db.add_dead_letter(&DeadLetterRow {
            id: inv.id.clone(),
            app: inv.function.app.clone(),
            function: inv.function.function.clone(),
            invocation,
            attempts: inv.attempt,
            error,
            created_ms: now_ms(),
        })?;
    }
    Ok(())
}

/// `GET /v1/invocations/{id}`: the id is the capability (128 random bits).
pub(crate) async fn status(State(gateway): State<Gateway>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let row = gateway.db().invocation(&id)?.ok_or_else(|| ApiError::not_found("no such invocation"))?;
    let result = row.response.as_deref().and_then(|bytes| updraft_abi::decode::<updraft_abi::Response>(bytes).ok()).map(|r| {
        json!({
            "status": r.status,
            "headers": r.headers,
            "body": String::from_utf8(r.body.clone()).ok(),
            "body_base64": base64::engine::general_purpose::STANDARD.encode(&r.body),
        })
    });
    Ok(Json(json!({
        "id": row.id,
        "app": row.app,
        "function": row.function,
        "status": row.status,
        "attempts": row.attempts,
        "result": result,
        "error": row.error,
    })))
}

/// `GET /v1/apps/{app}/functions/{fn}/deadletters`
pub(crate) async fn dead_letters(
    State(gateway): State<Gateway>,
    developer: Developer,
    Path((app, function)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    gateway.owned_app(&developer, &app)?;
    let items: Vec<Value> = gateway
        .db()
        .dead_letters(&app, &function, 1000)?
        .into_iter()
        .map(|row| {
            let at = chrono::DateTime::from_timestamp_millis(row.created_ms).unwrap_or_default();
            json!({ "invocation_id": row.id, "attempts": row.attempts, "error": row.error,
                    "dead_lettered_at": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true) })
        })
        .collect();
    Ok(Json(json!({ "deadletters": items })))
}

/// `POST /v1/apps/{app}/functions/{fn}/deadletters/{id}/replay`: runs it again, on the
/// current revision, with a fresh set of attempts.
pub(crate) async fn replay(
    State(gateway): State<Gateway>,
    developer: Developer,
    Path((app, function, id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    gateway.owned_app(&developer, &app)?;
    let live = gateway.function(&app, &function).ok_or_else(|| ApiError::not_found("function not found"))?;
    let row = gateway.db().take_dead_letter(&app, &function, &id)?.ok_or_else(|| ApiError::not_found("no such dead letter"))?;
    let mut invocation: Invocation = rmp_serde::from_slice(&row.invocation).map_err(ApiError::internal)?;
    invocation.attempt = 1;
    invocation.revision = live.revision;
    match gateway.enqueue_async(invocation).await {
        Ok(response) => Ok(response),
        Err(error) => {
            // Not queued: keep the dead letter.
            let _ = gateway.db().add_dead_letter(&row);
            Err(error)
        }
    }
}
