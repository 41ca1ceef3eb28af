//! The router of HTTP API v1, apart from invocations (`/fn/...`: see `front`).

mod accounts;
mod app_users;
mod apps;
mod functions;
mod logs;
mod mail;
mod ops;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::Router;

use crate::Gateway;

pub(crate) fn router(gateway: Gateway) -> Router {
    let module_limit = gateway.config().max_module_bytes + 64 * 1024;
    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .route("/v1/scaling/decisions", get(crate::scaling::decisions))
        .route("/v1/apps/{app}/functions/{function}/stats", get(functions::stats))
        .route("/v1/accounts", post(accounts::create).get(accounts::list))
        .route("/v1/accounts/{username}", axum::routing::delete(accounts::remove))
        .route("/v1/tokens", post(accounts::token))
        .route("/v1/apps", post(apps::create).get(apps::list))
        .route("/v1/apps/{app}", get(apps::show).delete(apps::remove))
        .route("/v1/apps/{app}/functions", get(functions::list))
        .route(
            "/v1/apps/{app}/functions/{function}",
            put(functions::deploy).get(functions::show).delete(functions::remove).layer(DefaultBodyLimit::max(module_limit)),
        )
        .route("/v1/apps/{app}/functions/{function}/revisions", get(functions::revisions))
        .route("/v1/apps/{app}/functions/{function}/rollback", post(functions::rollback))
        .route("/v1/apps/{app}/functions/{function}/logs", get(logs::logs))
        .route("/v1/apps/{app}/functions/{function}/deadletters", get(crate::async_calls::dead_letters))
        .route("/v1/apps/{app}/functions/{function}/deadletters/{id}/replay", post(crate::async_calls::replay))
        .route("/v1/invocations/{id}", get(crate::async_calls::status))
        .route("/v1/apps/{app}/users", post(app_users::sign_up).get(app_users::list))
        .route("/v1/apps/{app}/users/{username}", axum::routing::delete(app_users::remove))
        .route("/v1/apps/{app}/users/{username}/roles", put(app_users::set_roles))
        .route("/v1/apps/{app}/sessions", post(app_users::sign_in))
        .route("/v1/apps/{app}/sessions/current", axum::routing::delete(app_users::sign_out))
        .route("/v1/apps/{app}/mail", get(mail::list))
        .merge(crate::console::routes())
        .merge(crate::openapi::routes())
        .fallback(ops::not_found)
        .layer(axum::middleware::map_request(|request| async move { crate::drain::draining(request) }))
        .with_state(gateway)
}

/// A JSON body extractor whose rejections use the API's error format.
pub(crate) struct JsonBody<T>(pub(crate) T);

impl<T, S> axum::extract::FromRequest<S> for JsonBody<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = crate::ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(crate::ApiError::bad_request(rejection.body_text())),
        }
    }
}
