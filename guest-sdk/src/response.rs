//! [`Response`]: what a handler returns, or what [`call`](crate::call) gets back.

use serde::{Deserialize, Serialize};

use crate::{Error, Result, headers};

/// Content type of [`Response::text`].
const TEXT_PLAIN: &str = "text/plain; charset=utf-8";
/// Content type of [`Response::html`].
const TEXT_HTML: &str = "text/html; charset=utf-8";
/// Content type of [`Response::json`].
const APPLICATION_JSON: &str = "application/json";

/// An HTTP response: a status, headers and a body.
///
/// Build one with [`Response::text`], [`Response::json`], [`Response::bytes`],
/// [`Response::html`] or [`Response::status`] and adjust it with the `with_*` methods:
///
/// ```
/// use updraft::Response;
///
/// let created = Response::json(&serde_json::json!({ "id": 7 }))
///     .with_status(201)
///     .with_header("location", "/items/7");
/// assert_eq!(created.status_code(), 201);
/// assert_eq!(created.header("content-type"), Some("application/json"));
/// ```
///
/// The platform answers with 502 when the status is outside 100–599 or a header is not
/// valid HTTP; it ignores `content-length`, `transfer-encoding` and `connection`, and
/// sends `application/octet-stream` when there is no `content-type`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    inner: updraft_abi::Response,
}

impl Response {
    /// An empty response with this status and no headers.
    ///
    /// ```
    /// assert!(updraft::Response::status(204).body().is_empty());
    /// ```
    pub fn status(code: u16) -> Response {
        Response { inner: updraft_abi::Response { status: code, headers: Vec::new(), body: Vec::new() } }
    }

    /// 200 with a `text/plain; charset=utf-8` body.
    pub fn text(body: impl Into<String>) -> Response {
        Response::bytes(TEXT_PLAIN, body.into())
    }

    /// 200 with a `text/html; charset=utf-8` body.
    pub fn html(body: impl Into<String>) -> Response {
        Response::bytes(TEXT_HTML, body.into())
    }

    /// 200 with `value` as an `application/json` body.
    ///
    /// A value that does not serialize (a map with non-string keys, a failing
    /// `Serialize` impl) gives a 500 text response naming the reason instead.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Response {
        match serde_json::to_vec(value) {
            Ok(body) => Response::bytes(APPLICATION_JSON, body),
            Err(e) => Response::text(format!("the response does not serialize as JSON: {e}\n")).with_status(500),
        }
    }

    /// 200 with this content type and body.
    pub fn bytes(content_type: impl Into<String>, body: impl Into<Vec<u8>>) -> Response {
        Response::status(200).with_header("content-type", content_type).with_body(body)
    }

    /// Replaces the status.
    pub fn with_status(mut self, code: u16) -> Response {
        self.inner.status = code;
        self
    }

    /// Sets a header (the name is stored lower-case), replacing any of the same name;
    /// see [`Response::append_header`] for repeated headers such as `set-cookie`.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Response {
        headers::set(&mut self.inner.headers, name, value.into());
        self
    }

    /// Adds a header (the name is stored lower-case), keeping any of the same name.
    pub fn append_header(mut self, name: &str, value: impl Into<String>) -> Response {
        headers::append(&mut self.inner.headers, name, value.into());
        self
    }

    /// Replaces the body (the content type stays as it is).
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Response {
        self.inner.body = body.into();
        self
    }

    /// The status code.
    pub fn status_code(&self) -> u16 {
        self.inner.status
    }

    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        headers::find(&self.inner.headers, name)
    }

    /// All headers as `(name, value)` pairs.
    pub fn headers(&self) -> &[(String, String)] {
        &self.inner.headers
    }

    /// The body bytes.
    pub fn body(&self) -> &[u8] {
        &self.inner.body
    }

    /// Takes the body out of the response.
    pub fn into_body(self) -> Vec<u8> {
        self.inner.body
    }

    /// The body as UTF-8 text.
    ///
    /// # Errors
    /// [`Error::Decode`] when the body is not valid UTF-8.
    pub fn body_text(&self) -> Result<&str> {
        std::str::from_utf8(&self.inner.body).map_err(|e| Error::Decode(format!("the body is not UTF-8: {e}")))
    }

    /// The body parsed as JSON.
    ///
    /// # Errors
    /// [`Error::Decode`] when the body is not JSON of that shape.
    pub fn body_json<'a, T: Deserialize<'a>>(&'a self) -> Result<T> {
        serde_json::from_slice(&self.inner.body).map_err(|e| Error::Decode(e.to_string()))
    }

    /// The wire form of the response.
    pub fn as_abi(&self) -> &updraft_abi::Response {
        &self.inner
    }

    /// Turns the response into its wire form.
    pub fn into_abi(self) -> updraft_abi::Response {
        self.inner
    }
}

impl From<updraft_abi::Response> for Response {
    fn from(inner: updraft_abi::Response) -> Response {
        Response { inner }
    }
}

impl From<Response> for updraft_abi::Response {
    fn from(response: Response) -> updraft_abi::Response {
        response.inner
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn constructors_set_status_type_and_body() {
        let text = Response::text("hello");
        assert_eq!((text.status_code(), text.header("content-type")), (200, Some(TEXT_PLAIN)));
        assert_eq!(text.body_text().unwrap(), "hello");
        let html = Response::html("<p>");
        assert_eq!(html.header("content-type"), Some(TEXT_HTML));
        let bytes = Response::bytes("image/png", vec![0x89, b'P']);
        assert_eq!((bytes.header("content-type"), bytes.body()), (Some("image/png"), &[0x89, b'P'][..]));
        let empty = Response::status(404);
        assert_eq!((empty.status_code(), empty.headers().len(), empty.body().len()), (404, 0, 0));
    }

    #[test]
    fn json_serializes_or_fails_with_500() {
        let ok = Response::json(&serde_json::json!({"a": [1, 2]}));
        assert_eq!(ok.header("content-type"), Some(APPLICATION_JSON));
        assert_eq!(ok.body_json::<serde_json::Value>().unwrap()["a"][1], 2);
        let mut bad = BTreeMap::new();
        bad.insert(vec![1u8], 1);
        let failed = Response::json(&bad);
        assert_eq!(failed.status_code(), 500);
        assert!(failed.body_text().unwrap().contains("does not serialize"));
    }

    #[test]
    fn with_methods_replace_and_append_keeps() {
        let resp = Response::text("x")
            .with_status(201)
            .with_header("Content-Type", "text/csv")
            .append_header("set-cookie", "a=1")
            .append_header("Set-Cookie", "b=2")
            .with_body("a,b");
        assert_eq!(resp.status_code(), 201);
        assert_eq!(resp.header("content-type"), Some("text/csv"));
        assert_eq!(resp.headers().iter().filter(|(n, _)| n == "set-cookie").count(), 2);
        assert_eq!(resp.headers().iter().filter(|(n, _)| n == "content-type").count(), 1);
        assert_eq!(resp.clone().into_body(), b"a,b");
        let wire = resp.into_abi();
        assert_eq!(Response::from(wire.clone()).as_abi(), &wire);
    }

    #[test]
    fn body_text_rejects_invalid_utf8() {
        assert!(matches!(Response::status(200).with_body(vec![0xc3]).body_text(), Err(Error::Decode(_))));
    }
}
