//! `counter`: a counter kept in the app's key-value store.
//!
//! - any request: increments key `count` (stored as decimal text) and answers
//!   `{"count": n}`;
//! - `GET ?reset`: deletes the key and answers `{"count": 0}`;
//! - `GET /list?prefix=p`: answers the JSON list of keys starting with `p`.
//!
//! Two concurrent increments may both read the same value: the key-value store has no
//! transactions, and this example does not pretend otherwise. Service errors are
//! answered `{"error": "..."}` with a fitting status.

use serde_json::json;
use updraft::{Error, Request, Response};

/// The key holding the count.
const KEY: &str = "count";

#[updraft::handler]
fn handle(req: Request) -> Response {
    let result = match (req.method(), req.path()) {
        ("GET", "/list") => list(&req),
        ("GET", _) if req.has_query_param("reset") => reset(),
        _ => increment(),
    };
    result.unwrap_or_else(|e| error_response(&e))
}

fn increment() -> updraft::Result<Response> {
    let current = match updraft::kv::get(KEY)? {
        Some(bytes) => parse_count(&bytes)?,
        None => 0,
    };
    let count = current.saturating_add(1);
    updraft::kv::set(KEY, count.to_string().as_bytes())?;
    Ok(Response::json(&json!({ "count": count })))
}

fn reset() -> updraft::Result<Response> {
    updraft::kv::delete(KEY)?;
    Ok(Response::json(&json!({ "count": 0 })))
}

fn list(req: &Request) -> updraft::Result<Response> {
    let prefix = req.query_param("prefix").unwrap_or_default();
    Ok(Response::json(&updraft::kv::list(&prefix)?))
}

/// The stored count; anything but decimal text is someone else's value.
fn parse_count(bytes: &[u8]) -> updraft::Result<u64> {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .ok_or_else(|| Error::Decode(format!("key {KEY:?} does not hold a decimal count")))
}

fn error_response(error: &Error) -> Response {
    let status = match error {
        // A corrupt stored value is this function's problem, not the client's.
        Error::Decode(_) => 500,
        other => other.http_status(),
    };
    Response::json(&json!({ "error": error.to_string() })).with_status(status)
}
