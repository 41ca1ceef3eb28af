//! Developer accounts, tokens and tenant isolation.

use serde_json::{json, Value};

use crate::support::Server;

#[tokio::test]
async fn routes_need_a_valid_developer_token() {
    let server = Server::start().await;
    let token = server.developer("dev").await;
    let without = server.http.get(server.at("/v1/apps")).send().await.unwrap();
    assert_eq!(without.status(), 401);
    let body: Value = without.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthenticated");
    let garbage = server.http.get(server.at("/v1/apps")).bearer_auth("not.a.token").send().await.unwrap();
    assert_eq!(garbage.status(), 401);
    let mut tampered = token.clone();
    tampered.pop();
    assert_eq!(server.http.get(server.at("/v1/apps")).bearer_auth(&tampered).send().await.unwrap().status(), 401);
    assert_eq!(server.http.get(server.at("/v1/apps")).bearer_auth(&token).send().await.unwrap().status(), 200);

    let wrong = server.http.post(server.at("/v1/tokens")).json(&json!({ "username": "dev", "password": "wrong password" })).send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let short = server.http.post(server.at("/v1/accounts")).json(&json!({ "username": "x", "password": "short" })).send().await.unwrap();
    assert_eq!(short.status(), 400);
    let dup = server.http.post(server.at("/v1/accounts")).json(&json!({ "username": "dev", "password": "another password" })).send().await.unwrap();
    assert_eq!(dup.status(), 409);
}

#[tokio::test]
async fn another_developers_app_is_invisible() {
    let server = Server::start().await;
    let alice = server.developer_with_app("alice", "shop").await;
    server.deploy_example(&alice, "shop", "hello", "hello", "").await;
    let mallory = server.developer("mallory").await;
    for (method, path) in [
        ("GET", "/v1/apps/shop"),
        ("GET", "/v1/apps/shop/functions"),
        ("GET", "/v1/apps/shop/functions/hello"),
        ("GET", "/v1/apps/shop/functions/hello/logs"),
        ("DELETE", "/v1/apps/shop/functions/hello"),
        ("DELETE", "/v1/apps/shop"),
    ] {
        let request = server.http.request(method.parse().unwrap(), server.at(path)).bearer_auth(&mallory);
        assert_eq!(request.send().await.unwrap().status(), 404, "{method} {path}");
    }
    let (status, _) = server.deploy(&mallory, "shop", "hello", crate::support::example_bytes("echo"), "").await;
    assert_eq!(status, 404);
    let taken = server.http.post(server.at("/v1/apps")).bearer_auth(&mallory).json(&json!({ "name": "shop" })).send().await.unwrap();
    assert_eq!(taken.status(), 409);
    let listed: Value = server.http.get(server.at("/v1/apps")).bearer_auth(&mallory).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["apps"], json!([]));
    assert_eq!(server.http.get(server.at("/fn/shop/hello")).send().await.unwrap().text().await.unwrap(), "Hello, world!\n");
}

#[tokio::test]
async fn bad_names_are_refused() {
    let server = Server::start().await;
    let token = server.developer("dev").await;
    for name in ["", "Caps", "1digit", "under_score", &"x".repeat(64)] {
        let response = server.http.post(server.at("/v1/apps")).bearer_auth(&token).json(&json!({ "name": name })).send().await.unwrap();
        assert_eq!(response.status(), 400, "{name:?}");
    }
}

#[tokio::test]
async fn the_first_account_is_admin_and_closed_signup_holds() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_in(dir.path(), &["--closed-signup"]).await;
    let admin = server.developer("admin").await;
    let open = server.http.post(server.at("/v1/accounts")).json(&json!({ "username": "eve", "password": "long enough pw" })).send().await.unwrap();
    assert_eq!(open.status(), 401);
    let by_admin = server.http.post(server.at("/v1/accounts")).bearer_auth(&admin).json(&json!({ "username": "bob", "password": "long enough pw" })).send().await.unwrap();
    assert_eq!(by_admin.status(), 201);
    let listed: Value = server.http.get(server.at("/v1/accounts")).bearer_auth(&admin).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["accounts"].as_array().unwrap().len(), 2);
    let bob = server.http.post(server.at("/v1/tokens")).json(&json!({ "username": "bob", "password": "long enough pw" })).send().await.unwrap();
    let bob: Value = bob.json().await.unwrap();
    let bob = bob["token"].as_str().unwrap();
    assert_eq!(server.http.get(server.at("/v1/accounts")).bearer_auth(bob).send().await.unwrap().status(), 403);
    assert_eq!(server.http.delete(server.at("/v1/accounts/bob")).bearer_auth(&admin).send().await.unwrap().status(), 204);
    assert_eq!(server.http.get(server.at("/v1/apps")).bearer_auth(bob).send().await.unwrap().status(), 401, "a removed account's token stops working");
}
