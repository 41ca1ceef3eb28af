//! Mail through a real SMTP server on loopback.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{free_port, Server, SmtpSink};

async fn contact(server: &Server, name: &str, message: &str) -> (u16, Value) {
    let body = json!({ "name": name, "email": "visitor@example.com", "message": message });
    let response = server.http.post(server.at("/fn/site/contact")).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn deployed(extra: &[&str]) -> (Server, String) {
    let server = Server::start_with(extra).await;
    let dev = server.developer_with_app("dev", "site").await;
    let (status, body) = server
        .deploy(&dev, "site", "contact", crate::support::example_bytes("contact"), "")
        .await;
    assert_eq!(status, 201, "{body}");
    (server, dev)
}

#[tokio::test]
async fn contact_form_mail_arrives_with_its_fields_and_no_injected_recipient() {
    let sink = SmtpSink::start(free_port());
    let url = sink.url();
    let (server, dev) = deployed(&["--smtp-url", &url, "--mail-from", "Site <site@example.com>"]).await;
    let (status, body) = contact(&server, "Ada\r\nBcc: evil@attacker.test", "Hello there\r\nBcc: evil2@attacker.test").await;
    assert_eq!(status, 202, "{body}");
    let received = Server::eventually(Duration::from_secs(20), || async {
        let got = sink.received();
        (!got.is_empty()).then_some(got)
    })
    .await
    .expect("the mail arrived");
    assert_eq!(received.len(), 1);
    let mail = &received[0];
    assert_eq!(mail["mail_from"], "site@example.com");
    assert_eq!(mail["rcpt_tos"], json!(["owner@example.com"]), "exactly the configured recipient");
    let data = mail["data"].as_str().unwrap();
    assert!(data.contains("From: Site <site@example.com>"), "{data}");
    assert!(data.contains("Subject: Contact from Ada"), "{data}");
    assert!(data.contains("Hello there"), "{data}");
    let headers = data.split("\r\n\r\n").next().unwrap().replace("\r\n", "\n");
    let headers = headers.split("\n\n").next().unwrap();
    assert!(!headers.to_lowercase().lines().any(|l| l.starts_with("bcc:")), "no injected header: {headers}");

    let sent: Value = server.http.get(server.at("/v1/apps/site/mail?status=sent")).bearer_auth(&dev).send().await.unwrap().json().await.unwrap();
    assert_eq!(sent["mail"].as_array().unwrap().len(), 1);
    let mallory = server.developer("mallory").await;
    let peek = server.http.get(server.at("/v1/apps/site/mail")).bearer_auth(&mallory).send().await.unwrap();
    assert_eq!(peek.status(), 404);
}

#[tokio::test]
async fn with_the_relay_down_send_returns_fast_and_the_mail_arrives_once_it_is_back() {
    let port = free_port();
    let url = format!("smtp://127.0.0.1:{port}");
    let (server, dev) = deployed(&["--smtp-url", &url, "--mail-max-backoff-ms", "500"]).await;
    let started = Instant::now();
    let (status, body) = contact(&server, "Bea", "Are you there?").await;
    assert_eq!(status, 202, "{body}");
    assert!(started.elapsed() < Duration::from_secs(2), "send does not wait for the relay");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let queued: Value = server.http.get(server.at("/v1/apps/site/mail?status=queued")).bearer_auth(&dev).send().await.unwrap().json().await.unwrap();
    let queued = &queued["mail"][0];
    assert!(queued["attempts"].as_u64().unwrap() >= 1, "{queued}");
    assert!(queued["last_error"].is_string());

    let sink = SmtpSink::start(port);
    let received = Server::eventually(Duration::from_secs(20), || async {
        let got = sink.received();
        (!got.is_empty()).then_some(got)
    })
    .await
    .expect("the mail arrived after the relay came back");
    assert_eq!(received.len(), 1);
    assert!(received[0]["data"].as_str().unwrap().contains("Are you there?"));
}

#[tokio::test]
async fn mail_is_rate_limited_per_function() {
    let sink = SmtpSink::start(free_port());
    let url = sink.url();
    let (server, _) = deployed(&["--smtp-url", &url]).await;
    let mut statuses = Vec::new();
    for i in 0..61 {
        statuses.push(contact(&server, "Cy", &format!("message {i}")).await.0);
    }
    assert!(statuses[..60].iter().all(|s| *s == 202), "{statuses:?}");
    assert_eq!(statuses[60], 429);
}
