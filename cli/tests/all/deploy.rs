//! Deploying, listing, redeploying, rolling back, deleting; surviving a restart.

use serde_json::{json, Value};

use crate::support::{example_bytes, Server};

#[tokio::test]
async fn deploy_hello_and_call_it_then_restart_keeps_it() {
    let server = Server::start().await;
    let token = server.developer_with_app("dev", "demo").await;
    let deployed = server.deploy_example(&token, "demo", "hello", "hello", "").await;
    assert_eq!(deployed["revision"], 1);
    assert_eq!(deployed["url"], server.at("/fn/demo/hello"));
    let response = server.http.get(server.at("/fn/demo/hello")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-updraft-invocation-id"));
    assert_eq!(response.text().await.unwrap(), "Hello, world!\n");

    let compiled = std::fs::read_dir(server.data_dir.join("compiled")).unwrap().count();
    let data_dir = server.data_dir.clone();
    let temp = server.stop();
    let server = Server::start_in(&data_dir, &[]).await;
    let response = server.http.get(server.at("/fn/demo/hello?name=again")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "Hello, again!\n");
    assert_eq!(std::fs::read_dir(server.data_dir.join("compiled")).unwrap().count(), compiled, "nothing recompiled");
    drop(temp);
}

#[tokio::test]
async fn redeploy_makes_revisions_and_rollback_restores_one() {
    let server = Server::start().await;
    let token = server.developer_with_app("dev", "demo").await;
    server.deploy_example(&token, "demo", "f", "hello", "timeout_ms=2000").await;
    let second = server.deploy_example(&token, "demo", "f", "echo", "").await;
    assert_eq!(second["revision"], 2);
    let body: Value = server.http.get(server.at("/fn/demo/f")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["method"], "GET", "revision 2 (echo) serves");

    let info: Value = server.http.get(server.at("/v1/apps/demo/functions/f")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(info["settings"]["timeout_ms"], 2000, "settings are inherited by a redeploy");

    let rolled = server
        .http
        .post(server.at("/v1/apps/demo/functions/f/rollback"))
        .bearer_auth(&token)
        .json(&json!({ "revision": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(rolled.status(), 200);
    let rolled: Value = rolled.json().await.unwrap();
    assert_eq!(rolled["revision"], 3);
    let text = server.http.get(server.at("/fn/demo/f")).send().await.unwrap().text().await.unwrap();
    assert_eq!(text, "Hello, world!\n");

    let revisions: Value = server.http.get(server.at("/v1/apps/demo/functions/f/revisions")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(revisions["revisions"].as_array().unwrap().len(), 3);
    let list: Value = server.http.get(server.at("/v1/apps/demo/functions")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["functions"][0]["function"], "f");

    let deleted = server.http.delete(server.at("/v1/apps/demo/functions/f")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(server.http.get(server.at("/fn/demo/f")).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn bad_modules_and_settings_are_refused_with_reasons() {
    let server = Server::start().await;
    let token = server.developer_with_app("dev", "demo").await;
    let cases: Vec<(Vec<u8>, &str, u16)> = vec![
        (b"definitely not wasm".to_vec(), "", 400),
        (wat::parse_str(r#"(module (memory (export "memory") 1))"#).unwrap(), "", 400),
        (wat::parse_str(r#"(module (import "env" "system" (func)) (memory (export "memory") 1)
            (func (export "updraft_alloc") (param i32) (result i32) i32.const 0)
            (func (export "updraft_handle") (param i32 i32) (result i64) i64.const 0))"#).unwrap(), "", 400),
        (example_bytes("hello"), "timeout_ms=0", 400),
        (example_bytes("hello"), "memory_mb=4096", 400),
        (example_bytes("hello"), "auth=public&roles=admin", 400),
        (example_bytes("hello"), "colour=blue", 400),
        (vec![0; 33 * 1024 * 1024], "", 413),
    ];
    for (wasm, query, expected) in cases {
        let (status, body) = server.deploy(&token, "demo", "f", wasm, query).await;
        assert_eq!(status, expected, "query {query:?}: {body}");
        assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    }
    let (status, _) = server.deploy(&token, "demo", "Bad_Name", example_bytes("hello"), "").await;
    assert_eq!(status, 400);
    let (status, _) = server.deploy(&token, "nope", "f", example_bytes("hello"), "").await;
    assert_eq!(status, 404);
    assert_eq!(server.http.get(server.at("/fn/demo/f")).send().await.unwrap().status(), 404, "nothing went live");
}

#[tokio::test]
async fn a_start_function_that_loops_is_rejected_at_deploy() {
    let server = Server::start().await;
    let token = server.developer_with_app("dev", "demo").await;
    let looping = wat::parse_str(
        r#"(module (memory (export "memory") 1)
            (func $spin (loop $l (br $l))) (start $spin)
            (func (export "updraft_alloc") (param i32) (result i32) i32.const 0)
            (func (export "updraft_handle") (param i32 i32) (result i64) i64.const 0))"#,
    )
    .unwrap();
    let started = std::time::Instant::now();
    let (status, body) = server.deploy(&token, "demo", "spin", looping, "timeout_ms=500").await;
    assert_eq!(status, 422, "{body}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[tokio::test]
async fn multipart_upload_with_manifest() {
    let server = Server::start().await;
    let token = server.developer_with_app("dev", "demo").await;
    let form = reqwest::multipart::Form::new()
        .part("module", reqwest::multipart::Part::bytes(example_bytes("echo")).file_name("echo.wasm"))
        .text("manifest", "version = 1\ntimeout_ms = 3000\n[env]\nGREETING = \"hi\"\n");
    let response = server
        .http
        .put(server.at("/v1/apps/demo/functions/echo"))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let info: Value = server.http.get(server.at("/v1/apps/demo/functions/echo")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(info["settings"]["timeout_ms"], 3000);
    assert_eq!(info["settings"]["env"]["GREETING"], "hi");
}

#[tokio::test]
async fn concurrent_deploys_of_one_name_each_get_a_whole_revision() {
    let server = Server::start().await;
    let token = server.developer_with_app("dev", "demo").await;
    let mut tasks = Vec::new();
    for example in ["hello", "echo", "logging", "hostile", "hello", "echo"] {
        let (http, url, token) = (server.http.clone(), server.at("/v1/apps/demo/functions/f"), token.clone());
        tasks.push(tokio::spawn(async move {
            let response = http.put(url).bearer_auth(token).header("content-type", "application/wasm").body(example_bytes(example)).send().await.unwrap();
            let status = response.status();
            let body = response.json::<Value>().await.unwrap();
            assert_eq!(status, 201, "{example}: {body}");
            body["revision"].as_u64().unwrap()
        }));
    }
    let mut revisions: Vec<u64> = Vec::new();
    for task in tasks {
        revisions.push(task.await.unwrap());
    }
    revisions.sort();
    assert_eq!(revisions, vec![1, 2, 3, 4, 5, 6]);
    let info: Value = server.http.get(server.at("/v1/apps/demo/functions/f")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(info["revision"], 6);
    // Every one of these modules answers a plain GET (hostile: 400 for a missing mode).
    let status = server.http.get(server.at("/fn/demo/f")).send().await.unwrap().status();
    assert!(status == 200 || status == 400, "{status}");
}
