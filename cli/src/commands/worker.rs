//! `updraft worker`: one machine of a cluster. Needs nothing but the broker: it learns
//! grants, specs and modules over RabbitMQ and keeps only a cache of compiled modules.

use std::path::PathBuf;
use std::sync::Arc;

use updraft_broker::{AmqpBroker, Broker};
use updraft_worker::{BrokerLogSink, RemoteControlPlane, RemoteServices, Worker, WorkerConfig, WorkerDeps, HEARTBEAT_INTERVAL};

use super::control_plane::runtime;

/// Arguments of `updraft worker`.
#[derive(clap::Args)]
pub struct WorkerArgs {
    /// RabbitMQ URL.
    #[arg(long, env = "UPDRAFT_AMQP_URL", default_value = "amqp://127.0.0.1:5672/%2f")]
    amqp_url: String,
    /// Worker id (unique in the cluster); defaults to the host name and a random suffix.
    #[arg(long, env = "UPDRAFT_WORKER_ID")]
    id: Option<String>,
    /// Where compiled modules are cached (defaults to a folder in the temp dir).
    #[arg(long, env = "UPDRAFT_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
    /// Instance pool size: invocations that can run at once on this machine.
    #[arg(long, default_value_t = updraft_runtime::DEFAULT_MAX_INSTANCES)]
    max_instances: u32,
}

fn default_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let host = host.trim();
    let host = if host.is_empty() { "worker" } else { host };
    format!("{host}-{:08x}", rand::random::<u32>())
}

pub async fn run(args: WorkerArgs) -> anyhow::Result<()> {
    let id = args.id.unwrap_or_else(default_id);
    let cache = args.cache_dir.unwrap_or_else(|| std::env::temp_dir().join("updraft-worker-cache"));
    let broker: Arc<dyn Broker> = Arc::new(AmqpBroker::connect(&args.amqp_url, &format!("updraft-worker {id}")));
    let control_plane = Arc::new(RemoteControlPlane::new(broker.clone()));
    let worker = Worker::new(
        WorkerConfig { id: id.clone(), ..WorkerConfig::default() },
        WorkerDeps {
            runtime: runtime(cache, args.max_instances)?,
            broker: broker.clone(),
            directory: control_plane.clone(),
            modules: control_plane,
            services: Arc::new(RemoteServices::registry(broker.clone(), updraft_gateway::DEFAULT_MAX_BODY_BYTES)),
            logs: Arc::new(BrokerLogSink::start(broker.clone())),
        },
    );
    worker.start().await?;
    worker.start_heartbeats(HEARTBEAT_INTERVAL);
    println!("Updraft worker {id} started");
    tokio::select! {
        _ = super::shutdown_signal() => {
            tracing::info!("SIGTERM: finishing invocations in flight");
            worker.drain().await;
        }
        _ = worker.drained() => {}
    }
    // The last settlements were only queued: they reach RabbitMQ before the close does.
    broker.close().await;
    tracing::info!("worker stopped");
    Ok(())
}
