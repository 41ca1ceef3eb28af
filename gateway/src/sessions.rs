//! Who is calling an `auth=user` function.

use axum::http::HeaderMap;
use updraft_abi::User;

use crate::{ApiError, AuthMode, Gateway, LiveFunction};

/// An authenticated app user and the session they called with.
#[derive(Clone, Debug)]
pub(crate) struct AuthedUser {
    pub(crate) user: User,
    pub(crate) session_id: String,
}

impl Gateway {
    /// Decides, before any instance exists, whether the caller may invoke `live`.
    pub(crate) fn authorize(&self, live: &LiveFunction, _headers: &HeaderMap) -> Result<Option<AuthedUser>, ApiError> {
        match live.settings.auth {
            AuthMode::Public => Ok(None),
            AuthMode::User => Err(ApiError::unauthenticated("sign in to call this function")),
        }
    }
}
