//! Apps of the calling developer.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::JsonBody;
use crate::auth::Developer;
use crate::names::check_name;
use crate::{ApiError, Gateway};

#[derive(Deserialize)]
pub(crate) struct NewApp {
    name: String,
}

pub(crate) async fn create(
    State(gateway): State<Gateway>,
    developer: Developer,
    JsonBody(body): JsonBody<NewApp>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    check_name("app", &body.name)?;
    let app = gateway.db().create_app(&body.name, developer.id)?;
    Ok((StatusCode::CREATED, Json(json!({ "name": app.name, "created_at": app.created_at }))))
}

pub(crate) async fn list(State(gateway): State<Gateway>, developer: Developer) -> Result<Json<Value>, ApiError> {
    let apps: Vec<Value> = gateway
        .db()
        .apps_of(developer.id)?
        .into_iter()
        .map(|a| json!({ "name": a.name, "created_at": a.created_at }))
        .collect();
    Ok(Json(json!({ "apps": apps })))
}

pub(crate) async fn show(
    State(gateway): State<Gateway>,
    developer: Developer,
    Path(app): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let found = gateway.owned_app(&developer, &app)?;
    let functions: Vec<String> = gateway.db().functions(&app)?.into_iter().map(|f| f.name).collect();
    Ok(Json(json!({ "name": found.name, "created_at": found.created_at, "functions": functions })))
}

pub(crate) async fn remove(
    State(gateway): State<Gateway>,
    developer: Developer,
    Path(app): Path<String>,
) -> Result<StatusCode, ApiError> {
    gateway.owned_app(&developer, &app)?;
    let functions = gateway.db().functions(&app)?.into_iter().map(|f| f.name).collect();
    gateway.db().delete_app(&app)?;
    gateway.retire_app(&app, functions).await;
    Ok(StatusCode::NO_CONTENT)
}
