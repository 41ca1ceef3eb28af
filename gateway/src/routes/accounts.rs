//! Developer accounts and tokens.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::JsonBody;
use crate::auth::{
    check_password_strength, hash_password, unix_now, ClientAddr, verify_password, Claims, Developer, DEVELOPER_AUDIENCE,
    ISSUER,
};
use crate::names::check_username;
use crate::{ApiError, Gateway};

#[derive(Deserialize)]
pub(crate) struct Credentials {
    username: String,
    password: String,
}

pub(crate) async fn create(
    State(gateway): State<Gateway>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Credentials>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if gateway.config().closed_signup && !gateway.db().accounts()?.is_empty() {
        let developer = Developer::from_headers(&gateway, &headers)?;
        if !developer.is_admin {
            return Err(ApiError::forbidden("sign-up is closed: only the admin creates accounts"));
        }
    }
    check_username(&body.username)?;
    check_password_strength(&body.password)?;
    let hash = hash_password(body.password).await?;
    let account = gateway.db().create_account(&body.username, &hash)?;
    tracing::info!(username = %account.username, admin = account.is_admin, "account created");
    Ok((StatusCode::CREATED, Json(json!({ "username": account.username, "admin": account.is_admin, "created_at": account.created_at }))))
}

pub(crate) async fn list(State(gateway): State<Gateway>, developer: Developer) -> Result<Json<Value>, ApiError> {
    if !developer.is_admin {
        return Err(ApiError::forbidden("only the admin lists accounts"));
    }
    let accounts: Vec<Value> = gateway
        .db()
        .accounts()?
        .into_iter()
        .map(|a| json!({ "username": a.username, "admin": a.is_admin, "created_at": a.created_at }))
        .collect();
    Ok(Json(json!({ "accounts": accounts })))
}

pub(crate) async fn remove(
    State(gateway): State<Gateway>,
    developer: Developer,
    Path(username): Path<String>,
) -> Result<StatusCode, ApiError> {
    if !developer.is_admin {
        return Err(ApiError::forbidden("only the admin removes accounts"));
    }
    let account = gateway.db().account_by_username(&username)?.ok_or_else(|| ApiError::not_found("no such account"))?;
    if account.id == developer.id {
        return Err(ApiError::bad_request("the admin account cannot remove itself"));
    }
    for app in gateway.db().apps_of(account.id)? {
        let functions = gateway.db().functions(&app.name)?.into_iter().map(|f| f.name).collect();
        gateway.retire_app(&app.name, functions).await;
    }
    gateway.db().delete_account(account.id)?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn token(
    State(gateway): State<Gateway>,
    client: ClientAddr,
    JsonBody(body): JsonBody<Credentials>,
) -> Result<Json<Value>, ApiError> {
    let keys = client.login_keys("developer", &body.username);
    if !gateway.logins().allowed(&keys) {
        return Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many failed logins; try again later"));
    }
    let account = gateway.db().account_by_username(&body.username)?;
    // Verify against a dummy hash when the user is unknown, so timing does not tell.
    let hash = account.as_ref().map_or_else(|| DUMMY_HASH.to_owned(), |a| a.password_hash.clone());
    let valid = verify_password(body.password, hash).await && account.is_some();
    let Some(account) = account.filter(|_| valid) else {
        gateway.logins().failed(&keys);
        return Err(ApiError::unauthenticated("wrong username or password"));
    };
    gateway.logins().succeeded(&keys[0]);
    let now = unix_now();
    let exp = now + gateway.config().developer_token_ttl.as_secs();
    let claims = Claims {
        iss: ISSUER.into(),
        aud: DEVELOPER_AUDIENCE.into(),
        sub: account.id.to_string(),
        iat: now,
        nbf: now,
        exp,
        sid: None,
    };
    let token = gateway.keys().issue(&claims).map_err(ApiError::internal)?;
    Ok(Json(json!({ "token": token, "expires_at": rfc3339(exp) })))
}

/// A valid argon2 hash of a random password nobody knows.
pub(crate) const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Dbhn1D2dM8pKuM+V9a8xVx3YyaC4vEztJXDuK/u6gQ";

/// Unix seconds as RFC 3339.
pub(crate) fn rfc3339(unix: u64) -> String {
    chrono::DateTime::from_timestamp(unix as i64, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
