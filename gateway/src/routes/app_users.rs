//! App users: sign-up, sign-in, sign-out (public, per app), and their management by the
//! app's developer (list, roles, removal).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use updraft_store::SessionRow;

use super::accounts::{rfc3339, DUMMY_HASH};
use super::JsonBody;
use crate::auth::{check_password_strength, hash_password, unix_now, verify_password, Claims, ClientAddr, Developer, ISSUER};
use crate::names::{check_name, check_username};
use crate::sessions::app_audience;
use crate::{ApiError, Gateway};

#[derive(Deserialize)]
pub(crate) struct Credentials {
    username: String,
    password: String,
}

fn new_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

fn app_exists(gateway: &Gateway, app: &str) -> Result<(), ApiError> {
    check_name("app", app)?;
    match gateway.db().app(app)? {
        Some(_) => Ok(()),
        None => Err(ApiError::not_found(format!("app {app:?} not found"))),
    }
}

pub(crate) async fn sign_up(
    State(gateway): State<Gateway>,
    Path(app): Path<String>,
    JsonBody(body): JsonBody<Credentials>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    app_exists(&gateway, &app)?;
    check_username(&body.username)?;
    check_password_strength(&body.password)?;
    let hash = hash_password(body.password).await?;
    let user = gateway.db().create_app_user(&new_id(), &app, &body.username, &hash)?;
    Ok((StatusCode::CREATED, Json(json!({ "id": user.id, "username": user.username, "app": app }))))
}

pub(crate) async fn sign_in(
    State(gateway): State<Gateway>,
    Path(app): Path<String>,
    client: ClientAddr,
    JsonBody(body): JsonBody<Credentials>,
) -> Result<Json<Value>, ApiError> {
    app_exists(&gateway, &app)?;
    let keys = client.login_keys(&format!("app:{app}"), &body.username);
    if !gateway.logins().allowed(&keys) {
        return Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many failed sign-ins; try again later"));
    }
    let user = gateway.db().app_user(&app, &body.username)?;
    let hash = user.as_ref().map_or_else(|| DUMMY_HASH.to_owned(), |u| u.password_hash.clone());
    let valid = verify_password(body.password, hash).await && user.is_some();
    let Some(user) = user.filter(|_| valid) else {
        gateway.logins().failed(&keys);
        return Err(ApiError::unauthenticated("wrong username or password"));
    };
    gateway.logins().succeeded(&keys[0]);
    let now = unix_now();
    let expires = now + gateway.config().session_ttl.as_secs();
    let session = SessionRow {
        id: new_id(),
        app: app.clone(),
        user_id: user.id.clone(),
        created_at: now as i64,
        expires_at: expires as i64,
    };
    gateway.db().create_session(&session)?;
    gateway.sessions().insert(&session, &user);
    let claims = Claims {
        iss: ISSUER.into(),
        aud: app_audience(&app),
        sub: user.id,
        iat: now,
        nbf: now,
        exp: expires,
        sid: Some(session.id),
    };
    let token = gateway.keys().issue(&claims).map_err(ApiError::internal)?;
    Ok(Json(json!({ "token": token, "expires_at": rfc3339(expires) })))
}

pub(crate) async fn sign_out(
    State(gateway): State<Gateway>,
    Path(app): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let (claims, _) = gateway.app_session(&app, &headers)?;
    let sid = claims.sid.unwrap_or_default();
    gateway.sessions().remove(&sid);
    gateway.db().delete_session(&sid)?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn list(
    State(gateway): State<Gateway>,
    developer: Developer,
    Path(app): Path<String>,
) -> Result<Json<Value>, ApiError> {
    gateway.owned_app(&developer, &app)?;
    let users: Vec<Value> = gateway
        .db()
        .app_users(&app)?
        .into_iter()
        .map(|u| json!({ "id": u.id, "username": u.username, "roles": u.roles, "created_at": u.created_at }))
        .collect();
    Ok(Json(json!({ "users": users })))
}

pub(crate) async fn set_roles(
    State(gateway): State<Gateway>,
    developer: Developer,
    Path((app, username)): Path<(String, String)>,
    JsonBody(roles): JsonBody<Vec<String>>,
) -> Result<Json<Value>, ApiError> {
    gateway.owned_app(&developer, &app)?;
    for role in &roles {
        crate::names::check_role(role)?;
    }
    let user = gateway.db().set_app_user_roles(&app, &username, &roles)?;
    gateway.sessions().set_roles(&user.id, &user.roles);
    Ok(Json(json!({ "username": user.username, "roles": user.roles })))
}

pub(crate) async fn remove(
    State(gateway): State<Gateway>,
    developer: Developer,
    Path((app, username)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    gateway.owned_app(&developer, &app)?;
    for session in gateway.db().delete_app_user(&app, &username)? {
        gateway.sessions().remove(&session);
    }
    Ok(StatusCode::NO_CONTENT)
}
