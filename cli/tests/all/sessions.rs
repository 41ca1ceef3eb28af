//! App users, light sessions and roles, through real HTTP: what gets in and what never does.

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::support::Server;

async fn profile(server: &Server, token: Option<&str>) -> reqwest::Response {
    let mut request = server.http.get(server.at("/fn/shop/profile"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn signed_in_users_reach_auth_user_functions_and_sessions_keep_data() {
    let server = Server::start().await;
    let dev = server.developer_with_app("dev", "shop").await;
    server.deploy_example(&dev, "shop", "profile", "profile", "auth=user").await;
    assert_eq!(profile(&server, None).await.status(), 401);
    let ada = server.app_user("shop", "ada").await;

    let first: Value = profile(&server, Some(&ada)).await.json().await.unwrap();
    assert_eq!(first["user"]["app"], "shop");
    assert_eq!(first["visits"], 1);
    let second: Value = profile(&server, Some(&ada)).await.json().await.unwrap();
    assert_eq!(second["visits"], 2, "session data persists between calls");
    let posted = server.http.post(server.at("/fn/shop/profile")).bearer_auth(&ada).json(&json!({ "nickname": "Countess" })).send().await.unwrap();
    assert_eq!(posted.status(), 200);
    let third: Value = profile(&server, Some(&ada)).await.json().await.unwrap();
    assert_eq!(third["nickname"], "Countess");

    // Another session of the same user starts with fresh session data.
    let again = server.http.post(server.at("/v1/apps/shop/sessions")).json(&json!({ "username": "ada", "password": "user password 1" })).send().await.unwrap();
    let again: Value = again.json().await.unwrap();
    let other: Value = profile(&server, again["token"].as_str()).await.json().await.unwrap();
    assert_eq!(other["visits"], 1);

    let logout = server.http.delete(server.at("/v1/apps/shop/sessions/current")).bearer_auth(&ada).send().await.unwrap();
    assert_eq!(logout.status(), 204);
    assert_eq!(profile(&server, Some(&ada)).await.status(), 401, "a token stops working at logout");
    assert_eq!(profile(&server, again["token"].as_str()).await.status(), 200, "other sessions live on");
}

#[tokio::test]
async fn roles_admit_only_holders_and_changes_apply_at_once() {
    let server = Server::start().await;
    let dev = server.developer_with_app("dev", "shop").await;
    server.deploy_example(&dev, "shop", "admin", "echo", "auth=user&roles=admin,ops").await;
    let bob = server.app_user("shop", "bob").await;
    let call = || server.http.get(server.at("/fn/shop/admin")).bearer_auth(&bob).send();
    assert_eq!(call().await.unwrap().status(), 403);
    let grant = server.http.put(server.at("/v1/apps/shop/users/bob/roles")).bearer_auth(&dev).json(&json!(["ops"])).send().await.unwrap();
    assert_eq!(grant.status(), 200);
    let allowed = call().await.unwrap();
    assert_eq!(allowed.status(), 200);
    let echoed: Value = allowed.json().await.unwrap();
    assert!(echoed["headers"].get("authorization").is_none(), "the platform consumes the token");
    server.http.put(server.at("/v1/apps/shop/users/bob/roles")).bearer_auth(&dev).json(&json!([])).send().await.unwrap();
    assert_eq!(call().await.unwrap().status(), 403);

    let mallory = server.developer("mallory").await;
    let stolen = server.http.put(server.at("/v1/apps/shop/users/bob/roles")).bearer_auth(&mallory).json(&json!(["admin"])).send().await.unwrap();
    assert_eq!(stolen.status(), 404, "another developer cannot touch this app's users");
    let listed = server.http.get(server.at("/v1/apps/shop/users")).bearer_auth(&mallory).send().await.unwrap();
    assert_eq!(listed.status(), 404);
}

fn secret(server: &Server) -> Vec<u8> {
    std::fs::read(server.data_dir.join("token-secret")).unwrap()
}

fn claims(sub: &str, aud: &str, sid: &str, iat: i64, nbf: i64, exp: i64) -> Value {
    json!({ "iss": "updraft", "aud": aud, "sub": sub, "iat": iat, "nbf": nbf, "exp": exp, "sid": sid })
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test]
async fn forged_expired_foreign_and_revoked_tokens_are_refused() {
    let server = Server::start().await;
    let dev = server.developer_with_app("dev", "shop").await;
    server.deploy_example(&dev, "shop", "profile", "profile", "auth=user").await;
    let ada = server.app_user("shop", "ada").await;
    assert_eq!(profile(&server, Some(&ada)).await.status(), 200);

    // Take the real token apart to reuse its subject and session id.
    let payload: Value = {
        use base64::Engine;
        let part = ada.split('.').nth(1).unwrap();
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    };
    let (sub, sid) = (payload["sub"].as_str().unwrap(), payload["sid"].as_str().unwrap());
    let now = payload["iat"].as_i64().unwrap();
    let key = EncodingKey::from_secret(&secret(&server));
    let sign = |alg: Algorithm, claims: &Value| encode(&Header::new(alg), claims, &key).unwrap();
    let good = claims(sub, "app:shop", sid, now, now, now + 600);

    let header_none = b64(br#"{"alg":"none","typ":"JWT"}"#);
    let unsigned = format!("{header_none}.{}.", b64(good.to_string().as_bytes()));
    let mut tampered_claims = good.clone();
    tampered_claims["sub"] = json!("someone-else");
    let real_signature = ada.rsplit('.').next().unwrap();
    let tampered = format!("{}.{}.{real_signature}", ada.split('.').next().unwrap(), b64(tampered_claims.to_string().as_bytes()));
    let other_key = encode(&Header::new(Algorithm::HS256), &good, &EncodingKey::from_secret(&[9; 32])).unwrap();

    let developer_token = dev.clone();
    let cases: Vec<(&str, String)> = vec![
        ("alg=none", unsigned),
        ("HS512 with the right key", sign(Algorithm::HS512, &good)),
        ("another key", other_key),
        ("tampered payload", tampered),
        ("truncated", ada[..ada.len() - 5].to_owned()),
        ("garbage", "garbage".to_owned()),
        ("expired", sign(Algorithm::HS256, &claims(sub, "app:shop", sid, now - 7200, now - 7200, now - 3600))),
        ("not yet valid", sign(Algorithm::HS256, &claims(sub, "app:shop", sid, now, now + 3600, now + 7200))),
        ("another app", sign(Algorithm::HS256, &claims(sub, "app:other", sid, now, now, now + 600))),
        ("developer token", developer_token),
        ("unknown session", sign(Algorithm::HS256, &claims(sub, "app:shop", "00000000000000000000000000000000", now, now, now + 600))),
    ];
    for (name, token) in &cases {
        assert_eq!(profile(&server, Some(token)).await.status(), 401, "{name}");
    }
    assert_eq!(profile(&server, Some(&sign(Algorithm::HS256, &good))).await.status(), 200, "a well-formed token passes");
    server.http.delete(server.at("/v1/apps/shop/sessions/current")).bearer_auth(&ada).send().await.unwrap();
    assert_eq!(profile(&server, Some(&sign(Algorithm::HS256, &good))).await.status(), 401, "after logout");
}

#[tokio::test]
async fn brute_force_on_sign_in_is_slowed() {
    let server = Server::start().await;
    server.developer_with_app("dev", "shop").await;
    server.app_user("shop", "ada").await;
    let attempt = |password: &'static str| {
        server.http.post(server.at("/v1/apps/shop/sessions")).json(&json!({ "username": "ada", "password": password })).send()
    };
    for _ in 0..10 {
        assert_eq!(attempt("wrong password").await.unwrap().status(), 401);
    }
    assert_eq!(attempt("wrong password").await.unwrap().status(), 429);
    assert_eq!(attempt("user password 1").await.unwrap().status(), 429, "even the right password waits out the window");
}
