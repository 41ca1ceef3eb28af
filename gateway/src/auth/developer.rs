//! The `Developer` extractor: a valid developer token of an existing account.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::{bearer, DEVELOPER_AUDIENCE};
use crate::{ApiError, Gateway};

/// The authenticated developer of a `/v1` call.
#[derive(Clone, Debug)]
pub struct Developer {
    /// Account id.
    pub id: i64,
    /// User name.
    pub username: String,
    /// Whether this is the admin account.
    pub is_admin: bool,
}

impl FromRequestParts<Gateway> for Developer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, gateway: &Gateway) -> Result<Self, Self::Rejection> {
        Developer::from_headers(gateway, &parts.headers)
    }
}

impl Developer {
    /// Authenticates the bearer token of `headers` as a developer of `gateway`.
    pub fn from_headers(gateway: &Gateway, headers: &axum::http::HeaderMap) -> Result<Developer, ApiError> {
        let token = bearer(headers).ok_or_else(|| ApiError::unauthenticated("missing bearer token"))?;
        let claims = gateway
            .keys()
            .verify(token, DEVELOPER_AUDIENCE)
            .ok_or_else(|| ApiError::unauthenticated("invalid or expired token"))?;
        let id: i64 = claims.sub.parse().map_err(|_| ApiError::unauthenticated("invalid token subject"))?;
        // The account must still exist: a removed account's tokens stop working at once.
        let account = gateway.db().account(id)?.ok_or_else(|| ApiError::unauthenticated("account no longer exists"))?;
        Ok(Developer { id, username: account.username, is_admin: account.is_admin })
    }
}
