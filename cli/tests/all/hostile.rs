//! Hostile guests fail cleanly while the platform keeps serving everyone else.

use std::time::{Duration, Instant};

use crate::support::Server;

#[tokio::test]
async fn every_kind_of_hostile_guest_gets_a_clean_status() {
    let server = Server::start().await;
    let token = server.developer_with_app("dev", "demo").await;
    server.deploy_example(&token, "demo", "hostile", "hostile", "timeout_ms=1000&memory_mb=32").await;
    server.deploy_example(&token, "demo", "hello", "hello", "").await;
    for (mode, expected) in [("panic", 502), ("bomb", 502), ("recurse", 502), ("loop", 504), ("sleep", 504), ("ok", 200)] {
        let started = Instant::now();
        let response = server.http.get(server.at(&format!("/fn/demo/hostile?mode={mode}"))).send().await.unwrap();
        assert_eq!(response.status(), expected, "mode {mode}");
        assert!(started.elapsed() < Duration::from_millis(1000 + 1500), "mode {mode} took {:?}", started.elapsed());
        let hello = server.http.get(server.at("/fn/demo/hello")).send().await.unwrap();
        assert_eq!(hello.status(), 200, "others keep being served after {mode}");
    }
}

#[tokio::test]
async fn a_guest_flooding_stdout_still_answers_and_its_log_is_capped() {
    let server = Server::start().await;
    let token = server.developer_with_app("dev", "demo").await;
    server.deploy_example(&token, "demo", "hostile", "hostile", "").await;
    let response = server.http.get(server.at("/fn/demo/hostile?mode=flood")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let id = response.headers()["x-updraft-invocation-id"].to_str().unwrap().to_owned();
    assert_eq!(response.text().await.unwrap(), "survived");
    let url = server.at(&format!("/v1/apps/demo/functions/hostile/logs?invocation={id}&limit=1000"));
    let mut total = 0;
    let mut marker = false;
    for _ in 0..50 {
        let logs: serde_json::Value = server.http.get(&url).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
        let lines = logs["logs"].as_array().unwrap();
        total = lines.iter().map(|l| l["message"].as_str().unwrap().len()).sum::<usize>();
        marker = lines.iter().any(|l| l["message"].as_str().unwrap().contains("log truncated"));
        if marker {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(marker, "a truncation marker is recorded");
    assert!(total <= 256 * 1024 + 1024, "{total} bytes kept");
}

/// Hand-written modules that break the ABI in ways the Rust SDK never would.
#[tokio::test]
async fn abi_violations_are_guest_errors() {
    let server = Server::start().await;
    let token = server.developer_with_app("dev", "demo").await;
    let module = |handle_body: &str| {
        wat::parse_str(format!(
            r#"(module (memory (export "memory") 1)
                (data (i32.const 100) "not messagepack at all")
                (func (export "updraft_alloc") (param i32) (result i32) i32.const 1024)
                (func (export "updraft_handle") (param i32 i32) (result i64) {handle_body}))"#
        ))
        .unwrap()
    };
    let cases = [
        ("oob", "(i64.const 0x0000fff000001000)"),
        ("huge", "(i64.const 0x00000000ffffffff)"),
        ("garbage", "(i64.or (i64.shl (i64.const 100) (i64.const 32)) (i64.const 22))"),
    ];
    for (name, body) in cases {
        let (status, deployed) = server.deploy(&token, "demo", name, module(body), "").await;
        assert_eq!(status, 201, "{deployed}");
        let response = server.http.get(server.at(&format!("/fn/demo/{name}"))).send().await.unwrap();
        assert_eq!(response.status(), 502, "{name}");
    }
}
