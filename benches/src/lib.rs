//! Benchmarks of Updraft.
//!
//! - `benches/abi.rs`: MessagePack encode/decode of the guest ABI types;
//! - `benches/invoke.rs`: instantiate + invoke through the runtime, no HTTP;
//! - `src/bin/load.rs`: `updraft up` serving `hello` against a bare axum hello server,
//!   same load generator (wrk), same run; `src/bin/bare_hello.rs` is that baseline.
//! - `src/bin/amqp_load.rs`: cluster mode (gateway, worker, scheduler over RabbitMQ)
//!   serving `hello` against a raw lapin RPC echo, same broker, same run, with each
//!   process's CPU per call ([`cpu`]).
//!
//! This crate owns only measurement helpers; it is never a dependency of the platform.

pub mod cpu;

use std::path::PathBuf;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A built example module (`examples-wasm/build.sh` makes them).
pub fn example_module(name: &str) -> anyhow::Result<Vec<u8>> {
    let path = workspace_root().join("examples-wasm/dist").join(format!("{name}.wasm"));
    std::fs::read(&path).map_err(|e| anyhow::anyhow!("{}: {e} (run examples-wasm/build.sh)", path.display()))
}

/// The sha256 (hex) of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// What one `wrk` run measured.
#[derive(Debug)]
pub struct WrkRun {
    /// Requests per second.
    pub rps: f64,
    /// Median latency, as wrk prints it.
    pub p50: String,
    /// 99th percentile latency, as wrk prints it.
    pub p99: String,
    /// Answers that were not 2xx/3xx.
    pub errors: u64,
}

/// Runs `wrk -t1 -cN -dS --latency URL` and parses its report.
pub fn wrk(url: &str, seconds: u64, connections: usize) -> anyhow::Result<WrkRun> {
    use anyhow::Context;
    let out = std::process::Command::new("wrk")
        .args(["-t1", &format!("-c{connections}"), &format!("-d{seconds}s"), "--latency", url])
        .output()
        .context("running wrk (apt-get install wrk)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |prefix: &str| text.lines().find_map(|l| l.trim().strip_prefix(prefix).map(|rest| rest.trim().to_owned()));
    let rps = field("Requests/sec:").context("no Requests/sec in wrk output")?.parse()?;
    let p50 = field("50%").unwrap_or_default();
    let p99 = field("99%").unwrap_or_default();
    let errors = field("Non-2xx or 3xx responses:").map_or(Ok(0), |n| n.parse())?;
    Ok(WrkRun { rps, p50, p99, errors })
}

/// Creates an account and an app `bench` on the server at `base`, deploys the `hello`
/// example with `settings` (a query string such as `max_instances=64`), waits until it
/// answers, and returns its URL.
pub async fn deploy_hello(base: &str, settings: &str) -> anyhow::Result<String> {
    use anyhow::Context;
    let http = reqwest::Client::new();
    for _ in 0..100 {
        if http.get(format!("{base}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let credentials = serde_json::json!({ "username": "bench", "password": "bench-password" });
    http.post(format!("{base}/v1/accounts")).json(&credentials).send().await?.error_for_status()?;
    let token: serde_json::Value = http.post(format!("{base}/v1/tokens")).json(&credentials).send().await?.json().await?;
    let token = token["token"].as_str().context("no token")?.to_owned();
    let app = serde_json::json!({ "name": "bench" });
    http.post(format!("{base}/v1/apps")).bearer_auth(&token).json(&app).send().await?.error_for_status()?;
    http.put(format!("{base}/v1/apps/bench/functions/hello?{settings}"))
        .bearer_auth(&token)
        .header("content-type", "application/wasm")
        .body(example_module("hello")?)
        .send()
        .await?
        .error_for_status()?;
    let url = format!("{base}/fn/bench/hello");
    for _ in 0..100 {
        if http.get(&url).send().await.map(|r| r.status() == 200).unwrap_or(false) {
            return Ok(url);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("hello never answered 200")
}
