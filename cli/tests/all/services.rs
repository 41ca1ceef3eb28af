//! Key-value data and calls between functions, through real HTTP.

use serde_json::Value;

use crate::support::Server;

async fn json(server: &Server, path: &str) -> (u16, Value) {
    let response = server.http.get(server.at(path)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn counters_count_per_app_and_apps_never_share_data() {
    let server = Server::start().await;
    let alice = server.developer_with_app("alice", "one").await;
    let bob = server.developer_with_app("bob", "two").await;
    server.deploy_example(&alice, "one", "counter", "counter", "").await;
    server.deploy_example(&bob, "two", "counter", "counter", "").await;
    for expected in 1..=3 {
        assert_eq!(json(&server, "/fn/one/counter").await.1["count"], expected);
    }
    assert_eq!(json(&server, "/fn/two/counter").await.1["count"], 1, "app two has its own space");
    let (_, keys) = json(&server, "/fn/one/counter/list?prefix=co").await;
    assert_eq!(keys, serde_json::json!(["count"]));
    assert_eq!(json(&server, "/fn/one/counter?reset").await.1["count"], 0);
    assert_eq!(json(&server, "/fn/one/counter").await.1["count"], 1);
}

#[tokio::test]
async fn functions_call_functions_of_their_own_app() {
    let server = Server::start().await;
    let dev = server.developer_with_app("dev", "demo").await;
    server.deploy_example(&dev, "demo", "hello", "hello", "").await;
    server.deploy_example(&dev, "demo", "caller", "caller", "").await;
    server.deploy_example(&dev, "demo", "private", "hello", "auth=user").await;
    let (status, body) = json(&server, "/fn/demo/caller?name=Bea").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["callee_status"], 200);
    assert_eq!(body["callee_body"], "Hello, Bea!\n");

    let (status, body) = json(&server, "/fn/demo/caller?target=nope").await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = json(&server, "/fn/demo/caller?target=private").await;
    assert_eq!(status, 401, "an anonymous caller cannot reach an auth=user callee: {body}");

    let started = std::time::Instant::now();
    let (status, body) = json(&server, "/fn/demo/caller?loop").await;
    assert_eq!(status, 403, "the depth limit stops a call loop: {body}");
    assert!(body.to_string().contains("depth"), "{body}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));

    // Another app's function is out of reach.
    let other = server.developer_with_app("other", "elsewhere").await;
    server.deploy_example(&other, "elsewhere", "secret", "hello", "").await;
    let (status, _) = json(&server, "/fn/demo/caller?target=secret").await;
    assert_eq!(status, 404);
}
