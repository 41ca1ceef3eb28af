//! `updraft up`: the whole platform in one process, no RabbitMQ, no Docker.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use updraft_broker::{Broker, InProcessBroker};
use updraft_gateway::{Gateway, GatewayConfig, GatewayDeps, GatewayDirectory, StoreLogSink};
use updraft_host::MailerConfig;
use updraft_runtime::{Compiler, Runtime, RuntimeConfig};
use updraft_scheduler::StaticGrants;
use updraft_store::{BlobStore, Db};
use updraft_worker::{Worker, WorkerConfig, WorkerDeps};

use crate::data_dir::DataDir;

/// Arguments of `updraft up`.
#[derive(clap::Args)]
pub struct UpArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "UPDRAFT_LISTEN")]
    listen: SocketAddr,
    /// Data directory (database, modules, compiled cache, keys).
    #[arg(long, default_value = "./.updraft", env = "UPDRAFT_DATA_DIR")]
    data_dir: PathBuf,
    /// Only the admin may create accounts.
    #[arg(long)]
    closed_signup: bool,
    /// Base URL printed in answers (defaults to http://LISTEN).
    #[arg(long, env = "UPDRAFT_PUBLIC_URL")]
    public_url: Option<String>,
    /// Mail relay (`smtp://host:port`, `smtp://host:port?tls=required`, `smtps://host:port`).
    #[arg(long, env = "UPDRAFT_SMTP_URL", default_value = "smtp://127.0.0.1:25")]
    smtp_url: String,
    /// Sender of every mail.
    #[arg(long, env = "UPDRAFT_MAIL_FROM", default_value = "Updraft <noreply@localhost>")]
    mail_from: String,
    /// Longest wait between two delivery attempts of a mail, in milliseconds.
    #[arg(long, default_value_t = 30_000)]
    mail_max_backoff_ms: u64,
    /// Instance pool size: invocations that can run at once.
    #[arg(long, default_value_t = updraft_runtime::DEFAULT_MAX_INSTANCES)]
    max_instances: u32,
}

pub async fn run(args: UpArgs) -> anyhow::Result<()> {
    let dir = DataDir::open(&args.data_dir)?;
    let db = Db::open(&dir.database()).context("opening the database")?;
    let blobs = BlobStore::open(&dir.modules())?;
    let mut runtime_config = RuntimeConfig::new(dir.compiled());
    runtime_config.max_instances = args.max_instances;
    runtime_config.compiler = Compiler::Subprocess {
        program: std::env::current_exe().context("locating the updraft binary")?,
        args: vec!["__compile".into()],
    };
    let runtime = Runtime::new(runtime_config).context("starting the wasm runtime")?;
    let broker: Arc<dyn Broker> = Arc::new(InProcessBroker::default());

    let listener = tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    let public_url = args.public_url.clone().unwrap_or(format!("http://{}", listener.local_addr()?));
    let config = GatewayConfig { closed_signup: args.closed_signup, public_url: public_url.clone(), ..GatewayConfig::default() };
    let deps = GatewayDeps { db: db.clone(), blobs, broker: broker.clone(), runtime: runtime.clone(), token_secret: dir.token_secret()? };
    let gateway = Gateway::new(config, deps).map_err(|e| anyhow::anyhow!("starting the gateway: {}", e.message))?;

    gateway.start_session_sweeper();
    let mail_wake = Arc::new(tokio::sync::Notify::new());
    let services = Arc::new(gateway.service_registry(mail_wake.clone()));
    let mailer = MailerConfig::new(args.smtp_url.clone(), args.mail_from.clone());
    let mailer = MailerConfig { max_backoff: Duration::from_millis(args.mail_max_backoff_ms), ..mailer };
    let delivery = gateway.mail_delivery(mailer, mail_wake).map_err(|e| anyhow::anyhow!(e))?;
    tokio::spawn(delivery.run());
    let directory = Arc::new(GatewayDirectory::new(gateway.clone()));
    let worker = Worker::new(
        WorkerConfig::default(),
        WorkerDeps {
            runtime,
            broker: broker.clone(),
            directory: directory.clone(),
            modules: directory,
            services,
            logs: Arc::new(StoreLogSink::start(db)),
        },
    );
    worker.start().await?;
    let live = gateway.functions().iter().map(|f| f.spec.clone()).collect();
    StaticGrants::new(broker, worker.id()).start(live).await?;

    print_banner(&public_url, &args.data_dir);
    let app = gateway.router().into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(super::shutdown_signal()).await?;
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
