//! `updraft scheduler`: grants functions' slots to the cluster's workers.

use std::sync::Arc;

use updraft_broker::{AmqpBroker, Broker};
use updraft_scheduler::{Scheduler, SchedulerConfig};

/// How machines come to be.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ProvisionerKind {
    /// The machines are the workers that joined by hand.
    None,
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
}

pub async fn run(args: SchedulerArgs) -> anyhow::Result<()> {
    let broker: Arc<dyn Broker> = Arc::new(AmqpBroker::connect(&args.amqp_url, "updraft-scheduler"));
    let ProvisionerKind::None = args.provisioner;
    println!("Updraft scheduler started");
    tokio::select! {
        result = Scheduler::new(broker, SchedulerConfig::default()).run() => result?,
        _ = super::shutdown_signal() => {}
    }
    Ok(())
}
