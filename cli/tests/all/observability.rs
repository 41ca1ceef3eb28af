//! `/metrics` (parsed by the reference Prometheus parser) and per-function stats.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::Server;

fn parse(text: &str) -> Value {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/parse_metrics.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 with prometheus-client (pip install prometheus-client)");
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "the Prometheus parser rejected the exposition:\n{text}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn sample(families: &Value, family: &str, sample: &str, labels: &[(&str, &str)]) -> Option<f64> {
    families[family].as_array()?.iter().find_map(|s| {
        let matches = s[0] == sample && labels.iter().all(|(k, v)| s[1][k] == *v);
        if matches { s[2].as_f64() } else { None }
    })
}

#[tokio::test]
async fn metrics_count_invocations_and_parse_as_prometheus_text() {
    let server = Server::start().await;
    let admin = server.developer_with_app("admin", "demo").await;
    server.deploy_example(&admin, "demo", "hello", "hello", "").await;
    server.deploy_example(&admin, "demo", "bad", "hostile", "").await;
    for _ in 0..3 {
        assert_eq!(server.http.get(server.at("/fn/demo/hello")).send().await.unwrap().status(), 200);
    }
    assert_eq!(server.http.get(server.at("/fn/demo/bad?mode=panic")).send().await.unwrap().status(), 502);

    assert_eq!(server.http.get(server.at("/metrics")).send().await.unwrap().status(), 401);
    let other = server.developer("other").await;
    assert_eq!(server.http.get(server.at("/metrics")).bearer_auth(&other).send().await.unwrap().status(), 403);
    let text = server.http.get(server.at("/metrics")).bearer_auth(&admin).send().await.unwrap().text().await.unwrap();
    let families = parse(&text);
    let hello = [("app", "demo"), ("function", "hello"), ("status", "200")];
    assert_eq!(sample(&families, "updraft_invocations", "updraft_invocations_total", &hello), Some(3.0));
    let failed = [("app", "demo"), ("function", "bad"), ("status", "502")];
    assert_eq!(sample(&families, "updraft_invocations", "updraft_invocations_total", &failed), Some(1.0));
    let count = sample(&families, "updraft_invocation_duration_seconds", "updraft_invocation_duration_seconds_count", &hello[..2]);
    assert_eq!(count, Some(3.0));
    assert_eq!(sample(&families, "updraft_cold_starts", "updraft_cold_starts_total", &hello[..2]), None, "deploy warmed it");
    assert!(sample(&families, "updraft_queue_depth", "updraft_queue_depth", &hello[..2]).is_some());
    for family in ["updraft_function_instances", "updraft_machines", "updraft_mail_outbox", "updraft_dead_letters"] {
        assert!(families.get(family).is_some(), "{family} is exposed");
    }

    let stats: Value = server.http.get(server.at("/v1/apps/demo/functions/hello/stats")).bearer_auth(&admin).send().await.unwrap().json().await.unwrap();
    assert_eq!(stats["calls"], 3);
    assert_eq!(server.http.get(server.at("/v1/apps/demo/functions/hello/stats")).bearer_auth(&other).send().await.unwrap().status(), 404);

    // After a restart the module is loaded (from the compiled cache) by its first call.
    let data_dir = server.data_dir.clone();
    let _keep = server.stop();
    let server = Server::start_in(&data_dir, &[]).await;
    assert_eq!(server.http.get(server.at("/fn/demo/hello")).send().await.unwrap().status(), 200);
    let text = server.http.get(server.at("/metrics")).bearer_auth(&admin).send().await.unwrap().text().await.unwrap();
    let families = parse(&text);
    assert_eq!(sample(&families, "updraft_cold_starts", "updraft_cold_starts_total", &hello[..2]), Some(1.0));
}
