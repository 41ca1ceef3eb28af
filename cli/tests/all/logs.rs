//! Following a function's logs as Server-Sent Events.

use std::time::Duration;

use futures::StreamExt;

use crate::support::Server;

#[tokio::test]
async fn follow_streams_new_log_lines() {
    let server = Server::start().await;
    let dev = server.developer_with_app("dev", "demo").await;
    server.deploy_example(&dev, "demo", "logging", "logging", "").await;
    let stream = server
        .http
        .get(server.at("/v1/apps/demo/functions/logging/logs?follow=true&level=warn"))
        .bearer_auth(&dev)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert!(stream.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    server.http.get(server.at("/fn/demo/logging")).send().await.unwrap();
    let mut body = stream.bytes_stream();
    let mut seen = String::new();
    let found = tokio::time::timeout(Duration::from_secs(15), async {
        while let Some(chunk) = body.next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
            if seen.contains("event: log") && seen.contains("\"level\":\"error\"") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true), "{seen}");
    assert!(!seen.contains("\"level\":\"info\""), "the level filter applies: {seen}");
}
