//! The web console, driven in headless Chromium by `tests/console.py` (Selenium).

use std::process::Command;

use crate::support::Server;

#[tokio::test]
async fn console_signs_in_invokes_and_shows_stats_and_live_logs() {
    let server = Server::start().await;
    let token = server.developer_with_app("dev", "demo").await;
    server.deploy_example(&token, "demo", "hello", "hello", "").await;

    let page = server.http.get(server.at("/console")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let policy = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(policy.starts_with("default-src 'self'"), "{policy}");
    for asset in ["/console/console.js", "/console/console.css"] {
        let response = server.http.get(server.at(asset)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{asset}");
    }

    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/console.py");
    let url = server.url.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .arg(script)
            .args([url.as_str(), "dev", "correct horse battery", "demo", "hello"])
            .output()
            .expect("python3 with selenium (pip install selenium), chromium and chromedriver")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the console test failed:\n{stdout}\n{stderr}");
}
