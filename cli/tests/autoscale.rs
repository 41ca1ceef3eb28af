//! The scheduler with real machines: Docker worker containers (and local processes),
//! scaled by demand over the real RabbitMQ. Heavy: its own test binary, tests in turn.

#[allow(dead_code)]
#[path = "all/support.rs"]
mod support;

#[allow(dead_code)]
#[path = "all/cluster_support.rs"]
mod cluster_support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::Value;

use cluster_support::{Process, Vhost};
use support::{free_port, Server};

/// One test at a time: they share the machine's cores and the Docker engine.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).stderr(Stdio::inherit()).output().expect("docker");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn containers(cluster: &str, all: bool) -> Vec<String> {
    let filter = format!("label=updraft.cluster={cluster}");
    let mut args = vec!["ps", "--filter", &filter, "--format", "{{.Names}}"];
    if all {
        args.insert(1, "-a");
    }
    docker(&args).lines().map(String::from).collect()
}

fn scheduler(vhost: &Vhost, cluster: &str, provisioner: &str) -> Process {
    let args: Vec<String> = [
        "scheduler", "--provisioner", provisioner, "--cluster", cluster, "--min-machines", "1", "--max-machines", "4",
        "--slots-per-machine", "2", "--stable-window-secs", "8", "--panic-window-secs", "3", "--idle-window-secs", "8",
        "--machine-idle-window-secs", "8", "--worker-max-instances", "32",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    Process::spawn(&args, &vhost.url())
}

async fn until<T>(what: &str, timeout: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "{what} did not happen within {timeout:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn instances(server: &Server, token: &str, function: &str) -> Option<u64> {
    let view: Value = server.http.get(server.at("/v1/scaling/decisions")).bearer_auth(token).send().await.ok()?.json().await.ok()?;
    view["functions"].as_array()?.iter().find(|f| f["function"]["function"] == function).and_then(|f| f["instances"].as_u64())
}

struct RemoveContainers(String);

impl Drop for RemoveContainers {
    fn drop(&mut self) {
        for name in containers(&self.0, true) {
            let _ = Command::new("docker").args(["rm", "-f", &name]).stdout(Stdio::null()).status();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docker_machines_grow_with_a_spike_survive_a_kill_drain_back_and_are_adopted() {
    let _serial = SERIAL.lock().await;
    let vhost = Vhost::create();
    let cluster = vhost.name().to_owned();
    let _cleanup = RemoveContainers(cluster.clone());
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = Server::start_command("gateway", &["--listen", &format!("127.0.0.1:{port}"), "--amqp-url", &vhost.url()], dir.path()).await;
    let mut scheduler_process = scheduler(&vhost, &cluster, "docker");
    let first = until("the first worker container", Duration::from_secs(60), || containers(&cluster, false).pop()).await;

    // Least privilege, as `docker inspect` shows it.
    let inspect: Value = serde_json::from_str(&docker(&["inspect", &first])).unwrap();
    let (host, config) = (&inspect[0]["HostConfig"], &inspect[0]["Config"]);
    assert_eq!(host["ReadonlyRootfs"], true);
    assert_eq!(host["CapDrop"], serde_json::json!(["ALL"]));
    assert!(host["SecurityOpt"].to_string().contains("no-new-privileges"));
    assert_eq!(config["User"], "65534:65534");
    assert!(host["Memory"].as_i64().unwrap() > 0 && host["NanoCpus"].as_i64().unwrap() > 0 && host["PidsLimit"].as_i64().unwrap() > 0);
    assert_eq!(host["NetworkMode"], "host");
    assert_eq!(config["Labels"]["updraft.cluster"], cluster.as_str());

    let dev = server.developer_with_app("dev", "demo").await;
    server.deploy_example(&dev, "demo", "cpu", "hostile", "concurrency=1&max_instances=20&timeout_ms=60000").await;
    let woke = server.http.get(server.at("/fn/demo/cpu?mode=burn&ms=10")).send().await.unwrap();
    assert_eq!(woke.status(), 200);
    until_instances(&server, &dev, "cpu", 1).await;
    until_zero(&server, &dev, "cpu").await;
    // At zero, with a machine up and the module cached there: the first call is quick.
    let started = Instant::now();
    let response = server.http.get(server.at("/fn/demo/cpu?mode=burn&ms=1")).send().await.unwrap();
    let cold = started.elapsed();
    assert_eq!(response.status(), 200);
    eprintln!("first call at zero instances answered in {cold:?}");
    // Usually about 10 ms here. Once, in CI, 990 ms: the function had gone back to zero at
    // the tick after its wake-up, and the gateway, which wakes a function at most every
    // 500 ms, let this call wait for the next tick. Both are mended; the bound stays loose
    // for container start-up noise on slow hosts.
    assert!(cold < Duration::from_secs(2), "answered within a scheduler tick or so: {cold:?}");

    // A spike of CPU-heavy calls.
    let spike_started = Instant::now();
    let (http, base) = (server.http.clone(), server.url.clone());
    let load = tokio::spawn(async move {
        futures::stream::iter(0..240)
            .map(|i| {
                let (http, url) = (http.clone(), format!("{base}/fn/demo/cpu?mode=burn&ms=300&i={i}"));
                async move { http.get(url).send().await.map(|r| r.status().as_u16()).unwrap_or(0) }
            })
            .buffer_unordered(12)
            .collect::<Vec<u16>>()
            .await
    });
    let grew = until("three machines", Duration::from_secs(60), || (containers(&cluster, false).len() >= 3).then_some(())).await;
    let _ = grew;
    eprintln!("3 machines serving {:?} after the spike began", spike_started.elapsed());
    // Kill a machine under load (one the scheduler has heard from): it is replaced and
    // no call is lost.
    let victim = Server::eventually(Duration::from_secs(20), || async {
        let view: Value = server.http.get(server.at("/v1/scaling/decisions")).bearer_auth(&dev).send().await.ok()?.json().await.ok()?;
        view["machines"].as_array()?.iter().filter_map(|m| m["id"].as_str()).find(|id| *id != first).map(String::from)
    })
    .await
    .expect("a second machine reports in");
    docker(&["kill", &victim]);
    let statuses = load.await.unwrap();
    assert!(statuses.iter().all(|s| *s == 200), "every call answered 200: {statuses:?}");
    let replaced = Server::eventually(Duration::from_secs(20), || async {
        let decisions: Value =
            server.http.get(server.at("/v1/scaling/decisions?limit=500")).bearer_auth(&dev).send().await.ok()?.json().await.ok()?;
        let found = decisions["decisions"].as_array()?.iter().any(|d| d["kind"] == "replace_machine" && d["machine"] == victim.as_str());
        found.then_some(())
    })
    .await;
    assert!(replaced.is_some(), "the killed machine {victim} was replaced");

    // Load gone: the function goes to zero and machines drain back to the minimum.
    until_zero(&server, &dev, "cpu").await;
    until("machines back to the minimum", Duration::from_secs(90), || (containers(&cluster, false).len() == 1).then_some(())).await;

    // A scheduler killed and restarted adopts what runs: no duplicate, no orphan.
    scheduler_process.kill();
    let before = containers(&cluster, false);
    let _restarted = scheduler(&vhost, &cluster, "docker");
    tokio::time::sleep(Duration::from_secs(8)).await;
    assert_eq!(containers(&cluster, false), before, "the running machine was adopted, none added");
    assert_eq!(containers(&cluster, true), before, "no stopped leftovers");
}

/// Until the scheduler's report shows `function` with at least `least` instances.
async fn until_instances(server: &Server, token: &str, function: &str, least: u64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while instances(server, token, function).await.is_none_or(|n| n < least) {
        assert!(Instant::now() < deadline, "{function} never had {least} instances");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn until_zero(server: &Server, token: &str, function: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while instances(server, token, function).await != Some(0) {
        assert!(Instant::now() < deadline, "the function never went to zero instances");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// A gateway and a scheduler that starts worker processes, with `demo/hello` deployed.
/// Dropped in field order: the scheduler goes before the gateway.
struct HelloOnProcesses {
    dev: String,
    _scheduler: Process,
    server: Server,
    _dir: tempfile::TempDir,
    _vhost: Vhost,
}

async fn hello_on_processes() -> HelloOnProcesses {
    let vhost = Vhost::create();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = Server::start_command("gateway", &["--listen", &format!("127.0.0.1:{port}"), "--amqp-url", &vhost.url()], dir.path()).await;
    let scheduler = scheduler(&vhost, vhost.name(), "process");
    let dev = server.developer_with_app("dev", "demo").await;
    server.deploy_example(&dev, "demo", "hello", "hello", "").await;
    HelloOnProcesses { dev, _scheduler: scheduler, server, _dir: dir, _vhost: vhost }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn process_workers_come_up_for_hosts_without_docker() {
    let _serial = SERIAL.lock().await;
    let HelloOnProcesses { dev, server, .. } = &hello_on_processes().await;
    let served = Server::eventually(Duration::from_secs(60), || async {
        let response = server.http.get(server.at("/fn/demo/hello")).send().await.ok()?;
        (response.status() == 200).then_some(())
    })
    .await;
    assert!(served.is_some(), "a process worker was started and served the call");
    let machine = Server::eventually(Duration::from_secs(10), || async {
        let view: Value = server.http.get(server.at("/v1/scaling/decisions")).bearer_auth(dev).send().await.ok()?.json().await.ok()?;
        view["machines"][0]["id"].as_str().map(String::from)
    })
    .await
    .expect("the scheduler reports its machine");
    assert!(machine.starts_with("proc-"), "{machine}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_keeps_its_instance_while_called_and_through_the_idle_window_and_wakes_at_once_from_zero() {
    let _serial = SERIAL.lock().await;
    let HelloOnProcesses { dev, server, .. } = &hello_on_processes().await;
    let call = || async { server.http.get(server.at("/fn/demo/hello")).send().await.ok().map(|r| r.status().as_u16()) };
    let served = Server::eventually(Duration::from_secs(60), || async { (call().await == Some(200)).then_some(()) }).await;
    assert!(served.is_some(), "the first call woke the function and was served");
    until_instances(server, dev, "hello", 1).await;

    // Steady, quick calls for longer than the idle window: few ticks catch one queued or
    // running, yet the function is busy and keeps its instance all along.
    let steady = Instant::now();
    while steady.elapsed() < Duration::from_secs(10) {
        assert_eq!(call().await, Some(200));
        assert_eq!(instances(server, dev, "hello").await, Some(1), "a function called steadily kept its instance");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // Back at zero, with the machine up and the module cached there: a call wakes the
    // function at once, without waiting for the scheduler's next one-second tick.
    until_zero(server, dev, "hello").await;
    let started = Instant::now();
    assert_eq!(call().await, Some(200));
    let woken_in = started.elapsed();
    eprintln!("a call at zero instances answered in {woken_in:?}");
    assert!(woken_in < Duration::from_millis(900), "woken at once, not at the next tick: {woken_in:?}");

    // One call, then nothing: no tick saw it queued or running, yet the function keeps
    // its instance until the idle window (8 s) has passed since the call.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let watched = Instant::now();
    while watched.elapsed() < Duration::from_secs(2) {
        assert_eq!(instances(server, dev, "hello").await, Some(1), "the woken function kept its instance");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
