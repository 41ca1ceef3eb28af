//! Request and Response: what crosses the guest boundary for every invocation.

use serde::{Deserialize, Serialize};

/// An HTTP request as the guest sees it.
///
/// `path` is what follows `/fn/{app}/{function}` (raw, still percent-encoded; `/` when
/// nothing follows); `query` is the raw query string without `?`; header names are
/// lower-case.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Request {
    /// HTTP method, upper-case (`GET`, `POST`, ...).
    pub method: String,
    /// Path after the function's prefix, starting with `/`.
    pub path: String,
    /// Raw query string without the leading `?`.
    pub query: String,
    /// Header pairs, names lower-case, in arrival order.
    pub headers: Vec<(String, String)>,
    /// Request body.
    #[serde(with = "serde_bytes")]
    pub body: Vec<u8>,
    /// Id of this invocation (32 hex digits).
    pub invocation_id: String,
    /// The authenticated caller, for `auth=user` functions; `None` for public ones.
    pub user: Option<User>,
}

/// An authenticated end user of an app.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct User {
    /// Stable user id.
    pub id: String,
    /// The app the user belongs to.
    pub app: String,
    /// Roles granted by the app's developer.
    pub roles: Vec<String>,
}

/// An HTTP response produced by the guest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Response {
    /// Status code, 100..=599.
    pub status: u16,
    /// Header pairs.
    pub headers: Vec<(String, String)>,
    /// Response body.
    #[serde(with = "serde_bytes")]
    pub body: Vec<u8>,
}

impl Default for Response {
    fn default() -> Self {
        Response { status: 200, headers: Vec::new(), body: Vec::new() }
    }
}

impl Request {
    /// The first header with this (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

impl Response {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}
