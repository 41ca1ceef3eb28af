//! Operations routes.

use axum::Json;

use crate::ApiError;

pub(crate) async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

pub(crate) async fn not_found() -> ApiError {
    ApiError::not_found("no such route")
}

/// `GET /metrics`: Prometheus text. It names every tenant's functions, so it needs the
/// admin's token unless the gateway was started with public metrics.
pub(crate) async fn metrics(
    axum::extract::State(gateway): axum::extract::State<crate::Gateway>,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    if !gateway.config().public_metrics {
        let developer = crate::auth::Developer::from_headers(&gateway, &headers)?;
        if !developer.is_admin {
            return Err(ApiError::forbidden("only the admin reads platform metrics"));
        }
    }
    gateway.refresh_gauges().await;
    let content_type = [(axum::http::header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")];
    Ok((content_type, gateway.metrics().encode()).into_response())
}
