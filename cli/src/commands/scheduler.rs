//! `updraft scheduler`: scales functions' instances and the cluster's machines.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use updraft_broker::{AmqpBroker, Broker};
use updraft_scheduler::policy::PolicyConfig;
use updraft_scheduler::provisioner::{DockerConfig, DockerProvisioner, ProcessProvisioner, Provisioner, WorkerLaunch};
use updraft_scheduler::{Scheduler, SchedulerConfig};

/// How machines come to be.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ProvisionerKind {
    /// The machines are the workers that joined by hand.
    None,
    /// Workers as local child processes.
    Process,
    /// Workers as Docker containers (the image is built from this binary).
    Docker,
}

/// Arguments of `updraft scheduler`.
#[derive(clap::Args)]
pub struct SchedulerArgs {
    /// RabbitMQ URL.
    #[arg(long, env = "UPDRAFT_AMQP_URL", default_value = "amqp://127.0.0.1:5672/%2f")]
    amqp_url: String,
    /// How machines come to be.
    #[arg(long, value_enum, default_value = "none")]
    provisioner: ProvisionerKind,
    /// Least machines kept.
    #[arg(long, default_value_t = 1)]
    min_machines: u32,
    /// Most machines.
    #[arg(long, default_value_t = 8)]
    max_machines: u32,
    /// Instances one machine holds.
    #[arg(long, default_value_t = 16)]
    slots_per_machine: u32,
    /// Averaging window of the instance policy, seconds.
    #[arg(long, default_value_t = 60)]
    stable_window_secs: u64,
    /// Short window that reacts to spikes, seconds.
    #[arg(long, default_value_t = 6)]
    panic_window_secs: u64,
    /// A function without demand this long goes to zero instances (min 0), seconds.
    #[arg(long, default_value_t = 60)]
    idle_window_secs: u64,
    /// Machines that fit into one fewer this long lose one, seconds.
    #[arg(long, default_value_t = 60)]
    machine_idle_window_secs: u64,
    /// Cluster name: Docker containers are labelled with it and adopted by it.
    #[arg(long, env = "UPDRAFT_CLUSTER", default_value = "default")]
    cluster: String,
    /// Instance pool of each worker machine.
    #[arg(long, default_value_t = 256)]
    worker_max_instances: u32,
    /// Memory limit of each worker container, MiB.
    #[arg(long, default_value_t = 1024)]
    worker_memory_mb: i64,
    /// CPU limit of each worker container, in CPUs.
    #[arg(long, default_value_t = 1.0)]
    worker_cpus: f64,
    /// Process/thread limit of each worker container.
    #[arg(long, default_value_t = 512)]
    worker_pids: i64,
    /// Network mode of worker containers (`host` reaches a broker on loopback).
    #[arg(long, default_value = "host")]
    worker_network: String,
    /// Where process workers cache compiled modules.
    #[arg(long)]
    worker_cache_dir: Option<PathBuf>,
}

fn provisioner(args: &SchedulerArgs) -> anyhow::Result<Option<Arc<dyn Provisioner>>> {
    let launch = WorkerLaunch {
        program: std::env::current_exe().context("locating the updraft binary")?,
        amqp_url: args.amqp_url.clone(),
        max_instances: args.worker_max_instances,
    };
    Ok(match args.provisioner {
        ProvisionerKind::None => None,
        ProvisionerKind::Process => {
            let cache = args.worker_cache_dir.clone().unwrap_or_else(|| std::env::temp_dir().join("updraft-workers"));
            Some(Arc::new(ProcessProvisioner::new(launch, cache)))
        }
        ProvisionerKind::Docker => {
            let config = DockerConfig {
                launch,
                cluster: args.cluster.clone(),
                memory_bytes: args.worker_memory_mb << 20,
                nano_cpus: (args.worker_cpus * 1e9) as i64,
                pids_limit: args.worker_pids,
                network_mode: args.worker_network.clone(),
            };
            Some(Arc::new(DockerProvisioner::connect(config).context("connecting to Docker")?))
        }
    })
}

pub async fn run(args: SchedulerArgs) -> anyhow::Result<()> {
    let broker: Arc<dyn Broker> = Arc::new(AmqpBroker::connect(&args.amqp_url, "updraft-scheduler"));
    let config = SchedulerConfig {
        policy: PolicyConfig {
            stable_window: Duration::from_secs(args.stable_window_secs),
            panic_window: Duration::from_secs(args.panic_window_secs),
            idle_window: Duration::from_secs(args.idle_window_secs),
            ..PolicyConfig::default()
        },
        slots_per_machine: args.slots_per_machine,
        min_machines: args.min_machines,
        max_machines: args.max_machines.max(args.min_machines),
        underused_window: Duration::from_secs(args.machine_idle_window_secs),
        ..SchedulerConfig::default()
    };
    let provisioner = provisioner(&args)?;
    println!("Updraft scheduler started ({:?} provisioner)", args.provisioner);
    tokio::select! {
        result = Scheduler::new(broker, config, provisioner).run() => result?,
        _ = super::shutdown_signal() => {}
    }
    Ok(())
}
