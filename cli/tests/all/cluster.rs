//! Cluster mode: gateway, scheduler and workers as separate processes over RabbitMQ.

use std::time::Duration;

use serde_json::Value;

use crate::cluster_support::Cluster;
use crate::support::Server;

async fn async_status(cluster: &Cluster, id: &str, until: &[&str], timeout: Duration) -> Value {
    let url = cluster.gateway.at(&format!("/v1/invocations/{id}"));
    let http = cluster.gateway.http.clone();
    Server::eventually(timeout, || {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let body: Value = http.get(url).send().await.ok()?.json().await.ok()?;
            until.contains(&body["status"].as_str()?).then_some(body)
        }
    })
    .await
    .unwrap_or_else(|| panic!("invocation {id} never reached {until:?}"))
}

async fn call_async(cluster: &Cluster, path: &str) -> String {
    let response = cluster.gateway.http.post(cluster.gateway.at(path)).header("prefer", "respond-async").send().await.unwrap();
    assert_eq!(response.status(), 202);
    assert_eq!(response.headers()["preference-applied"], "respond-async");
    let body: Value = response.json().await.unwrap();
    body["invocation_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn sync_async_services_and_logs_work_across_processes() {
    let cluster = Cluster::start(2).await;
    let server = &cluster.gateway;
    let dev = server.developer_with_app("dev", "demo").await;
    for (name, example) in [("hello", "hello"), ("counter", "counter"), ("caller", "caller"), ("logging", "logging")] {
        server.deploy_example(&dev, "demo", name, example, "").await;
    }
    cluster.until_served("/fn/demo/hello").await;
    let text = server.http.get(server.at("/fn/demo/hello?name=cluster")).send().await.unwrap().text().await.unwrap();
    assert_eq!(text, "Hello, cluster!\n");

    // kv through the services RPC, from whichever worker runs it.
    for expected in 1..=4 {
        let body: Value = server.http.get(server.at("/fn/demo/counter")).send().await.unwrap().json().await.unwrap();
        assert_eq!(body["count"], expected);
    }
    // fn.call: worker -> gateway -> broker -> worker.
    let body: Value = server.http.get(server.at("/fn/demo/caller?name=Ivy")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["callee_body"], "Hello, Ivy!\n");

    let id = call_async(&cluster, "/fn/demo/hello?name=later").await;
    let done = async_status(&cluster, &id, &["succeeded"], Duration::from_secs(20)).await;
    assert_eq!(done["result"]["body"], "Hello, later!\n");

    // Logs travel over updraft.logs to the gateway's store.
    let called = server.http.get(server.at("/fn/demo/logging")).send().await.unwrap();
    let id = called.headers()["x-updraft-invocation-id"].to_str().unwrap().to_owned();
    let url = server.at(&format!("/v1/apps/demo/functions/logging/logs?invocation={id}"));
    let logged = Server::eventually(Duration::from_secs(15), || async {
        let logs: Value = server.http.get(&url).bearer_auth(&dev).send().await.ok()?.json().await.ok()?;
        (logs["logs"].as_array()?.len() >= 7).then_some(())
    })
    .await;
    assert!(logged.is_some(), "the worker's logs reached the gateway");
}

#[tokio::test]
async fn an_always_trapping_async_call_is_retried_then_dead_lettered_and_replayable() {
    let cluster = Cluster::start(1).await;
    let server = &cluster.gateway;
    let dev = server.developer_with_app("dev", "demo").await;
    server.deploy_example(&dev, "demo", "job", "hostile", "").await;
    cluster.until_served("/fn/demo/job?mode=ok").await;
    let started = std::time::Instant::now();
    let id = call_async(&cluster, "/fn/demo/job?mode=panic").await;
    let dead = async_status(&cluster, &id, &["dead_lettered"], Duration::from_secs(40)).await;
    assert_eq!(dead["attempts"], 3);
    assert!(started.elapsed() >= Duration::from_secs(6), "backoff 1 s then 5 s: no hot loop");
    let letters: Value = server.http.get(server.at("/v1/apps/demo/functions/job/deadletters")).bearer_auth(&dev).send().await.unwrap().json().await.unwrap();
    assert_eq!(letters["deadletters"][0]["invocation_id"], id.as_str());

    // Fix the function, then replay: the dead letter runs on the new revision.
    server.deploy_example(&dev, "demo", "job", "hello", "").await;
    let replay = server.http.post(server.at(&format!("/v1/apps/demo/functions/job/deadletters/{id}/replay"))).bearer_auth(&dev).send().await.unwrap();
    assert_eq!(replay.status(), 202);
    let done = async_status(&cluster, &id, &["succeeded"], Duration::from_secs(20)).await;
    assert_eq!(done["result"]["status"], 200);
    let letters: Value = server.http.get(server.at("/v1/apps/demo/functions/job/deadletters")).bearer_auth(&dev).send().await.unwrap().json().await.unwrap();
    assert_eq!(letters["deadletters"], serde_json::json!([]));
}

#[tokio::test]
async fn a_worker_killed_under_load_loses_no_call() {
    let mut cluster = Cluster::start(2).await;
    let dev = cluster.gateway.developer_with_app("dev", "demo").await;
    cluster.gateway.deploy_example(&dev, "demo", "hello", "hello", "timeout_ms=30000").await;
    cluster.until_served("/fn/demo/hello").await;
    // Both workers must hold grants before the kill matters.
    tokio::time::sleep(Duration::from_secs(2)).await;

    let total = 3000;
    let (http, base) = (cluster.gateway.http.clone(), cluster.gateway.url.clone());
    let load = tokio::spawn(async move {
        use futures::StreamExt;
        futures::stream::iter(0..total)
            .map(|i| {
                let (http, url) = (http.clone(), format!("{base}/fn/demo/hello?name=n{i}"));
                async move {
                    let response = http.get(url).send().await.unwrap();
                    (i, response.status().as_u16(), response.text().await.unwrap())
                }
            })
            .buffer_unordered(64)
            .collect::<Vec<_>>()
            .await
    });
    tokio::time::sleep(Duration::from_millis(700)).await;
    cluster.workers[0].kill();
    let results = load.await.unwrap();
    assert_eq!(results.len(), total);
    for (i, status, text) in results {
        assert_eq!(status, 200, "call {i}: {text}");
        assert_eq!(text, format!("Hello, n{i}!\n"), "call {i} got its own answer");
    }
}

#[tokio::test]
async fn a_worker_runs_as_many_calls_at_once_as_its_grant_once_the_grant_grows() {
    let cluster = Cluster::start(1).await;
    let dev = cluster.gateway.developer_with_app("dev", "demo").await;
    let settings = "concurrency=1&min_instances=1&max_instances=4&timeout_ms=30000";
    cluster.gateway.deploy_example(&dev, "demo", "napper", "hostile", settings).await;
    cluster.until_served("/fn/demo/napper?mode=ok").await;
    // Four callers, each calling again as soon as it is answered: demand grows the
    // function from one instance to four, all on the one worker, whose grant grows from
    // one slot to four. Then the worker runs four calls at once, as its heartbeat says.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let url = cluster.gateway.at("/fn/demo/napper?mode=nap&ms=1000");
    let callers: Vec<_> = (0..4)
        .map(|_| {
            let (http, url, stop) = (cluster.gateway.http.clone(), url.clone(), stop.clone());
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    statuses.push(http.get(url.clone()).send().await.map(|r| r.status().as_u16()).unwrap_or(0));
                }
                statuses
            })
        })
        .collect();
    let seen = std::sync::Mutex::new(Vec::new());
    let four_at_once = Server::eventually(Duration::from_secs(90), || async {
        let view: Value =
            cluster.gateway.http.get(cluster.gateway.at("/v1/scaling/decisions")).bearer_auth(&dev).send().await.ok()?.json().await.ok()?;
        let function = view["functions"].as_array()?.iter().find(|f| f["function"]["function"] == "napper")?.clone();
        let (instances, in_flight) = (function["instances"].as_u64()?, function["in_flight"].as_u64()?);
        seen.lock().unwrap().push((instances, in_flight));
        (instances == 4 && in_flight == 4).then_some(())
    })
    .await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for caller in callers {
        assert!(caller.await.unwrap().iter().all(|s| *s == 200), "every call answered 200");
    }
    let mut seen = seen.into_inner().unwrap();
    seen.dedup();
    assert!(four_at_once.is_some(), "the worker never ran four calls at once; (instances, in flight) seen: {seen:?}");
}

#[tokio::test]
async fn sigterm_on_a_worker_finishes_what_it_has() {
    let mut cluster = Cluster::start(1).await;
    let dev = cluster.gateway.developer_with_app("dev", "demo").await;
    cluster.gateway.deploy_example(&dev, "demo", "sleepy", "hostile", "timeout_ms=20000&min_instances=2").await;
    cluster.until_served("/fn/demo/sleepy?mode=ok").await;
    let http = cluster.gateway.http.clone();
    let url = cluster.gateway.at("/fn/demo/sleepy?mode=nap&ms=1500");
    let calls: Vec<_> = (0..20).map(|_| tokio::spawn(http.get(url.clone()).send())).collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = std::time::Instant::now();
    assert!(cluster.workers[0].terminate(Duration::from_secs(15)), "the worker exits by itself after draining");
    assert!(started.elapsed() >= Duration::from_millis(500), "it waited for the calls in flight");
    for call in calls {
        let response = call.await.unwrap().unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.unwrap(), "rested");
    }
    // Every call it answered was acknowledged before it disconnected: none went back to
    // the queue to run a second time (the calls' 20 s deadline would keep them there).
    assert_eq!(cluster.vhost.queue("updraft.fn.demo.sleepy"), Some((true, 0)), "nothing requeued");
}

#[tokio::test]
async fn mail_from_a_worker_travels_over_the_mail_queue_to_the_gateways_mailer() {
    let sink = crate::support::SmtpSink::start(crate::support::free_port());
    let smtp = sink.url();
    let cluster = Cluster::start_with(1, &["--smtp-url", &smtp, "--mail-from", "Site <site@example.com>"]).await;
    let server = &cluster.gateway;
    let dev = server.developer_with_app("dev", "site").await;
    server.deploy_example(&dev, "site", "contact", "contact", "").await;

    let form = serde_json::json!({ "name": "Ada", "email": "visitor@example.com", "message": "Hello over RabbitMQ" });
    let queued = Server::eventually(Duration::from_secs(30), || async {
        let response = server.http.post(server.at("/fn/site/contact")).json(&form).send().await.ok()?;
        (response.status() == 202).then_some(())
    })
    .await;
    assert!(queued.is_some(), "the contact function queued the mail");

    let received = Server::eventually(Duration::from_secs(20), || async {
        let got = sink.received();
        (!got.is_empty()).then_some(got)
    })
    .await
    .expect("the mail arrived at the SMTP server");
    assert_eq!(received.len(), 1, "delivered once");
    assert_eq!(received[0]["mail_from"], "site@example.com");
    assert!(received[0]["data"].as_str().unwrap().contains("Hello over RabbitMQ"));
    let sent: Value = server.http.get(server.at("/v1/apps/site/mail?status=sent")).bearer_auth(&dev).send().await.unwrap().json().await.unwrap();
    assert_eq!(sent["mail"].as_array().unwrap().len(), 1, "{sent}");

    // The worker published to the durable mail queue, and the gateway took it off.
    assert_eq!(cluster.vhost.queue("updraft.mail"), Some((true, 0)));
}
