//! `echo`: shows a function what it was sent.
//!
//! By default it answers JSON `{method, path, query, headers, body, body_len}`, where
//! `headers` maps each name to its value (repeated headers joined with `", "`) and
//! `body` is the body as UTF-8 (lossy). With the query parameter `raw` it answers the
//! body byte for byte instead, with the request's content type (or
//! `application/octet-stream`) and the headers `x-echo-method`, `x-echo-path` and
//! `x-echo-query`.

use serde_json::{Map, Value, json};
use updraft::{Request, Response};

#[updraft::handler]
fn handle(req: Request) -> Response {
    if req.has_query_param("raw") { raw(req) } else { summary(&req) }
}

/// The request described as JSON.
fn summary(req: &Request) -> Response {
    let mut headers = Map::new();
    for (name, value) in req.headers() {
        match headers.get_mut(name) {
            Some(Value::String(joined)) => {
                joined.push_str(", ");
                joined.push_str(value);
            }
            _ => {
                headers.insert(name.clone(), Value::String(value.clone()));
            }
        }
    }
    Response::json(&json!({
        "method": req.method(),
        "path": req.path(),
        "query": req.query(),
        "headers": headers,
        "body": String::from_utf8_lossy(req.body()),
        "body_len": req.body().len(),
    }))
}

/// The body back as it came, described by headers.
fn raw(req: Request) -> Response {
    let content_type = req.header("content-type").unwrap_or("application/octet-stream").to_owned();
    let method = req.method().to_owned();
    let path = req.path().to_owned();
    let query = req.query().to_owned();
    Response::bytes(content_type, req.into_body())
        .with_header("x-echo-method", method)
        .with_header("x-echo-path", path)
        .with_header("x-echo-query", query)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn describes_the_request_as_json() {
        let req = Request::post("/a/b?x=1", vec![b'h', b'i', 0xff])
            .with_header("x-one", "1")
            .with_header("content-type", "text/plain");
        let resp = handle(req);
        let body: Value = resp.body_json().unwrap();
        assert_eq!(body["method"], "POST");
        assert_eq!(body["path"], "/a/b");
        assert_eq!(body["query"], "x=1");
        assert_eq!(body["headers"]["x-one"], "1");
        assert_eq!(body["body"], "hi\u{fffd}");
        assert_eq!(body["body_len"], 3);
    }

    #[test]
    fn raw_mode_returns_the_body_unchanged() {
        let resp = handle(Request::post("/p?raw&y=2", vec![0, 1, 255]));
        assert_eq!(resp.body(), [0, 1, 255]);
        assert_eq!(resp.header("content-type"), Some("application/octet-stream"));
        assert_eq!(resp.header("x-echo-method"), Some("POST"));
        assert_eq!(resp.header("x-echo-path"), Some("/p"));
        assert_eq!(resp.header("x-echo-query"), Some("raw&y=2"));
        let typed = handle(Request::post("/?raw", "a").with_header("content-type", "text/csv"));
        assert_eq!(typed.header("content-type"), Some("text/csv"));
    }
}
