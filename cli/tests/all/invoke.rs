//! Calling functions over HTTP: what arrives in the guest, what comes back, limits.

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::Server;

#[tokio::test]
async fn echo_sees_method_path_query_headers_and_body() {
    let server = Server::start().await;
    let token = server.developer_with_app("dev", "demo").await;
    server.deploy_example(&token, "demo", "echo", "echo", "").await;
    let body: Value = server
        .http
        .post(server.at("/fn/demo/echo/a/b%20c?x=1&y=two"))
        .header("x-custom", "value")
        .body("payload")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["method"], "POST");
    assert_eq!(body["path"], "/a/b%20c");
    assert_eq!(body["query"], "x=1&y=two");
    assert_eq!(body["headers"]["x-custom"], "value");
    assert_eq!(body["body"], "payload");

    let root: Value = server.http.get(server.at("/fn/demo/echo/")).send().await.unwrap().json().await.unwrap();
    assert_eq!(root["path"], "/");

    let binary: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    let raw = server
        .http
        .put(server.at("/fn/demo/echo/raw?raw"))
        .header("content-type", "application/x-thing")
        .body(binary.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 200);
    assert_eq!(raw.headers()["content-type"], "application/x-thing");
    assert_eq!(raw.headers()["x-echo-method"], "PUT");
    assert_eq!(raw.bytes().await.unwrap().to_vec(), binary);
}

#[tokio::test]
async fn json_function_transforms_and_rejects_bad_input() {
    let server = Server::start().await;
    let token = server.developer_with_app("dev", "demo").await;
    server.deploy_example(&token, "demo", "json", "json", "").await;
    let response = server.http.post(server.at("/fn/demo/json")).json(&json!({ "name": "Ada", "numbers": [1, 2, 3.5] })).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["greeting"], "Hello, Ada!");
    assert_eq!(body["sum"], 6.5);
    assert_eq!(body["count"], 3);
    let bad = server.http.post(server.at("/fn/demo/json")).body("{not json").send().await.unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn unknown_functions_and_oversized_bodies() {
    let server = Server::start().await;
    let token = server.developer_with_app("dev", "demo").await;
    server.deploy_example(&token, "demo", "echo", "echo", "").await;
    let missing = server.http.get(server.at("/fn/demo/nope")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing.headers().contains_key("x-updraft-invocation-id"));
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");

    let big = vec![b'x'; 6 * 1024 * 1024 + 1];
    let response = server.http.post(server.at("/fn/demo/echo")).body(big).send().await.unwrap();
    assert_eq!(response.status(), 413);
    let just_fits = vec![b'x'; 6 * 1024 * 1024 - 1024];
    let response = server.http.post(server.at("/fn/demo/echo?raw")).body(just_fits.clone()).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.unwrap().len(), just_fits.len());
}

#[tokio::test]
async fn logging_function_output_is_readable_by_its_developer() {
    let server = Server::start().await;
    let token = server.developer_with_app("dev", "demo").await;
    server.deploy_example(&token, "demo", "logging", "logging", "").await;
    let response = server.http.get(server.at("/fn/demo/logging")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let id = response.headers()["x-updraft-invocation-id"].to_str().unwrap().to_owned();
    let url = server.at(&format!("/v1/apps/demo/functions/logging/logs?invocation={id}"));
    let mut messages = Vec::new();
    for _ in 0..50 {
        let logs: Value = server.http.get(&url).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
        messages = logs["logs"].as_array().unwrap().iter().map(|l| l["message"].as_str().unwrap().to_owned()).collect();
        if messages.iter().any(|m| m.starts_with("invocation status 200")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(messages.len() >= 7, "{messages:?}");
    assert!(messages.iter().any(|m| m.starts_with("invocation status 200")), "{messages:?}");
}

#[tokio::test]
async fn hundreds_of_calls_succeed_while_one_burns_its_deadline() {
    let server = Server::start().await;
    let token = server.developer_with_app("dev", "demo").await;
    server.deploy_example(&token, "demo", "hello", "hello", "").await;
    server.deploy_example(&token, "demo", "hostile", "hostile", "timeout_ms=3000").await;
    let burner = {
        let (http, url) = (server.http.clone(), server.at("/fn/demo/hostile?mode=loop"));
        tokio::spawn(async move { http.get(url).send().await.unwrap().status() })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut calls = Vec::new();
    for i in 0..400 {
        let (http, url) = (server.http.clone(), server.at(&format!("/fn/demo/hello?name=n{i}")));
        calls.push(tokio::spawn(async move {
            let response = http.get(url).send().await.unwrap();
            (response.status(), response.text().await.unwrap())
        }));
    }
    for (i, call) in calls.into_iter().enumerate() {
        let (status, text) = call.await.unwrap();
        assert_eq!(status, 200);
        assert_eq!(text, format!("Hello, n{i}!\n"));
    }
    assert_eq!(burner.await.unwrap(), 504);
}
