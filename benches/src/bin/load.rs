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

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map_or(Ok(10), |s| s.parse())?;
    let connections: usize = args.next().map_or(Ok(64), |s| s.parse())?;
    let bin = release_dir()?;

    let port = free_port()?;
    let bare = Killed(Command::new(bin.join("bare_hello")).arg(format!("127.0.0.1:{port}")).spawn().context("bare_hello")?);
    let bare_url = format!("http://127.0.0.1:{port}/");
    wait_ready(&bare_url).await?;
    let baseline = updraft_benches::wrk(&bare_url, seconds, connections)?;
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
    let url = updraft_benches::deploy_hello(&base, "max_instances=64").await?;
    let _ = updraft_benches::wrk(&url, 2, connections)?; // warm-up
    let measured = updraft_benches::wrk(&url, seconds, connections)?;
    drop(updraft);

    println!("load bench: wrk -t1 -c{connections} -d{seconds}s, same machine, same run");
    println!("{:<22} {:>12} {:>10} {:>10} {:>8}", "server", "req/s", "p50", "p99", "errors");
    for (name, run) in [("bare axum hello", &baseline), ("updraft up: hello", &measured)] {
        println!("{:<22} {:>12.0} {:>10} {:>10} {:>8}", name, run.rps, run.p50, run.p99, run.errors);
    }
    println!("ratio updraft/bare: {:.2}", measured.rps / baseline.rps);
    Ok(())
}
