//! The error type of the SDK: the service error codes of the ABI plus local failures.

use std::fmt;

use updraft_abi::{ErrorCode, ServiceError};

/// Result of SDK calls.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything an SDK call can fail with.
///
/// The first eight variants mirror the ABI's service error codes ([`ErrorCode`]) and
/// carry the host's message; [`Error::Decode`] and [`Error::Encode`] are failures of
/// this side (a body that is not the expected JSON, a value that cannot be serialized).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The call needs a signed-in user (for example a session outside an `auth=user`
    /// function).
    Unauthenticated(String),
    /// The caller may not do this.
    Forbidden(String),
    /// The argument is malformed (a bad mail address, an empty key, ...).
    InvalidArgument(String),
    /// No such service, function or entry.
    NotFound(String),
    /// An argument or result exceeds its size limit.
    TooLarge(String),
    /// Too many calls (mail sends, for example); try later.
    RateLimited(String),
    /// The service or callee cannot answer in time, or the code is not running inside
    /// Updraft at all.
    Unavailable(String),
    /// Anything else the host reported, including codes newer than this SDK.
    Internal(String),
    /// Bytes did not decode: a request body that is not the expected JSON or UTF-8, or
    /// a host result that is not the expected MessagePack.
    Decode(String),
    /// A value could not be serialized (to JSON or MessagePack).
    Encode(String),
}

impl Error {
    /// The ABI error code this error corresponds to; [`Error::Decode`] is
    /// `InvalidArgument`, [`Error::Encode`] is `Internal`.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Error::Forbidden(_) => ErrorCode::Forbidden,
            Error::InvalidArgument(_) | Error::Decode(_) => ErrorCode::InvalidArgument,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::TooLarge(_) => ErrorCode::TooLarge,
            Error::RateLimited(_) => ErrorCode::RateLimited,
            Error::Unavailable(_) => ErrorCode::Unavailable,
            Error::Internal(_) | Error::Encode(_) => ErrorCode::Internal,
        }
    }

    /// The message without the code.
    pub fn message(&self) -> &str {
        match self {
            Error::Unauthenticated(m)
            | Error::Forbidden(m)
            | Error::InvalidArgument(m)
            | Error::NotFound(m)
            | Error::TooLarge(m)
            | Error::RateLimited(m)
            | Error::Unavailable(m)
            | Error::Internal(m)
            | Error::Decode(m)
            | Error::Encode(m) => m,
        }
    }

    /// A fitting HTTP status for answering a client with this error: 401, 403, 400,
    /// 404, 413, 429, 503 and 500 for the codes, 400 for [`Error::Decode`] and 500 for
    /// [`Error::Encode`].
    ///
    /// ```
    /// assert_eq!(updraft::Error::RateLimited("slow down".into()).http_status(), 429);
    /// ```
    pub fn http_status(&self) -> u16 {
        match self {
            Error::Unauthenticated(_) => 401,
            Error::Forbidden(_) => 403,
            Error::InvalidArgument(_) | Error::Decode(_) => 400,
            Error::NotFound(_) => 404,
            Error::TooLarge(_) => 413,
            Error::RateLimited(_) => 429,
            Error::Unavailable(_) => 503,
            Error::Internal(_) | Error::Encode(_) => 500,
        }
    }

    /// The error for a service error result of `host_call`.
    pub(crate) fn from_service(error: ServiceError) -> Error {
        let message = error.message;
        match ErrorCode::parse(&error.code) {
            ErrorCode::Unauthenticated => Error::Unauthenticated(message),
            ErrorCode::Forbidden => Error::Forbidden(message),
            ErrorCode::InvalidArgument => Error::InvalidArgument(message),
            ErrorCode::NotFound => Error::NotFound(message),
            ErrorCode::TooLarge => Error::TooLarge(message),
            ErrorCode::RateLimited => Error::RateLimited(message),
            ErrorCode::Unavailable => Error::Unavailable(message),
            ErrorCode::Internal if error.code == ErrorCode::Internal.as_str() => Error::Internal(message),
            ErrorCode::Internal => Error::Internal(format!("{}: {message}", error.code)),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            Error::Decode(_) => "decode error",
            Error::Encode(_) => "encode error",
            other => other.code().as_str(),
        };
        write!(f, "{kind}: {}", self.message())
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_every_service_code() {
        let cases = [
            ("unauthenticated", 401),
            ("forbidden", 403),
            ("invalid_argument", 400),
            ("not_found", 404),
            ("too_large", 413),
            ("rate_limited", 429),
            ("unavailable", 503),
            ("internal", 500),
        ];
        for (code, status) in cases {
            let error = Error::from_service(ServiceError { code: code.into(), message: "m".into() });
            assert_eq!(error.code().as_str(), code);
            assert_eq!(error.http_status(), status, "{code}");
            assert_eq!(error.message(), "m");
            assert_eq!(error.to_string(), format!("{code}: m"));
        }
    }

    #[test]
    fn unknown_codes_are_internal_and_keep_the_code() {
        let error = Error::from_service(ServiceError { code: "quota_exceeded".into(), message: "m".into() });
        assert_eq!(error, Error::Internal("quota_exceeded: m".into()));
    }

    #[test]
    fn local_errors_display_their_kind() {
        assert_eq!(Error::Decode("bad".into()).to_string(), "decode error: bad");
        assert_eq!(Error::Decode("bad".into()).http_status(), 400);
        assert_eq!(Error::Encode("bad".into()).http_status(), 500);
    }
}
