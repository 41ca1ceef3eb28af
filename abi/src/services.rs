//! Arguments and results of the platform services reached through `host_call`.

use serde::{Deserialize, Serialize};

use crate::{Request, Response};

/// The error result of a service call (`host_call` status 1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceError {
    /// A code from [`ErrorCode`], as a string (`"not_found"`, ...).
    pub code: String,
    /// Human-readable reason.
    pub message: String,
}

impl ServiceError {
    /// An error with a known code.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ServiceError {
        ServiceError { code: code.as_str().to_owned(), message: message.into() }
    }

    /// The code as an enum, `Internal` for codes this version does not know.
    pub fn kind(&self) -> ErrorCode {
        ErrorCode::parse(&self.code)
    }
}

impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ServiceError {}

/// Error codes of service calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// No user session where one is needed.
    Unauthenticated,
    /// The caller may not do this.
    Forbidden,
    /// The argument is malformed.
    InvalidArgument,
    /// No such service, function or entry.
    NotFound,
    /// An argument or result exceeds its size limit.
    TooLarge,
    /// Too many calls; try later.
    RateLimited,
    /// The service or callee cannot answer in time.
    Unavailable,
    /// Anything else.
    Internal,
}

impl ErrorCode {
    /// The wire form of the code.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::NotFound => "not_found",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }

    /// Parses the wire form; unknown codes are `Internal`.
    pub fn parse(code: &str) -> ErrorCode {
        match code {
            "unauthenticated" => ErrorCode::Unauthenticated,
            "forbidden" => ErrorCode::Forbidden,
            "invalid_argument" => ErrorCode::InvalidArgument,
            "not_found" => ErrorCode::NotFound,
            "too_large" => ErrorCode::TooLarge,
            "rate_limited" => ErrorCode::RateLimited,
            "unavailable" => ErrorCode::Unavailable,
            _ => ErrorCode::Internal,
        }
    }
}

/// Argument of `session.get`, `session.delete`, `kv.get`, `kv.delete`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyArg {
    /// The key.
    pub key: String,
}

/// Argument of `session.set` and `kv.set`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetArg {
    /// The key.
    pub key: String,
    /// The value to store.
    #[serde(with = "serde_bytes")]
    pub value: Vec<u8>,
}

/// Argument of `kv.list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrefixArg {
    /// Keys starting with this prefix are listed.
    pub prefix: String,
}

/// A stored value, as `session.get` and `kv.get` return it (`bin`, or nil when absent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Value(#[serde(with = "serde_bytes")] pub Vec<u8>);

/// Argument of `mail.send`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailMessage {
    /// Recipients.
    pub to: Vec<String>,
    /// Copy recipients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cc: Option<Vec<String>>,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// Optional HTML body (sent as multipart/alternative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    /// Optional Reply-To address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
}

/// Result of `mail.send`: the id of the queued message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailQueued {
    /// Outbox id of the message.
    pub id: String,
}

/// Argument of `fn.call`: another function of the same app and the request to give it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FnCallArg {
    /// Name of the function in the caller's app.
    pub function: String,
    /// The request; `user` and `invocation_id` are overwritten by the host.
    pub request: Request,
}

/// Result of `fn.call`.
pub type FnCallResult = Response;
