//! `ANY /fn/{app}/{function}[/{*path}]`: the invocation path. No database on it: the
//! routing table is in memory, the call goes to the broker, the reply becomes HTTP.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use updraft_broker::{
    new_invocation_id, unix_ms_after, BrokerError, CallMode, FunctionKey, FailureKind, Invocation, Outcome, MESSAGE_VERSION,
};

use crate::{ApiError, AuthMode, Gateway, LiveFunction};

/// Header naming the invocation on every response.
pub const INVOCATION_ID_HEADER: &str = "x-updraft-invocation-id";

/// What the invocation path learned, for metrics.
#[derive(Default)]
struct Seen {
    function: Option<FunctionKey>,
    cold: bool,
}

pub(crate) async fn invoke(State(gateway): State<Gateway>, request: Request) -> Response {
    let id = new_invocation_id();
    let started = std::time::Instant::now();
    let mut seen = Seen::default();
    let mut response = match handle(&gateway, request, &id, &mut seen).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    };
    if let Some(function) = &seen.function {
        gateway.metrics().record(function, response.status().as_u16(), started.elapsed(), seen.cold);
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(INVOCATION_ID_HEADER, value);
    }
    response
}

/// Splits `/fn/{app}/{function}{rest}` into its parts; `rest` is raw and `/` when empty.
fn route(path: &str) -> Option<(&str, &str, &str)> {
    let tail = path.strip_prefix("/fn/")?;
    let (app, tail) = tail.split_once('/').unwrap_or((tail, ""));
    let (function, rest) = match tail.find('/') {
        Some(at) => (&tail[..at], &tail[at..]),
        None => (tail, "/"),
    };
    Some((app, function, rest))
}

async fn handle(gateway: &Gateway, request: Request, id: &str, seen: &mut Seen) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let (app, function, rest) = route(parts.uri.path()).ok_or_else(|| ApiError::not_found("no such route"))?;
    let live = gateway
        .function(app, function)
        .ok_or_else(|| ApiError::not_found(format!("function {app}/{function} not found")))?;
    seen.function = Some(live.key.clone());
    let origin = allowed_origin(&live, &parts.headers);
    if parts.method == Method::OPTIONS && parts.headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD) {
        return Ok(preflight(origin, &parts.headers));
    }
    let user = gateway.authorize(&live, &parts.headers)?;
    let limit = gateway.config().max_body_bytes;
    let body = read_body(body, &parts.headers, limit).await?;
    let headers = guest_headers(&parts.headers, live.settings.auth == AuthMode::User);
    let request = updraft_abi::Request {
        method: parts.method.as_str().to_owned(),
        path: rest.to_owned(),
        query: parts.uri.query().unwrap_or("").to_owned(),
        headers,
        body: body.into(),
        invocation_id: id.to_owned(),
        user: user.as_ref().map(|u| u.user.clone()),
    };
    let invocation = Invocation {
        version: MESSAGE_VERSION,
        id: id.to_owned(),
        function: live.key.clone(),
        revision: live.revision,
        request,
        deadline_unix_ms: unix_ms_after(std::time::Duration::from_millis(live.settings.timeout_ms)),
        attempt: 1,
        depth: 0,
        session_id: user.map(|u| u.session_id),
        mode: CallMode::Sync,
    };
    gateway.wake_if_idle(&live.key);
    if prefers_async(&parts.headers) {
        return gateway.enqueue_async(invocation).await;
    }
    let reply = gateway.broker().call(invocation).await.map_err(broker_error)?;
    seen.cold = reply.cold;
    let mut response = match reply.outcome {
        Outcome::Response(response) => guest_response(response)?,
        Outcome::Failed(failure) => return Err(failure_error(failure.kind)),
    };
    if let Some(origin) = origin {
        response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        response.headers_mut().append(header::VARY, HeaderValue::from_static("origin"));
    }
    Ok(response)
}

/// Whether the caller sent `Prefer: respond-async`.
fn prefers_async(headers: &HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim().eq_ignore_ascii_case("respond-async"))
}

async fn read_body(body: Body, headers: &HeaderMap, limit: usize) -> Result<bytes::Bytes, ApiError> {
    let too_large = || ApiError::too_large(format!("request body exceeds {limit} bytes"));
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, limit).await.map_err(|error| {
        let over = std::error::Error::source(&error)
            .is_some_and(|cause| cause.is::<http_body_util::LengthLimitError>());
        if over { too_large() } else { ApiError::bad_request(format!("request body unreadable: {error}")) }
    })
}

/// Header pairs for the guest: lower-case names, UTF-8 values only; `authorization` is
/// consumed by the platform for `auth=user` functions.
fn guest_headers(headers: &HeaderMap, consume_authorization: bool) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| !(consume_authorization && *name == header::AUTHORIZATION))
        .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
        .collect()
}

const HOP_BY_HOP: [&str; 3] = ["content-length", "transfer-encoding", "connection"];

/// Turns the guest's Response into HTTP; anything invalid is the guest's error (502).
fn guest_response(guest: updraft_abi::Response) -> Result<Response, ApiError> {
    let bad = |message: String| ApiError::new(StatusCode::BAD_GATEWAY, "guest_error", message);
    let status = match guest.status {
        200..=599 => StatusCode::from_u16(guest.status).map_err(|_| bad(format!("invalid status {}", guest.status)))?,
        other => return Err(bad(format!("the function returned status {other}, outside 200-599"))),
    };
    let mut response = Response::new(Body::from(guest.body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    for (name, value) in guest.headers {
        if HOP_BY_HOP.iter().any(|h| name.eq_ignore_ascii_case(h)) {
            continue;
        }
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad(format!("invalid header name {name:?}")))?;
        let value = HeaderValue::from_str(&value).map_err(|_| bad(format!("invalid value for header {name}")))?;
        headers.append(name, value);
    }
    if !headers.contains_key(header::CONTENT_TYPE) {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    }
    Ok(response)
}

fn failure_error(kind: FailureKind) -> ApiError {
    match kind {
        FailureKind::Guest => ApiError::new(StatusCode::BAD_GATEWAY, "guest_error", "the function failed; see its logs"),
        FailureKind::Timeout => ApiError::new(StatusCode::GATEWAY_TIMEOUT, "timeout", "the function did not answer in time"),
        FailureKind::Unavailable => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "no capacity to run the function; retry"),
        FailureKind::NotFound => ApiError::not_found("function revision not found"),
    }
}

pub(crate) fn broker_error(error: BrokerError) -> ApiError {
    match error {
        BrokerError::QueueFull(_) => ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many calls waiting; retry"),
        BrokerError::DeadlineExceeded => ApiError::new(StatusCode::GATEWAY_TIMEOUT, "timeout", "the function did not answer in time"),
        BrokerError::Unavailable(cause) | BrokerError::Abandoned(cause) => {
            tracing::warn!(%cause, "broker unavailable");
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "the platform cannot take calls right now; retry")
        }
        BrokerError::Codec(cause) => ApiError::internal(cause),
    }
}

/// The `Origin` of the request if the function's CORS settings allow it.
fn allowed_origin(live: &LiveFunction, headers: &HeaderMap) -> Option<HeaderValue> {
    let origins = &live.settings.cors_origins;
    if origins.is_empty() {
        return None;
    }
    let origin = headers.get(header::ORIGIN)?;
    let text = origin.to_str().ok()?;
    if origins.iter().any(|o| o == "*") {
        Some(HeaderValue::from_static("*"))
    } else {
        origins.iter().any(|o| o == text).then(|| origin.clone())
    }
}

fn preflight(origin: Option<HeaderValue>, request: &HeaderMap) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("origin"));
    let Some(origin) = origin else {
        return response;
    };
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"),
    );
    if let Some(asked) = request.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
    }
    headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_split_raw_paths() {
        assert_eq!(route("/fn/a/f"), Some(("a", "f", "/")));
        assert_eq!(route("/fn/a/f/"), Some(("a", "f", "/")));
        assert_eq!(route("/fn/a/f/x%20y/z"), Some(("a", "f", "/x%20y/z")));
        assert_eq!(route("/v1/apps"), None);
    }
}
