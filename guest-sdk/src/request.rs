//! [`Request`]: the HTTP request a function handles, or sends with [`call`](crate::call).

use serde::{Deserialize, Serialize};

use crate::{Error, Result, User, headers, query};

/// An HTTP request as a function sees it.
///
/// The handler receives one per invocation; [`Request::new`] and its `with_*` methods
/// build one to pass to another function with [`call`](crate::call).
///
/// ```no_run
/// use updraft::{Request, Response};
///
/// #[updraft::handler]
/// fn handle(req: Request) -> Response {
///     let name = req.query_param("name").unwrap_or_else(|| "world".into());
///     let agent = req.header("user-agent").unwrap_or("unknown");
///     Response::text(format!("{} {} from {agent}: hello, {name}\n", req.method(), req.path()))
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    inner: updraft_abi::Request,
}

impl Request {
    /// A request with this method (upper-cased) and target; the target is a path with an
    /// optional raw query string (`"/items?page=2"`), and no headers, body or user.
    pub fn new(method: &str, target: &str) -> Request {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let path = if path.is_empty() { "/" } else { path };
        Request {
            inner: updraft_abi::Request {
                method: method.to_ascii_uppercase(),
                path: path.to_owned(),
                query: query.to_owned(),
                ..Default::default()
            },
        }
    }

    /// A `GET` request for `target` (see [`Request::new`]).
    ///
    /// ```
    /// let req = updraft::Request::get("/?name=Ann");
    /// assert_eq!((req.method(), req.path(), req.query()), ("GET", "/", "name=Ann"));
    /// ```
    pub fn get(target: &str) -> Request {
        Request::new("GET", target)
    }

    /// A `POST` request for `target` with this body.
    pub fn post(target: &str, body: impl Into<Vec<u8>>) -> Request {
        Request::new("POST", target).with_body(body)
    }

    /// Replaces the raw query string (without `?`).
    pub fn with_query(mut self, raw: impl Into<String>) -> Request {
        self.inner.query = raw.into();
        self
    }

    /// Appends `name=value` to the query string, both percent-encoded.
    ///
    /// ```
    /// let req = updraft::Request::get("/").with_query_param("name", "Ann Lee");
    /// assert_eq!(req.query(), "name=Ann%20Lee");
    /// assert_eq!(req.query_param("name").as_deref(), Some("Ann Lee"));
    /// ```
    pub fn with_query_param(mut self, name: &str, value: &str) -> Request {
        if !self.inner.query.is_empty() {
            self.inner.query.push('&');
        }
        self.inner.query.push_str(&query::encode_component(name));
        self.inner.query.push('=');
        self.inner.query.push_str(&query::encode_component(value));
        self
    }

    /// Sets a header (the name is stored lower-case), replacing any of the same name.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Request {
        headers::set(&mut self.inner.headers, name, value.into());
        self
    }

    /// Replaces the body.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.inner.body = body.into();
        self
    }

    /// Replaces the body with `value` as JSON and sets `content-type: application/json`.
    ///
    /// # Errors
    /// [`Error::Encode`] when `value` does not serialize.
    pub fn with_json<T: Serialize + ?Sized>(self, value: &T) -> Result<Request> {
        let body = serde_json::to_vec(value).map_err(|e| Error::Encode(e.to_string()))?;
        Ok(self.with_body(body).with_header("content-type", "application/json"))
    }

    /// The HTTP method, upper-case (`GET`, `POST`, ...).
    pub fn method(&self) -> &str {
        &self.inner.method
    }

    /// The path after `/fn/{app}/{function}`, starting with `/` and still
    /// percent-encoded; `/` when nothing follows.
    pub fn path(&self) -> &str {
        &self.inner.path
    }

    /// The raw query string without `?` (empty when there is none).
    pub fn query(&self) -> &str {
        &self.inner.query
    }

    /// The percent-decoded value of the first query parameter called `name`:
    /// `Some("")` for a bare flag (`?reset`), `None` when absent. See [`query::get`].
    pub fn query_param(&self, name: &str) -> Option<String> {
        query::get(&self.inner.query, name)
    }

    /// Whether the query has a parameter called `name`, with or without a value.
    pub fn has_query_param(&self, name: &str) -> bool {
        self.query_param(name).is_some()
    }

    /// All query parameters, percent-decoded, in order. See [`query::parse`].
    pub fn query_params(&self) -> Vec<(String, String)> {
        query::parse(&self.inner.query)
    }

    /// The first header called `name` (case-insensitive; the platform sends names in
    /// lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        headers::find(&self.inner.headers, name)
    }

    /// All headers as `(name, value)` pairs, in arrival order.
    pub fn headers(&self) -> &[(String, String)] {
        &self.inner.headers
    }

    /// The body bytes.
    pub fn body(&self) -> &[u8] {
        &self.inner.body
    }

    /// Takes the body out of the request.
    pub fn into_body(self) -> Vec<u8> {
        self.inner.body
    }

    /// The body as UTF-8 text.
    ///
    /// # Errors
    /// [`Error::Decode`] when the body is not valid UTF-8.
    pub fn text(&self) -> Result<&str> {
        std::str::from_utf8(&self.inner.body).map_err(|e| Error::Decode(format!("the body is not UTF-8: {e}")))
    }

    /// The body parsed as JSON.
    ///
    /// ```no_run
    /// # fn demo(req: updraft::Request) -> updraft::Result<()> {
    /// #[derive(serde::Deserialize)]
    /// struct Order { item: String, quantity: u32 }
    /// let order: Order = req.json()?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Decode`] when the body is not JSON of that shape.
    pub fn json<'a, T: Deserialize<'a>>(&'a self) -> Result<T> {
        serde_json::from_slice(&self.inner.body).map_err(|e| Error::Decode(e.to_string()))
    }

    /// The signed-in caller of an `auth=user` function; `None` for public functions.
    pub fn user(&self) -> Option<&User> {
        self.inner.user.as_ref()
    }

    /// The id of this invocation (32 hex digits; empty in requests built with
    /// [`Request::new`]).
    pub fn invocation_id(&self) -> &str {
        &self.inner.invocation_id
    }

    /// The wire form of the request.
    pub fn as_abi(&self) -> &updraft_abi::Request {
        &self.inner
    }

    /// Turns the request into its wire form.
    pub fn into_abi(self) -> updraft_abi::Request {
        self.inner
    }
}

impl From<updraft_abi::Request> for Request {
    fn from(inner: updraft_abi::Request) -> Request {
        Request { inner }
    }
}

impl From<Request> for updraft_abi::Request {
    fn from(request: Request) -> updraft_abi::Request {
        request.inner
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn incoming() -> Request {
        Request::from(updraft_abi::Request {
            method: "POST".into(),
            path: "/orders/a%20b".into(),
            query: "name=J%C3%BCrgen&flag&name=second".into(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: br#"{"item":"tea","quantity":2}"#.to_vec(),
            invocation_id: "0123456789abcdef0123456789abcdef".into(),
            user: Some(User { id: "u1".into(), app: "shop".into(), roles: vec!["admin".into()] }),
        })
    }

    #[test]
    fn accessors_read_the_wire_request() {
        let req = incoming();
        assert_eq!(req.method(), "POST");
        assert_eq!(req.path(), "/orders/a%20b");
        assert_eq!(req.query_param("name").as_deref(), Some("Jürgen"));
        assert_eq!(req.query_param("flag").as_deref(), Some(""));
        assert!(req.has_query_param("flag") && !req.has_query_param("missing"));
        assert_eq!(req.query_params().len(), 3);
        assert_eq!(req.header("Content-Type"), Some("application/json"));
        assert_eq!(req.user().map(|u| u.id.as_str()), Some("u1"));
        assert_eq!(req.invocation_id().len(), 32);
    }

    #[test]
    fn body_as_text_and_json() {
        #[derive(Deserialize)]
        struct Order<'a> {
            item: &'a str,
            quantity: u32,
        }
        let req = incoming();
        assert!(req.text().is_ok_and(|t| t.starts_with('{')));
        let order: Order<'_> = req.json().unwrap();
        assert_eq!((order.item, order.quantity), ("tea", 2));
        let bad = Request::post("/", vec![0xff]);
        assert!(matches!(bad.text(), Err(Error::Decode(_))));
        assert!(matches!(bad.json::<serde_json::Value>(), Err(Error::Decode(_))));
    }

    #[test]
    fn builders_split_the_target_and_encode_parameters() {
        let req = Request::new("get", "?a=1").with_query_param("name", "x&y").with_header("X-Token", "t");
        assert_eq!(req.method(), "GET");
        assert_eq!(req.path(), "/");
        assert_eq!(req.query(), "a=1&name=x%26y");
        assert_eq!(req.headers(), [("x-token".to_string(), "t".to_string())]);
        assert_eq!(req.with_query("").with_query_param("k", "v").query(), "k=v");
        let json = Request::post("/p", Vec::new()).with_json(&[1, 2]).unwrap();
        assert_eq!((json.body(), json.header("content-type")), (&b"[1,2]"[..], Some("application/json")));
        assert!(json.user().is_none() && json.invocation_id().is_empty());
        assert_eq!(json.into_body(), b"[1,2]");
    }
}
