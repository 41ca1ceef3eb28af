//! Deploying, listing, inspecting, rolling back and removing functions.

use std::collections::HashMap;

use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::Json;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};
use updraft_broker::FunctionKey;

use super::JsonBody;
use crate::auth::Developer;
use crate::deploy::Upload;
use crate::{ApiError, Gateway, LiveFunction, SettingsPatch};

pub(crate) async fn deploy(
    State(gateway): State<Gateway>,
    developer: Developer,
    Path((app, function)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    request: Request,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    // Ownership first: a stranger learns nothing, not even size limits.
    gateway.owned_app(&developer, &app)?;
    let query_patch = SettingsPatch::from_query(&query)?;
    let upload = read_upload(&gateway, request).await?;
    let upload = Upload { wasm: upload.wasm, patch: upload.patch.merge(query_patch) };
    let deployed = gateway.deploy(&developer, &app, &function, upload).await?;
    tracing::info!(%app, %function, developer = %developer.username, "deployed");
    Ok((StatusCode::CREATED, Json(serde_json::to_value(deployed).map_err(ApiError::internal)?)))
}

/// Reads the module: a raw `application/wasm` body, or multipart `module` + `manifest`.
async fn read_upload(gateway: &Gateway, request: Request) -> Result<Upload, ApiError> {
    let limit = gateway.config().max_module_bytes;
    let too_large = || ApiError::too_large(format!("module exceeds {limit} bytes"));
    let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(request, &()).await.map_err(|e| ApiError::bad_request(e.body_text()))?;
        let (mut wasm, mut patch) = (None, SettingsPatch::default());
        while let Some(field) = multipart.next_field().await.map_err(|e| multipart_error(e, limit))? {
            match field.name() {
                Some("module") => wasm = Some(field.bytes().await.map_err(|e| multipart_error(e, limit))?),
                Some("manifest") => {
                    let text = field.text().await.map_err(|e| multipart_error(e, limit))?;
                    patch = SettingsPatch::from_manifest(&text)?;
                }
                other => return Err(ApiError::bad_request(format!("unexpected form part {other:?}"))),
            }
        }
        let wasm = wasm.ok_or_else(|| ApiError::bad_request("the form has no `module` part"))?;
        if wasm.len() > limit {
            return Err(too_large());
        }
        return Ok(Upload { wasm, patch });
    }
    // Any other body is the module itself (application/wasm is the documented type, but
    // `curl --data-binary` sends form-urlencoded); validation tells wasm from garbage.
    let wasm: Bytes = match axum::body::to_bytes(request.into_body(), limit).await {
        Ok(bytes) => bytes,
        Err(_) => return Err(too_large()),
    };
    Ok(Upload { wasm, patch: SettingsPatch::default() })
}

fn multipart_error(error: axum::extract::multipart::MultipartError, limit: usize) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::too_large(format!("module exceeds {limit} bytes"))
    } else {
        ApiError::bad_request(error.body_text())
    }
}

fn describe(live: &LiveFunction, public_url: &str) -> Value {
    json!({
        "app": live.key.app,
        "function": live.key.function,
        "revision": live.revision,
        "sha256": live.sha256,
        "size": live.size,
        "deployed_at": live.deployed_at,
        "url": format!("{public_url}/fn/{}/{}", live.key.app, live.key.function),
        "settings": live.settings,
    })
}

pub(crate) async fn list(
    State(gateway): State<Gateway>,
    developer: Developer,
    Path(app): Path<String>,
) -> Result<Json<Value>, ApiError> {
    gateway.owned_app(&developer, &app)?;
    let url = &gateway.config().public_url;
    let functions: Vec<Value> = gateway
        .db()
        .functions(&app)?
        .iter()
        .filter_map(|f| gateway.function(&app, &f.name))
        .map(|live| describe(&live, url))
        .collect();
    Ok(Json(json!({ "functions": functions })))
}

fn live_or_404(gateway: &Gateway, app: &str, function: &str) -> Result<std::sync::Arc<LiveFunction>, ApiError> {
    gateway.function(app, function).ok_or_else(|| ApiError::not_found(format!("function {app}/{function} not found")))
}

pub(crate) async fn show(
    State(gateway): State<Gateway>,
    developer: Developer,
    Path((app, function)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    gateway.owned_app(&developer, &app)?;
    let live = live_or_404(&gateway, &app, &function)?;
    Ok(Json(describe(&live, &gateway.config().public_url)))
}

pub(crate) async fn revisions(
    State(gateway): State<Gateway>,
    developer: Developer,
    Path((app, function)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    gateway.owned_app(&developer, &app)?;
    let live = live_or_404(&gateway, &app, &function)?;
    let revisions: Vec<Value> = gateway
        .db()
        .revisions(&app, &function)?
        .into_iter()
        .map(|r| {
            let settings: Value = serde_json::from_str(&r.settings).unwrap_or(Value::Null);
            json!({ "revision": r.revision, "sha256": r.sha256, "size": r.size, "created_at": r.created_at,
                    "current": r.revision == live.revision, "settings": settings })
        })
        .collect();
    Ok(Json(json!({ "revisions": revisions })))
}

#[derive(Deserialize)]
pub(crate) struct Rollback {
    revision: u32,
}

pub(crate) async fn rollback(
    State(gateway): State<Gateway>,
    developer: Developer,
    Path((app, function)): Path<(String, String)>,
    JsonBody(body): JsonBody<Rollback>,
) -> Result<Json<Value>, ApiError> {
    let deployed = gateway.rollback(&developer, &app, &function, body.revision).await?;
    Ok(Json(serde_json::to_value(deployed).map_err(ApiError::internal)?))
}

pub(crate) async fn remove(
    State(gateway): State<Gateway>,
    developer: Developer,
    Path((app, function)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    gateway.owned_app(&developer, &app)?;
    gateway.db().delete_function(&app, &function)?;
    gateway.retire_function(FunctionKey::new(app, function)).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/apps/{app}/functions/{fn}/stats`: the last ten minutes, in 10 s buckets.
pub(crate) async fn stats(
    State(gateway): State<Gateway>,
    developer: Developer,
    Path((app, function)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    gateway.owned_app(&developer, &app)?;
    let live = live_or_404(&gateway, &app, &function)?;
    let history = gateway.metrics().history(&live.key);
    let calls: u64 = history.iter().map(|b| b.calls).sum();
    let errors: u64 = history.iter().map(|b| b.errors).sum();
    let cold: u64 = history.iter().map(|b| b.cold).sum();
    Ok(Json(json!({
        "app": app, "function": function, "revision": live.revision,
        "window_seconds": 600, "bucket_seconds": 10,
        "calls": calls, "errors": errors, "cold_starts": cold,
        "history": history,
    })))
}
