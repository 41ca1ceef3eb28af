//! `GET /v1/openapi.json`, checked against the running server by schemathesis: no 5xx,
//! and no status code the document does not list.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::Server;

/// `follow=true` on logs is a Server-Sent Events stream that never ends: leave it out.
const HOOKS: &str = r#"
import schemathesis


def streams(value):
    values = value if isinstance(value, (list, tuple)) else [value]
    return any(str(v).lower() == "true" for v in values)


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.query and streams(case.query.get("follow")):
        del case.query["follow"]
"#;

/// Path parameters naming the app and function that exist, so calls reach past the 404.
const EXISTING: &str = r#"
[parameters]
"path.app" = "demo"
"path.function" = "hello"
"#;

/// Runs `st run` against the server; returns whether it passed, and its output.
fn schemathesis(dir: &Path, server_url: &str, token: &str, config: Option<&str>, extra: &[&str]) -> (bool, String) {
    let hooks = dir.join("updraft_hooks.py");
    std::fs::write(&hooks, HOOKS).unwrap();
    let mut command = Command::new("st");
    // Its cache goes to the working directory: keep it out of the source tree.
    command.current_dir(dir).env("SCHEMATHESIS_HOOKS", &hooks).env("NO_COLOR", "1");
    if let Some(config) = config {
        let path = dir.join("schemathesis.toml");
        std::fs::write(&path, config).unwrap();
        command.arg("--config-file").arg(path);
    }
    command
        .args(["run", &format!("{server_url}/v1/openapi.json"), "--url", server_url])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--checks", "not_a_server_error,status_code_conformance"])
        .args(["--max-examples", "20", "--seed", "1", "--request-timeout", "30", "--workers", "1"])
        .arg("--report-dir")
        .arg(dir.join("report"))
        .args(extra);
    let output = command.output().expect("schemathesis (pip install schemathesis)");
    let text = format!("{}\n{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

#[tokio::test]
async fn the_server_conforms_to_its_openapi_document() {
    let server = Server::start().await;
    let token = server.developer_with_app("dev", "demo").await;
    server.deploy_example(&token, "demo", "hello", "hello", "").await;

    let response = server.http.get(server.at("/v1/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let document: Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    assert!(document["paths"]["/v1/apps/{app}/functions/{function}"]["put"].is_object());

    let dir = tempfile::tempdir().unwrap();
    let url = server.url.clone();
    let (existing, everything) = tokio::task::spawn_blocking(move || {
        // First against the existing app and function (deletes left out, so they stay);
        // then every operation with generated names, deletes included.
        let existing = schemathesis(dir.path(), &url, &token, Some(EXISTING), &["--exclude-method", "DELETE"]);
        let everything = schemathesis(dir.path(), &url, &token, None, &[]);
        (existing, everything)
    })
    .await
    .unwrap();
    assert!(existing.0, "schemathesis found problems (existing app and function):\n{}", existing.1);
    assert!(everything.0, "schemathesis found problems:\n{}", everything.1);
}
