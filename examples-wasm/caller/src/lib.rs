//! `caller`: calls another function of the same app with `updraft::call`.
//!
//! - `GET ?name=Ann&target=hello`: calls `target` (default `hello`) with
//!   `GET /?name=<name>` (default name `caller`) and answers
//!   `{"callee_status": n, "callee_body": "..."}`; a failed call is answered
//!   `{"error": "..."}` with a fitting status.
//! - `GET ?loop`: calls itself with `?loop` again, to test the platform's depth limit.
//!   The innermost caller, whose call is refused, answers
//!   `{"error": {"code", "message"}, "depth": d}` (d = 1 for the caller the client
//!   called) with the status fitting the error; every caller above relays its callee's
//!   response unchanged.

use serde_json::json;
use updraft::{Error, Request, Response};

/// The function called when `target` is not given.
const DEFAULT_TARGET: &str = "hello";
/// The name passed when `name` is not given.
const DEFAULT_NAME: &str = "caller";
/// This function's own name, for `?loop`.
const SELF_NAME: &str = "caller";

#[updraft::handler]
fn handle(req: Request) -> Response {
    if req.has_query_param("loop") { call_self(&req) } else { call_target(&req) }
}

fn call_target(req: &Request) -> Response {
    let target = req.query_param("target").filter(|t| !t.is_empty());
    let target = target.as_deref().unwrap_or(DEFAULT_TARGET);
    let name = req.query_param("name").unwrap_or_else(|| DEFAULT_NAME.to_owned());
    match updraft::call(target, Request::get("/").with_query_param("name", &name)) {
        Ok(callee) => Response::json(&json!({
            "callee_status": callee.status_code(),
            "callee_body": String::from_utf8_lossy(callee.body()),
        })),
        Err(e) => Response::json(&json!({ "error": e.to_string() })).with_status(e.http_status()),
    }
}

fn call_self(req: &Request) -> Response {
    let depth: u32 = req.query_param("depth").and_then(|d| d.parse().ok()).unwrap_or(1);
    let next = Request::get("/?loop").with_query_param("depth", &depth.saturating_add(1).to_string());
    match updraft::call(SELF_NAME, next) {
        Ok(callee) => callee,
        Err(e) => {
            updraft::info!("call at depth {depth} refused: {e}");
            refused(depth, &e)
        }
    }
}

fn refused(depth: u32, error: &Error) -> Response {
    Response::json(&json!({
        "error": { "code": error.code().as_str(), "message": error.message() },
        "depth": depth,
    }))
    .with_status(error.http_status())
}
