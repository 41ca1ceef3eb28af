//! `GET /v1/openapi.json`: the OpenAPI 3 document of HTTP API v1, written by hand in
//! `assets/openapi.json` and compiled into the binary. A test keeps it in step with the
//! router: every route there must be documented here.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::Gateway;

const DOCUMENT: &str = include_str!("../assets/openapi.json");

/// The document's route.
pub(crate) fn routes() -> Router<Gateway> {
    Router::new().route("/v1/openapi.json", get(document))
}

async fn document() -> Response {
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        // Tools in a browser (Swagger UI elsewhere) may read it: it holds no secret.
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")),
    ];
    (headers, DOCUMENT).into_response()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::Value;

    const ROUTER_SOURCE: &str = include_str!("routes/mod.rs");

    /// The paths of every `.route("...")` in the router's source.
    fn routed_paths() -> Vec<String> {
        ROUTER_SOURCE
            .split(".route(\"")
            .skip(1)
            .filter_map(|rest| rest.split_once('"').map(|(path, _)| path.to_owned()))
            .collect()
    }

    /// axum's `{*rest}` is OpenAPI's `{rest}`; `{param}` is the same in both.
    fn openapi_path(axum_path: &str) -> String {
        axum_path.replace("{*", "{")
    }

    fn document_json() -> Value {
        serde_json::from_str(DOCUMENT).expect("assets/openapi.json is valid JSON")
    }

    #[test]
    fn every_route_is_documented() {
        let document = document_json();
        let paths = document["paths"].as_object().expect("the document has paths");
        let routed = routed_paths();
        assert!(routed.len() >= 20, "the router's routes were found: {routed:?}");
        let missing: Vec<_> = routed.iter().map(|p| openapi_path(p)).filter(|p| !paths.contains_key(p)).collect();
        assert!(missing.is_empty(), "routes missing from assets/openapi.json: {missing:?}");
        assert!(paths.contains_key("/v1/openapi.json"), "the document describes itself");
    }

    #[test]
    fn every_path_parameter_is_declared_and_every_reference_resolves() {
        let document = document_json();
        assert!(document["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
        for (path, item) in document["paths"].as_object().unwrap() {
            let names: Vec<&str> = path.split('{').skip(1).filter_map(|s| s.split_once('}')).map(|(name, _)| name).collect();
            let declared = declared_path_parameters(&document, item);
            for name in names {
                assert!(declared.iter().any(|d| d == name), "{path}: path parameter {name} is not declared");
            }
        }
        let text = DOCUMENT;
        for reference in text.split("\"$ref\": \"#/").skip(1).filter_map(|s| s.split_once('"')).map(|(r, _)| r) {
            let pointer = format!("/{reference}");
            assert!(document.pointer(&pointer).is_some(), "dangling $ref #/{reference}");
        }
    }

    fn declared_path_parameters(document: &Value, item: &Value) -> Vec<String> {
        let mut parameters: Vec<&Value> = item["parameters"].as_array().map(|a| a.iter().collect()).unwrap_or_default();
        for operation in item.as_object().unwrap().values().filter(|v| v.is_object()) {
            if let Some(more) = operation["parameters"].as_array() {
                parameters.extend(more);
            }
        }
        parameters
            .into_iter()
            .map(|p| match p["$ref"].as_str() {
                Some(reference) => document.pointer(reference.trim_start_matches('#')).unwrap_or(p),
                None => p,
            })
            .filter(|p| p["in"] == "path")
            .filter_map(|p| p["name"].as_str().map(String::from))
            .collect()
    }

    #[test]
    fn wildcard_routes_map_to_plain_parameters() {
        assert_eq!(openapi_path("/fn/{app}/{function}/{*path}"), "/fn/{app}/{function}/{path}");
        assert_eq!(openapi_path("/v1/apps/{app}"), "/v1/apps/{app}");
    }
}
