//! The cluster across a RabbitMQ restart. This restarts the shared broker node, so it is
//! its own test binary (cargo runs test binaries one at a time) with a single test.

#[allow(dead_code)]
#[path = "all/support.rs"]
mod support;

#[allow(dead_code)]
#[path = "all/cluster_support.rs"]
mod cluster_support;

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::Value;

use cluster_support::Cluster;
use support::Server;

fn rabbitmqctl(action: &str) {
    updraft_broker::scratch_vhost::rabbitmqctl(&[action]).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepted_async_calls_all_complete_across_a_broker_restart_and_sync_recovers() {
    let cluster = Cluster::start(2).await;
    let server = &cluster.gateway;
    let dev = server.developer_with_app("dev", "demo").await;
    server.deploy_example(&dev, "demo", "hello", "hello", "").await;
    cluster.until_served("/fn/demo/hello").await;

    let (http, base) = (server.http.clone(), server.url.clone());
    let firing = tokio::spawn(async move {
        futures::stream::iter(0..400)
            .map(|i| {
                let (http, url) = (http.clone(), format!("{base}/fn/demo/hello?name=a{i}"));
                async move {
                    tokio::time::sleep(Duration::from_millis(10 * i)).await;
                    let response = http.post(url).header("prefer", "respond-async").send().await.ok()?;
                    if response.status() != 202 {
                        assert_eq!(response.status(), 503, "a call is either accepted or refused as unavailable");
                        return None;
                    }
                    let body: Value = response.json().await.ok()?;
                    Some((i, body["invocation_id"].as_str()?.to_owned()))
                }
            })
            .buffer_unordered(32)
            .filter_map(|x| async move { x })
            .collect::<Vec<_>>()
            .await
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    rabbitmqctl("stop_app");
    let down_call = server.http.get(server.at("/fn/demo/hello")).send().await.unwrap();
    assert_eq!(down_call.status(), 503, "sync calls fail fast while the broker is gone");
    assert!(down_call.headers().contains_key("retry-after"));
    tokio::time::sleep(Duration::from_secs(2)).await;
    rabbitmqctl("start_app");
    let back = Instant::now();

    let accepted = firing.await.unwrap();
    assert!(accepted.len() > 100, "most calls were accepted ({})", accepted.len());
    let sync_again = Server::eventually(Duration::from_secs(30), || async {
        let response = server.http.get(server.at("/fn/demo/hello")).send().await.ok()?;
        (response.status() == 200).then_some(back.elapsed())
    })
    .await
    .expect("sync calls work again without restarting anything");
    eprintln!("sync calls answered again {sync_again:?} after the broker came back");

    for (i, id) in accepted {
        let url = server.at(&format!("/v1/invocations/{id}"));
        let done = Server::eventually(Duration::from_secs(60), || async {
            let body: Value = server.http.get(&url).send().await.ok()?.json().await.ok()?;
            (body["status"] == "succeeded").then_some(body)
        })
        .await
        .unwrap_or_else(|| panic!("accepted call {i} ({id}) never completed"));
        assert_eq!(done["result"]["body"], format!("Hello, a{i}!\n"));
    }
}
