//! Function logs: filtered reads, and `follow=true` as Server-Sent Events.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use updraft_abi::LogLevel;
use updraft_store::{LogQuery, LogRow};

use crate::auth::Developer;
use crate::{ApiError, Gateway};

/// Default and most records per read.
const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;
/// How often a follower looks for new records.
const FOLLOW_POLL: Duration = Duration::from_millis(250);

#[derive(Deserialize)]
pub(crate) struct LogParams {
    since: Option<String>,
    limit: Option<u32>,
    level: Option<String>,
    invocation: Option<String>,
    #[serde(default)]
    follow: bool,
}

fn record(row: &LogRow) -> Value {
    let line = &row.line;
    let time = chrono::DateTime::from_timestamp_micros(line.time_us)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let level = LogLevel::from_i32(line.level.into()).as_str();
    json!({ "id": row.id, "time": time, "level": level, "message": line.message,
            "invocation_id": line.invocation_id, "revision": line.revision,
            "app": line.app, "function": line.function })
}

pub(crate) async fn logs(
    State(gateway): State<Gateway>,
    developer: Developer,
    Path((app, function)): Path<(String, String)>,
    Query(params): Query<LogParams>,
) -> Result<Response, ApiError> {
    gateway.owned_app(&developer, &app)?;
    let since_us = match &params.since {
        Some(text) => Some(
            chrono::DateTime::parse_from_rfc3339(text)
                .map_err(|_| ApiError::bad_request("since must be an RFC 3339 time"))?
                .timestamp_micros(),
        ),
        None => None,
    };
    let min_level = match &params.level {
        Some(name) => Some(LogLevel::parse(name).ok_or_else(|| ApiError::bad_request("level must be trace, debug, info, warn or error"))? as u8),
        None => None,
    };
    let query = LogQuery {
        app,
        function,
        since_us,
        after_id: None,
        min_level,
        invocation_id: params.invocation.clone(),
        limit: params.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
    };
    // For following, the cursor starts at the newest record before the first read, so
    // nothing written in between is skipped.
    let before_first = if params.follow { gateway.db().max_log_id()? } else { 0 };
    let first = read(&gateway, query.clone()).await?;
    if !params.follow {
        let records: Vec<Value> = first.iter().map(record).collect();
        return Ok(Json(json!({ "logs": records })).into_response());
    }
    Ok(follow(gateway, query, first, before_first).into_response())
}

async fn read(gateway: &Gateway, query: LogQuery) -> Result<Vec<LogRow>, ApiError> {
    let db = gateway.db().clone();
    tokio::task::spawn_blocking(move || db.query_logs(&query)).await.map_err(ApiError::internal)?.map_err(ApiError::from)
}

/// Streams `first`, then every newer record as it is written.
fn follow(
    gateway: Gateway,
    mut query: LogQuery,
    first: Vec<LogRow>,
    before_first: i64,
) -> Sse<impl futures::Stream<Item = Result<Event, Infallible>>> {
    let cursor = first.last().map_or(before_first, |row| row.id.max(before_first));
    query.limit = MAX_LIMIT;
    let state = (gateway, query, std::collections::VecDeque::from(first), cursor);
    let stream = futures::stream::unfold(state, |(gateway, mut query, mut pending, mut cursor)| async move {
        loop {
            if let Some(row) = pending.pop_front() {
                cursor = cursor.max(row.id);
                let event = Event::default().event("log").id(row.id.to_string()).data(record(&row).to_string());
                return Some((Ok(event), (gateway, query, pending, cursor)));
            }
            tokio::time::sleep(FOLLOW_POLL).await;
            query.after_id = Some(cursor);
            match read(&gateway, query.clone()).await {
                Ok(rows) => pending.extend(rows),
                // A busy or failing database: try again at the next poll.
                Err(error) => tracing::warn!(message = %error.message, "reading logs to follow failed"),
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}
