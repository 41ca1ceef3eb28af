//! `updraft up`: the whole platform in one process, no RabbitMQ, no Docker.

use std::sync::Arc;

use updraft_broker::{Broker, InProcessBroker};
use updraft_gateway::GatewayDirectory;
use updraft_scheduler::StaticGrants;
use updraft_worker::{Worker, WorkerConfig, WorkerDeps};

use super::control_plane::{ControlPlane, ControlPlaneArgs};

/// Arguments of `updraft up`.
#[derive(clap::Args)]
pub struct UpArgs {
    #[command(flatten)]
    control_plane: ControlPlaneArgs,
}

pub async fn run(args: UpArgs) -> anyhow::Result<()> {
    let broker: Arc<dyn Broker> = Arc::new(InProcessBroker::default());
    let plane = ControlPlane::start(&args.control_plane, broker.clone()).await?;
    let directory = Arc::new(GatewayDirectory::new(plane.gateway.clone()));
    let worker = Worker::new(
        WorkerConfig::default(),
        WorkerDeps {
            runtime: plane.runtime.clone(),
            broker: broker.clone(),
            directory: directory.clone(),
            modules: directory,
            services: plane.services.clone(),
            logs: plane.logs.clone(),
        },
    );
    worker.start().await?;
    let live = plane.gateway.functions().iter().map(|f| f.spec.clone()).collect();
    StaticGrants::new(broker, worker.id()).start(live).await?;

    print_banner(&plane.public_url, &args.control_plane.data_dir);
    plane.serve().await?;
    tracing::info!("stopped accepting; finishing invocations in flight");
    worker.drain().await;
    Ok(())
}

fn print_banner(url: &str, data_dir: &std::path::Path) {
    println!("Updraft is up at {url} (data in {})", data_dir.display());
    println!();
    println!("Get a token:");
    println!("  curl -s -X POST {url}/v1/accounts -H 'content-type: application/json' -d '{{\"username\":\"me\",\"password\":\"a-long-password\"}}'");
    println!("  curl -s -X POST {url}/v1/tokens   -H 'content-type: application/json' -d '{{\"username\":\"me\",\"password\":\"a-long-password\"}}'");
    println!("Then create an app, deploy a module and call it:");
    println!("  curl -s -X POST {url}/v1/apps -H \"authorization: Bearer $TOKEN\" -H 'content-type: application/json' -d '{{\"name\":\"demo\"}}'");
    println!("  curl -s -X PUT {url}/v1/apps/demo/functions/hello -H \"authorization: Bearer $TOKEN\" -H 'content-type: application/wasm' --data-binary @hello.wasm");
    println!("  curl -s {url}/fn/demo/hello");
}
