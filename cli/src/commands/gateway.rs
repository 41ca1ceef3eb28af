//! `updraft gateway`: the control plane and HTTP API of a cluster, over RabbitMQ.

use std::sync::Arc;

use updraft_broker::{AmqpBroker, Broker};

use super::control_plane::{ControlPlane, ControlPlaneArgs};

/// Arguments of `updraft gateway`.
#[derive(clap::Args)]
pub struct GatewayArgs {
    #[command(flatten)]
    control_plane: ControlPlaneArgs,
    /// RabbitMQ URL.
    #[arg(long, env = "UPDRAFT_AMQP_URL", default_value = "amqp://127.0.0.1:5672/%2f")]
    amqp_url: String,
}

pub async fn run(args: GatewayArgs) -> anyhow::Result<()> {
    let broker: Arc<dyn Broker> = Arc::new(AmqpBroker::connect(&args.amqp_url, "updraft-gateway"));
    let plane = ControlPlane::start(&args.control_plane, broker).await?;
    println!("Updraft gateway is up at {} (data in {})", plane.public_url, args.control_plane.data_dir.display());
    plane.serve().await
}
