//! The app's mail outbox, for its developer: what was queued, sent, and what died.

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use updraft_abi::MailMessage;
use updraft_store::MailStatus;

use crate::auth::Developer;
use crate::{ApiError, Gateway};

#[derive(Deserialize)]
pub(crate) struct MailParams {
    status: Option<String>,
    limit: Option<u32>,
}

fn time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(crate) async fn list(
    State(gateway): State<Gateway>,
    developer: Developer,
    Path(app): Path<String>,
    Query(params): Query<MailParams>,
) -> Result<Json<Value>, ApiError> {
    gateway.owned_app(&developer, &app)?;
    let status = match params.status.as_deref() {
        Some(text) => Some(MailStatus::parse(text).ok_or_else(|| ApiError::bad_request("status must be queued, sent or dead"))?),
        None => None,
    };
    let rows = gateway.db().app_mail(&app, status, params.limit.unwrap_or(100).clamp(1, 1000))?;
    let items: Vec<Value> = rows
        .into_iter()
        .map(|row| {
            let message = updraft_abi::decode::<MailMessage>(&row.message).ok();
            json!({
                "id": row.id,
                "function": row.function,
                "status": row.status.as_str(),
                "attempts": row.attempts,
                "last_error": row.last_error,
                "created_at": time(row.created_ms),
                "sent_at": row.sent_ms.map(time),
                "to": message.as_ref().map(|m| m.to.clone()),
                "subject": message.map(|m| m.subject),
            })
        })
        .collect();
    Ok(Json(json!({ "mail": items })))
}
