//! Cluster load bench: `hello` through gateway -> RabbitMQ -> worker -> reply, against a
//! raw lapin RPC echo over the same broker with the same message size and the same
//! concurrency, in one run. The echo runs twice: with server and callers in one process
//! on one connection, and with the server in a process of its own, as a worker is.
//! Prints the rates, the ratios and the p50 latencies.
//!
//! Usage: amqp_load [SECONDS] [IN_FLIGHT]  (defaults 10 and 64; needs a running
//! RabbitMQ on 127.0.0.1, `wrk`, and a release build of `updraft`)

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures::StreamExt;
use lapin::options::*;
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties};
use parking_lot::Mutex;
use tokio::sync::oneshot;
use updraft_broker::{unix_ms_after, AmqpBroker, Broker, CallMode, FunctionKey, Invocation, Outcome, MESSAGE_VERSION};

const AMQP: &str = "amqp://127.0.0.1:5672/%2f";
/// Calls one instance of `hello` runs at once in the cluster bench.
const HELLO_CONCURRENCY: usize = 16;
/// About the size of an encoded invocation of `hello` (request, ids, deadline).
const MESSAGE_BYTES: usize = 240;

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Serves a raw echo on `queue` (prefetch = `in_flight`): each request is answered in its
/// own task with the request's bytes, then acknowledged, like a worker does.
async fn echo_server(conn: &Connection, queue: &str, in_flight: usize) -> anyhow::Result<()> {
    let server = conn.create_channel().await?;
    let options = QueueDeclareOptions { auto_delete: true, ..Default::default() };
    server.queue_declare(queue.into(), options, FieldTable::default()).await?;
    server.basic_qos(in_flight as u16, BasicQosOptions::default()).await?;
    let mut requests = server.basic_consume(queue.into(), "".into(), BasicConsumeOptions::default(), FieldTable::default()).await?;
    tokio::spawn(async move {
        while let Some(Ok(delivery)) = requests.next().await {
            let echo = server.clone();
            tokio::spawn(async move {
                let (Some(to), Some(id)) = (delivery.properties.reply_to().clone(), delivery.properties.correlation_id().clone())
                else {
                    return;
                };
                let props = BasicProperties::default().with_correlation_id(id);
                let _ = echo.basic_publish("".into(), to, BasicPublishOptions::default(), &delivery.data, props).await;
                let _ = delivery.acker.ack(BasicAckOptions::default()).await;
            });
        }
    });
    Ok(())
}

/// `in_flight` callers with a shared reply queue, each sending its next request when the
/// last one is answered, for `seconds`. Returns (req/s, p50).
async fn echo_client(conn: &Connection, queue: &str, seconds: u64, in_flight: usize) -> anyhow::Result<(f64, Duration)> {
    let client = conn.create_channel().await?;
    let reply = client
        .queue_declare("".into(), QueueDeclareOptions { exclusive: true, ..Default::default() }, FieldTable::default())
        .await?;
    let reply_queue = reply.name().clone();
    let consume = BasicConsumeOptions { no_ack: true, ..Default::default() };
    let mut replies = client.basic_consume(reply_queue.clone(), "".into(), consume, FieldTable::default()).await?;
    let pending: Arc<Mutex<HashMap<String, oneshot::Sender<()>>>> = Arc::default();
    let routed = pending.clone();
    tokio::spawn(async move {
        while let Some(Ok(delivery)) = replies.next().await {
            let waiter = delivery.properties.correlation_id().as_ref().and_then(|id| routed.lock().remove(id.as_str()));
            if let Some(tx) = waiter {
                let _ = tx.send(());
            }
        }
    });

    let end = Instant::now() + Duration::from_secs(seconds);
    let payload = vec![b'x'; MESSAGE_BYTES];
    let callers: Vec<_> = (0..in_flight)
        .map(|c| {
            let (client, pending, payload, queue, reply_queue) =
                (client.clone(), pending.clone(), payload.clone(), queue.to_owned(), reply_queue.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut n = 0u64;
                while Instant::now() < end {
                    let id = format!("{c}-{n}");
                    n += 1;
                    let (tx, rx) = oneshot::channel();
                    pending.lock().insert(id.clone(), tx);
                    let props = BasicProperties::default().with_reply_to(reply_queue.clone()).with_correlation_id(id.into());
                    let started = Instant::now();
                    if client.basic_publish("".into(), queue.as_str().into(), BasicPublishOptions::default(), &payload, props).await.is_err() {
                        break;
                    }
                    if rx.await.is_err() {
                        break;
                    }
                    latencies.push(started.elapsed());
                }
                latencies
            })
        })
        .collect();
    rate_and_p50(callers, seconds).await
}

/// Joins callers that each return their call latencies: (calls per second, p50).
async fn rate_and_p50(callers: Vec<tokio::task::JoinHandle<Vec<Duration>>>, seconds: u64) -> anyhow::Result<(f64, Duration)> {
    let mut all = Vec::new();
    for caller in callers {
        all.extend(caller.await?);
    }
    all.sort();
    let p50 = all.get(all.len() / 2).copied().unwrap_or_default();
    Ok((all.len() as f64 / seconds as f64, p50))
}

fn echo_queue() -> String {
    format!("updraft.bench.echo.{:08x}", rand::random::<u32>())
}

/// Raw request-reply with the echo server and the callers in this process, on one
/// connection (the cheapest form: one lapin IO thread serves both ends).
async fn raw_echo(seconds: u64, in_flight: usize) -> anyhow::Result<(f64, Duration)> {
    let conn = Connection::connect(AMQP, ConnectionProperties::default()).await?;
    let queue = echo_queue();
    echo_server(&conn, &queue, in_flight).await?;
    echo_client(&conn, &queue, seconds, in_flight).await
}

/// Raw request-reply with the echo server in a process of its own, as a worker is.
async fn raw_echo_two_processes(seconds: u64, in_flight: usize) -> anyhow::Result<(f64, Duration)> {
    let queue = echo_queue();
    let exe = std::env::current_exe()?;
    let _server = Killed(Command::new(exe).args(["echo-server", &queue, &in_flight.to_string()]).spawn()?);
    let conn = Connection::connect(AMQP, ConnectionProperties::default()).await?;
    // A passive declare of a queue not there yet closes its channel: one per try.
    for _ in 0..100 {
        let passive = QueueDeclareOptions { passive: true, ..Default::default() };
        match conn.create_channel().await?.queue_declare(queue.as_str().into(), passive, FieldTable::default()).await {
            Ok(q) if q.consumer_count() > 0 => break,
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    echo_client(&conn, &queue, seconds, in_flight).await
}

/// What the cluster phase measured: through HTTP with wrk, and through the broker alone.
struct ClusterRun {
    http: updraft_benches::WrkRun,
    broker_rps: f64,
    broker_p50: Duration,
}

async fn cluster_hello(seconds: u64, in_flight: usize) -> anyhow::Result<ClusterRun> {
    let bin = std::env::current_exe()?.parent().context("no directory")?.join("updraft");
    let data = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let base = format!("http://127.0.0.1:{port}");
    let spawn = |args: &[&str]| -> anyhow::Result<Killed> {
        let child = Command::new(&bin).args(args).env("UPDRAFT_LOG", "warn").stdout(Stdio::null()).spawn()?;
        Ok(Killed(child))
    };
    let data_dir = data.path().display().to_string();
    let cache = data.path().join("worker").display().to_string();
    let _gateway = spawn(&["gateway", "--listen", &format!("127.0.0.1:{port}"), "--data-dir", &data_dir])?;
    let _scheduler = spawn(&["scheduler"])?;
    let _worker = spawn(&["worker", "--id", "bench", "--cache-dir", &cache])?;
    // The same concurrency as the echo's prefetch: instances kept from the start, each
    // running `concurrency` calls at once (demand sampling alone grants fewer at first).
    let instances = in_flight.div_ceil(HELLO_CONCURRENCY);
    let settings = format!("max_instances=64&concurrency={HELLO_CONCURRENCY}&min_instances={instances}");
    let url = updraft_benches::deploy_hello(&base, &settings).await?;
    let _ = updraft_benches::wrk(&url, 2, in_flight)?;
    let http = updraft_benches::wrk(&url, seconds, in_flight)?;
    let (broker_rps, broker_p50) = broker_calls(seconds, in_flight).await?;
    Ok(ClusterRun { http, broker_rps, broker_p50 })
}

/// A sync call of `bench/hello` revision 1, as the gateway builds it for `GET /`.
fn hello_invocation() -> Invocation {
    let id = format!("{:032x}", rand::random::<u128>());
    let request = updraft_abi::Request {
        method: "GET".into(),
        path: "/".into(),
        invocation_id: id.clone(),
        headers: vec![("host".into(), "127.0.0.1".into())],
        ..Default::default()
    };
    Invocation {
        version: MESSAGE_VERSION,
        id,
        function: FunctionKey::new("bench", "hello"),
        revision: 1,
        request,
        deadline_unix_ms: unix_ms_after(Duration::from_secs(10)),
        attempt: 1,
        depth: 0,
        session_id: None,
        mode: CallMode::Sync,
    }
}

/// `in_flight` callers invoking `bench/hello` through the platform's own RabbitMQ broker
/// client, as the gateway does but with no HTTP in front: the same worker, the same
/// messages. Returns (req/s, p50).
async fn broker_calls(seconds: u64, in_flight: usize) -> anyhow::Result<(f64, Duration)> {
    let broker = Arc::new(AmqpBroker::connect(AMQP, "updraft-bench"));
    broker.wait_connected(Duration::from_secs(10)).await?;
    // The reply queue is declared just after the connection: call until one answers.
    let mut ready = false;
    for _ in 0..100 {
        if let Ok(reply) = broker.call(hello_invocation()).await {
            ready = matches!(reply.outcome, Outcome::Response(_));
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::ensure!(ready, "bench/hello did not answer through the broker");
    let end = Instant::now() + Duration::from_secs(seconds);
    let callers: Vec<_> = (0..in_flight)
        .map(|_| {
            let broker = broker.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < end {
                    let started = Instant::now();
                    match broker.call(hello_invocation()).await.map(|reply| reply.outcome) {
                        Ok(Outcome::Response(_)) => latencies.push(started.elapsed()),
                        other => {
                            eprintln!("broker call failed: {other:?}");
                            break;
                        }
                    }
                }
                latencies
            })
        })
        .collect();
    rate_and_p50(callers, seconds).await
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("echo-server") {
        let (queue, in_flight) = (args.nth(1).context("queue")?, args.next().context("in flight")?.parse()?);
        let conn = Connection::connect(AMQP, ConnectionProperties::default()).await?;
        echo_server(&conn, &queue, in_flight).await?;
        return std::future::pending().await;
    }
    let seconds: u64 = args.next().map_or(Ok(10), |s| s.parse())?;
    let in_flight: usize = args.next().map_or(Ok(64), |s| s.parse())?;
    let (raw_rps, raw_p50) = raw_echo(seconds, in_flight).await?;
    let (split_rps, split_p50) = raw_echo_two_processes(seconds, in_flight).await?;
    let cluster = cluster_hello(seconds, in_flight).await?;
    let (rps, p50, errors) = (cluster.http.rps, &cluster.http.p50, cluster.http.errors);
    println!("cluster bench: {in_flight} in flight, {seconds}s each, same RabbitMQ, same run");
    println!("raw lapin RPC echo ({MESSAGE_BYTES} B), one process:   {raw_rps:>9.0} req/s   p50 {raw_p50:?}");
    println!("raw lapin RPC echo ({MESSAGE_BYTES} B), two processes: {split_rps:>9.0} req/s   p50 {split_p50:?}");
    println!("updraft gateway->RabbitMQ->worker hello:      {rps:>9.0} req/s   p50 {p50}   errors {errors}");
    println!("  the same calls by the broker client, no HTTP: {:>7.0} req/s   p50 {:?}", cluster.broker_rps, cluster.broker_p50);
    println!("ratio updraft/raw: {:.2} (one process), {:.2} (two processes)", rps / raw_rps, rps / split_rps);
    Ok(())
}
