//! Load bench: `updraft up` serving the `hello` example against a bare axum hello server,
//! one after the other in the same run, with the same load generator (wrk) and settings.
//! Prints requests per second, p50 and p99 latency of both and their ratio.
//!
//! Usage: load [SECONDS] [CONNECTIONS]   (defaults 10 and 64; needs `wrk` and a release
//! build of `updraft`: cargo build --release -p updraft-cli)

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context};
use serde_json::json;

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[derive(Debug)]
struct Run {
    rps: f64,
    p50: String,
    p99: String,
    errors: u64,
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The directory of this binary, where `bare_hello` and `updraft` are built too.
fn release_dir() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    Ok(exe.parent().context("binary has no directory")?.to_owned())
}

async fn wait_ready(url: &str) -> anyhow::Result<()> {
    for _ in 0..200 {
        if reqwest::get(url).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("{url} never answered")
}

fn wrk(url: &str, seconds: u32, connections: u32) -> anyhow::Result<Run> {
    let out = Command::new("wrk")
        .args(["-t1", &format!("-c{connections}"), &format!("-d{seconds}s"), "--latency", url])
        .output()
        .context("running wrk (apt-get install wrk)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |prefix: &str| {
        text.lines().find_map(|l| l.trim().strip_prefix(prefix).map(|rest| rest.trim().to_owned()))
    };
    let rps = field("Requests/sec:").context("no Requests/sec in wrk output")?.parse()?;
    let p50 = field("50%").unwrap_or_default();
    let p99 = field("99%").unwrap_or_default();
    let errors = field("Non-2xx or 3xx responses:").map_or(Ok(0), |n| n.parse())?;
    Ok(Run { rps, p50, p99, errors })
}

async fn deploy_hello(base: &str) -> anyhow::Result<String> {
    let http = reqwest::Client::new();
    let credentials = json!({ "username": "bench", "password": "bench-password" });
    http.post(format!("{base}/v1/accounts")).json(&credentials).send().await?.error_for_status()?;
    let token: serde_json::Value = http.post(format!("{base}/v1/tokens")).json(&credentials).send().await?.json().await?;
    let token = token["token"].as_str().context("no token")?.to_owned();
    http.post(format!("{base}/v1/apps")).bearer_auth(&token).json(&json!({ "name": "bench" })).send().await?.error_for_status()?;
    http.put(format!("{base}/v1/apps/bench/functions/hello?max_instances=64"))
        .bearer_auth(&token)
        .header("content-type", "application/wasm")
        .body(updraft_benches::example_module("hello")?)
        .send()
        .await?
        .error_for_status()?;
    let url = format!("{base}/fn/bench/hello");
    let first = reqwest::get(&url).await?.text().await?;
    if first != "Hello, world!\n" {
        bail!("hello answered {first:?}");
    }
    Ok(url)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let seconds: u32 = args.next().map_or(Ok(10), |s| s.parse())?;
    let connections: u32 = args.next().map_or(Ok(64), |s| s.parse())?;
    let bin = release_dir()?;

    let port = free_port()?;
    let bare = Killed(Command::new(bin.join("bare_hello")).arg(format!("127.0.0.1:{port}")).spawn().context("bare_hello")?);
    let bare_url = format!("http://127.0.0.1:{port}/");
    wait_ready(&bare_url).await?;
    let baseline = wrk(&bare_url, seconds, connections)?;
    drop(bare);

    let data = tempfile::tempdir()?;
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let updraft = Killed(
        Command::new(bin.join("updraft"))
            .args(["up", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
            .arg(data.path())
            .env("UPDRAFT_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .context("updraft (cargo build --release -p updraft-cli)")?,
    );
    wait_ready(&format!("{base}/healthz")).await?;
    let url = deploy_hello(&base).await?;
    let _ = wrk(&url, 2, connections)?; // warm-up
    let measured = wrk(&url, seconds, connections)?;
    drop(updraft);

    println!("load bench: wrk -t1 -c{connections} -d{seconds}s, same machine, same run");
    println!("{:<22} {:>12} {:>10} {:>10} {:>8}", "server", "req/s", "p50", "p99", "errors");
    for (name, run) in [("bare axum hello", &baseline), ("updraft up: hello", &measured)] {
        println!("{:<22} {:>12.0} {:>10} {:>10} {:>8}", name, run.rps, run.p50, run.p99, run.errors);
    }
    println!("ratio updraft/bare: {:.2}", measured.rps / baseline.rps);
    Ok(())
}
