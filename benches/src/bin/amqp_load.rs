//! Cluster load bench: `hello` through gateway -> RabbitMQ -> worker -> reply, against a
//! raw lapin RPC echo over the same broker with the same message size and the same
//! concurrency, in one run. The echo runs twice: with server and callers in one process
//! on one connection, and with the server in a process of its own, as a worker is; the
//! second form runs again the way a sync call travels (DESIGN §5: with an expiration and
//! the deadline header), to show what that contract itself costs RabbitMQ and the echo.
//! Every setup starts once; then each round measures every phase in turn, so a drift of
//! the machine between phases shows up across rounds rather than in one ratio.
//! Prints, per round, the rates, the ratios, the p50 latencies and each process's CPU per
//! call (all processes share this machine's cores, so CPU per call bounds the rate),
//! then the median ratios.
//!
//! Then pairs of short slices, the two-process echo and Updraft over HTTP back to back,
//! the order flipping from pair to pair: on a host whose speed drifts by the minute, the
//! ratio within a pair is steadier than one between phases half a minute apart.
//!
//! With `UPDRAFT_BENCH_BASELINE=/path/to/another/updraft`, a second cluster of that build
//! runs beside the first, in a vhost of its own, and every round also measures it over
//! HTTP: an A/B of two builds in one run, where the machine's drift hits both alike. Its
//! pairs of short slices, this build and the baseline back to back, come last: they tell
//! apart changes of a few percent.
//!
//! Usage: amqp_load [SECONDS] [IN_FLIGHT] [ROUNDS] [PAIRS]  (defaults 10, 64, 3 and 10;
//! needs a running RabbitMQ on 127.0.0.1, `wrk`, and a release build of `updraft`)

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
use updraft_benches::cpu::{describe, describe_switches, rabbitmq_pid, CallCost, CpuMeter, Process};
use updraft_broker::scratch_vhost::ScratchVhost;
use updraft_broker::{new_invocation_id, sync_call_properties, unix_ms_after, AmqpBroker, Broker, CallMode, FunctionKey, Invocation, Outcome, MESSAGE_VERSION};

const AMQP: &str = "amqp://127.0.0.1:5672/%2f";
/// Calls one instance of `hello` runs at once in the cluster bench.
const HELLO_CONCURRENCY: usize = 16;
/// Length of each slice of a pair.
const PAIR_SECONDS: u64 = 3;
/// About the size of an encoded invocation of `hello` (request, ids, deadline).
const MESSAGE_BYTES: usize = 240;

/// How the echo's requests travel.
#[derive(Clone, Copy)]
enum EchoRequests {
    /// Straight to the queue (the default exchange), with reply-to and correlation id only.
    Plain,
    /// Like an Updraft sync call: straight to the queue as well, with an expiration and
    /// the deadline header.
    SyncCall,
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One measured phase.
struct Measured {
    rps: f64,
    p50: String,
    /// CPU and context switches per call of each process.
    costs: Vec<CallCost>,
}

impl Measured {
    /// A phase of `seconds` at `rps`, with the CPU `meter` saw since it started.
    fn new(meter: &CpuMeter, rps: f64, p50: String, seconds: u64) -> Measured {
        Measured { rps, p50, costs: meter.per_call(rps * seconds as f64) }
    }
}

/// `processes`, after the local RabbitMQ node when there is one.
fn with_rabbitmq(processes: &[(&'static str, Process)]) -> Vec<(&'static str, Process)> {
    let rabbitmq = rabbitmq_pid().map(|pid| ("RabbitMQ", Process::Pid(pid)));
    rabbitmq.into_iter().chain(processes.iter().copied()).collect()
}

fn this_process() -> Process {
    Process::Pid(std::process::id())
}

/// Measures the echo callers of `echo_client` with the CPU of `processes`.
async fn measure_echo(
    conn: &Connection,
    queue: &str,
    seconds: u64,
    in_flight: usize,
    requests: EchoRequests,
    processes: &[(&'static str, Process)],
) -> anyhow::Result<Measured> {
    let meter = CpuMeter::start(&with_rabbitmq(processes));
    let (rps, p50) = echo_client(conn, queue, seconds, in_flight, requests).await?;
    Ok(Measured::new(&meter, rps, format!("{p50:.2?}"), seconds))
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
async fn echo_client(
    conn: &Connection,
    queue: &str,
    seconds: u64,
    in_flight: usize,
    requests: EchoRequests,
) -> anyhow::Result<(f64, Duration)> {
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
    let base = match requests {
        EchoRequests::Plain => BasicProperties::default(),
        // The same shape on the wire as a call of `hello` (the echo server checks nothing).
        EchoRequests::SyncCall => sync_call_properties(&hello_invocation(), Duration::from_secs(10)),
    };
    let callers: Vec<_> = (0..in_flight)
        .map(|c| {
            let (client, pending, payload, queue, reply_queue, base) =
                (client.clone(), pending.clone(), payload.clone(), queue.to_owned(), reply_queue.clone(), base.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut n = 0u64;
                while Instant::now() < end {
                    let id = format!("{c}-{n}");
                    n += 1;
                    let (tx, rx) = oneshot::channel();
                    pending.lock().insert(id.clone(), tx);
                    let props = base.clone().with_reply_to(reply_queue.clone()).with_correlation_id(id.into());
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
struct EchoOneProcess {
    conn: Connection,
    queue: String,
}

impl EchoOneProcess {
    async fn start(in_flight: usize) -> anyhow::Result<EchoOneProcess> {
        let conn = Connection::connect(AMQP, ConnectionProperties::default()).await?;
        let queue = echo_queue();
        echo_server(&conn, &queue, in_flight).await?;
        Ok(EchoOneProcess { conn, queue })
    }

    async fn measure(&self, seconds: u64, in_flight: usize) -> anyhow::Result<Measured> {
        measure_echo(&self.conn, &self.queue, seconds, in_flight, EchoRequests::Plain, &[("echo process", this_process())]).await
    }
}

/// Raw request-reply with the echo server in a process of its own, as a worker is.
struct EchoTwoProcesses {
    server: Killed,
    conn: Connection,
    queue: String,
}

impl EchoTwoProcesses {
    async fn start(in_flight: usize) -> anyhow::Result<EchoTwoProcesses> {
        let queue = echo_queue();
        let exe = std::env::current_exe()?;
        let server = Killed(Command::new(exe).args(["echo-server", &queue, &in_flight.to_string()]).spawn()?);
        let conn = Connection::connect(AMQP, ConnectionProperties::default()).await?;
        // A passive declare of a queue not there yet closes its channel: one per try.
        for _ in 0..100 {
            let passive = QueueDeclareOptions { passive: true, ..Default::default() };
            match conn.create_channel().await?.queue_declare(queue.as_str().into(), passive, FieldTable::default()).await {
                Ok(q) if q.consumer_count() > 0 => break,
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        Ok(EchoTwoProcesses { server, conn, queue })
    }

    async fn measure(&self, seconds: u64, in_flight: usize, requests: EchoRequests) -> anyhow::Result<Measured> {
        let processes = [("callers", this_process()), ("echo server", Process::Pid(self.server.0.id()))];
        measure_echo(&self.conn, &self.queue, seconds, in_flight, requests, &processes).await
    }
}

/// What the cluster phase measured: through HTTP with wrk, and through the broker alone.
struct ClusterRun {
    http: Measured,
    errors: u64,
    broker: Measured,
}

/// Gateway, scheduler and worker as separate processes, with `bench/hello` deployed.
struct Cluster {
    /// Named as the CPU figures name them; killed (before the data dir goes) on drop.
    processes: Vec<(&'static str, Killed)>,
    url: String,
    broker: Arc<AmqpBroker>,
    _data: tempfile::TempDir,
    /// The baseline's own vhost, deleted after its processes are gone.
    _vhost: Option<ScratchVhost>,
}

impl Cluster {
    /// The cluster of the `updraft` next to this bench, on the default vhost.
    async fn start(in_flight: usize) -> anyhow::Result<Cluster> {
        let bin = std::env::current_exe()?.parent().context("no directory")?.join("updraft");
        Cluster::start_with(&bin, AMQP, in_flight, None).await
    }

    /// The cluster of the build `bin`, in a fresh vhost of its own.
    async fn start_baseline(bin: &std::path::Path, in_flight: usize) -> anyhow::Result<Cluster> {
        let vhost = ScratchVhost::create("updraft-bench-baseline").map_err(anyhow::Error::msg)?;
        Cluster::start_with(bin, &vhost.url(), in_flight, Some(vhost)).await
    }

    async fn start_with(
        bin: &std::path::Path,
        amqp: &str,
        in_flight: usize,
        vhost: Option<ScratchVhost>,
    ) -> anyhow::Result<Cluster> {
        let data = tempfile::tempdir()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let base = format!("http://127.0.0.1:{port}");
        let spawn = |args: &[&str]| -> anyhow::Result<Killed> {
            let child = Command::new(bin)
                .args(args)
                .env("UPDRAFT_LOG", "warn")
                .env("UPDRAFT_AMQP_URL", amqp)
                .stdout(Stdio::null())
                .spawn()?;
            Ok(Killed(child))
        };
        let data_dir = data.path().display().to_string();
        let cache = data.path().join("worker").display().to_string();
        let processes = vec![
            ("gateway", spawn(&["gateway", "--listen", &format!("127.0.0.1:{port}"), "--data-dir", &data_dir])?),
            ("worker", spawn(&["worker", "--id", "bench", "--cache-dir", &cache])?),
            ("scheduler", spawn(&["scheduler"])?),
        ];
        // The same concurrency as the echo's prefetch: instances kept from the start, each
        // running `concurrency` calls at once (demand sampling alone grants fewer at first).
        let instances = in_flight.div_ceil(HELLO_CONCURRENCY);
        let settings = format!("max_instances=64&concurrency={HELLO_CONCURRENCY}&min_instances={instances}");
        let url = updraft_benches::deploy_hello(&base, &settings).await?;
        let _ = updraft_benches::wrk(&url, 2, in_flight)?;
        let broker = Arc::new(AmqpBroker::connect(amqp, "updraft-bench"));
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
        Ok(Cluster { processes, url, broker, _data: data, _vhost: vhost })
    }

    fn platform(&self) -> Vec<(&'static str, Process)> {
        self.processes.iter().map(|(name, child)| (*name, Process::Pid(child.0.id()))).collect()
    }

    /// `hello` over HTTP with wrk: the phase, and the calls that were not answered 2xx.
    fn measure_http(&self, seconds: u64, in_flight: usize) -> anyhow::Result<(Measured, u64)> {
        let meter = CpuMeter::start(&with_rabbitmq(&[&self.platform()[..], &[("wrk", Process::WaitedChildren)]].concat()));
        let wrk = updraft_benches::wrk(&self.url, seconds, in_flight)?;
        Ok((Measured::new(&meter, wrk.rps, wrk.p50, seconds), wrk.errors))
    }

    async fn measure(&self, seconds: u64, in_flight: usize) -> anyhow::Result<ClusterRun> {
        let platform = self.platform();
        let (http, errors) = self.measure_http(seconds, in_flight)?;
        let meter = CpuMeter::start(&with_rabbitmq(&[&platform[..], &[("broker client", this_process())]].concat()));
        let (rps, p50) = broker_calls(&self.broker, seconds, in_flight).await?;
        let broker = Measured::new(&meter, rps, format!("{p50:.2?}"), seconds);
        Ok(ClusterRun { http, errors, broker })
    }
}

/// A sync call of `bench/hello` revision 1, as the gateway builds it for `GET /`.
fn hello_invocation() -> Invocation {
    let id = new_invocation_id();
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
async fn broker_calls(broker: &Arc<AmqpBroker>, seconds: u64, in_flight: usize) -> anyhow::Result<(f64, Duration)> {
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
    let rounds: usize = args.next().map_or(Ok(3), |s| s.parse())?;
    let pairs: usize = args.next().map_or(Ok(10), |s| s.parse())?;
    anyhow::ensure!(rounds > 0, "ROUNDS must be at least 1");
    let one = EchoOneProcess::start(in_flight).await?;
    let two = EchoTwoProcesses::start(in_flight).await?;
    let cluster = Cluster::start(in_flight).await?;
    let baseline = match std::env::var_os("UPDRAFT_BENCH_BASELINE") {
        Some(bin) => Some(Cluster::start_baseline(std::path::Path::new(&bin), in_flight).await?),
        None => None,
    };
    let mut ratios_baseline = Vec::new();
    println!("cluster bench: {in_flight} in flight, {seconds}s per phase, {rounds} rounds, same RabbitMQ, same run");
    let (mut ratios_one, mut ratios_two, mut ratios_contract) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=rounds {
        // The phases alternate round by round, so a drift of the machine shows in every
        // phase instead of in one.
        let raw = one.measure(seconds, in_flight).await?;
        let split = two.measure(seconds, in_flight, EchoRequests::Plain).await?;
        let contract = two.measure(seconds, in_flight, EchoRequests::SyncCall).await?;
        // The baseline goes second in odd rounds and first in even ones.
        let measure_baseline = || baseline.as_ref().map(|b| b.measure_http(seconds, in_flight)).transpose();
        let early = if round % 2 == 0 { measure_baseline()? } else { None };
        let run = cluster.measure(seconds, in_flight).await?;
        let base = if round % 2 == 0 { early } else { measure_baseline()? };
        println!("round {round}:");
        let phases = [
            (format!("raw lapin RPC echo ({MESSAGE_BYTES} B), one process:"), &raw),
            (format!("raw lapin RPC echo ({MESSAGE_BYTES} B), two processes:"), &split),
            ("  the same sent like a sync call:".to_owned(), &contract),
            (format!("updraft gateway->RabbitMQ->worker hello (errors {}):", run.errors), &run.http),
            ("  the same calls by the broker client, no HTTP:".to_owned(), &run.broker),
        ];
        for (name, phase) in phases {
            println!("  {name:<56} {:>7.0} req/s   p50 {}", phase.rps, phase.p50);
            println!("      CPU per call: {}", describe(&phase.costs));
            println!("      context switches per call: {}", describe_switches(&phase.costs));
        }
        if let Some((base, errors)) = &base {
            println!("  baseline build over HTTP (errors {errors}):{:>22.0} req/s   p50 {}", base.rps, base.p50);
            println!("      CPU per call: {}", describe(&base.costs));
            println!("      context switches per call: {}", describe_switches(&base.costs));
            println!("  ratio this build/baseline build: {:.2}", run.http.rps / base.rps);
            ratios_baseline.push(run.http.rps / base.rps);
        }
        println!("  {}", describe_added(&run.http, &contract));
        let (ratio_one, ratio_two) = (run.http.rps / raw.rps, run.http.rps / split.rps);
        let ratio_contract = run.http.rps / contract.rps;
        println!(
            "  ratio updraft/raw: {ratio_one:.2} (one process), {ratio_two:.2} (two processes), \
             {ratio_contract:.2} (two processes, sent like sync calls)"
        );
        ratios_one.push(ratio_one);
        ratios_two.push(ratio_two);
        ratios_contract.push(ratio_contract);
    }
    println!(
        "median ratio over {rounds} rounds: {:.2} (one process), {:.2} (two processes), {:.2} (two processes, sent like sync calls)",
        median(&mut ratios_one),
        median(&mut ratios_two),
        median(&mut ratios_contract)
    );
    if !ratios_baseline.is_empty() {
        println!("median ratio this build/baseline build: {:.2}", median(&mut ratios_baseline));
    }
    if pairs > 0 {
        println!("pairs of {PAIR_SECONDS} s slices, two-process echo and updraft over HTTP:");
        let echo = async || two.measure(PAIR_SECONDS, in_flight, EchoRequests::Plain).await;
        let http = async || cluster.measure_http(PAIR_SECONDS, in_flight);
        let mut ratios = Vec::new();
        for (pair, (echo, (http, errors))) in alternate(pairs, echo, http).await?.into_iter().enumerate() {
            let ratio = http.rps / echo.rps;
            println!(
                "  pair {:>2}: echo {:>6.0} req/s p50 {:>8}, updraft {:>6.0} req/s p50 {:>8} (errors {errors}), ratio {ratio:.2}",
                pair + 1, echo.rps, echo.p50, http.rps, http.p50
            );
            ratios.push(ratio);
        }
        println!("median ratio updraft/raw (two processes) over {pairs} pairs of {PAIR_SECONDS} s slices: {}", spread(&mut ratios));
        if let Some(baseline) = &baseline {
            // Slices of two builds side by side tell apart changes of a few percent that
            // the rounds, half a minute apart, cannot.
            println!("pairs of {PAIR_SECONDS} s slices, this build and the baseline build over HTTP:");
            let this = async || cluster.measure_http(PAIR_SECONDS, in_flight);
            let base = async || baseline.measure_http(PAIR_SECONDS, in_flight);
            let mut ratios = Vec::new();
            for (pair, ((this, _), (base, _))) in alternate(pairs, this, base).await?.into_iter().enumerate() {
                let ratio = this.rps / base.rps;
                println!("  pair {:>2}: this build {:>6.0} req/s, baseline {:>6.0} req/s, ratio {ratio:.3}", pair + 1, this.rps, base.rps);
                ratios.push(ratio);
            }
            println!("median ratio this build/baseline build over {pairs} pairs of {PAIR_SECONDS} s slices: {}", spread(&mut ratios));
        }
    }
    Ok(())
}

/// `pairs` pairs of one slice of `a` and one of `b`, back to back, the order flipping
/// from pair to pair, so a drift of the machine hits both sides of a pair alike. Returns
/// each pair's (a, b).
async fn alternate<A, B>(
    pairs: usize,
    mut a: impl AsyncFnMut() -> anyhow::Result<A>,
    mut b: impl AsyncFnMut() -> anyhow::Result<B>,
) -> anyhow::Result<Vec<(A, B)>> {
    let mut measured = Vec::new();
    for pair in 0..pairs {
        let both = if pair % 2 == 0 {
            let first = a().await?;
            (first, b().await?)
        } else {
            let first = b().await?;
            (a().await?, first)
        };
        measured.push(both);
    }
    Ok(measured)
}

/// "median (lowest, highest)" of `ratios`.
fn spread(ratios: &mut [f64]) -> String {
    let middle = median(ratios); // sorts them
    format!("{middle:.3} (lowest {:.3}, highest {:.3})", ratios[0], ratios[ratios.len() - 1])
}

/// What a call of `hello` over HTTP costs beyond the echo sent like a sync call, part by
/// part: RabbitMQ, the gateway over the echo's callers, wrk, the worker over the echo
/// server. Every phase saturates the machine's cores, so each rate is the cores over the
/// phase's sum of CPU per call, and these differences are what stands between the rates.
fn describe_added(http: &Measured, contract: &Measured) -> String {
    let cpu = |phase: &Measured, name: &str| phase.costs.iter().find(|c| c.name == name).map_or(0.0, |c| c.cpu_us);
    let parts = [
        ("RabbitMQ", cpu(http, "RabbitMQ") - cpu(contract, "RabbitMQ")),
        ("gateway over callers", cpu(http, "gateway") - cpu(contract, "callers")),
        ("wrk", cpu(http, "wrk")),
        ("worker over echo server", cpu(http, "worker") - cpu(contract, "echo server")),
    ];
    let total: f64 = parts.iter().map(|(_, us)| us).sum();
    let listed: Vec<String> = parts.iter().map(|(name, us)| format!("{name} {us:+.0}")).collect();
    format!("CPU per call added over the echo sent like sync calls: {} (total {total:+.0} µs)", listed.join(", "))
}

/// The middle value; with an even count, the mean of the two middle ones.
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len().is_multiple_of(2) { (values[middle - 1] + values[middle]) / 2.0 } else { values[middle] }
}
