//! What `updraft up` and `updraft gateway` share: the data directory, the runtime that
//! checks deploys, the gateway with its services, mailer and HTTP listener.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::serve::ListenerExt;
use updraft_broker::Broker;
use updraft_gateway::{Gateway, GatewayConfig, GatewayDeps, StoreLogSink};
use updraft_host::{MailerConfig, ServiceRegistry};
use updraft_runtime::{Compiler, Runtime, RuntimeConfig};
use updraft_store::{BlobStore, Db};

use crate::data_dir::DataDir;

/// Flags of the control plane.
#[derive(clap::Args)]
pub struct ControlPlaneArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "UPDRAFT_LISTEN")]
    pub listen: SocketAddr,
    /// Data directory (database, modules, compiled cache, keys).
    #[arg(long, default_value = "./.updraft", env = "UPDRAFT_DATA_DIR")]
    pub data_dir: PathBuf,
    /// Only the admin may create accounts.
    #[arg(long)]
    pub closed_signup: bool,
    /// Base URL printed in answers (defaults to http://LISTEN).
    #[arg(long, env = "UPDRAFT_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Mail relay (`smtp://host:port`, `smtp://host:port?tls=required`, `smtps://host:port`).
    #[arg(long, env = "UPDRAFT_SMTP_URL", default_value = "smtp://127.0.0.1:25")]
    pub smtp_url: String,
    /// Sender of every mail.
    #[arg(long, env = "UPDRAFT_MAIL_FROM", default_value = "Updraft <noreply@localhost>")]
    pub mail_from: String,
    /// Longest wait between two delivery attempts of a mail, in milliseconds.
    #[arg(long, default_value_t = 30_000)]
    pub mail_max_backoff_ms: u64,
    /// Instance pool size: invocations that can run at once in this process.
    #[arg(long, default_value_t = updraft_runtime::DEFAULT_MAX_INSTANCES)]
    pub max_instances: u32,
}

/// A started control plane, not yet serving HTTP.
pub struct ControlPlane {
    pub gateway: Gateway,
    pub runtime: Runtime,
    pub services: Arc<ServiceRegistry>,
    pub logs: Arc<StoreLogSink>,
    pub listener: tokio::net::TcpListener,
    pub public_url: String,
}

/// A runtime whose compiles run in a child process of this binary (killed at the cap).
pub fn runtime(cache_dir: PathBuf, max_instances: u32) -> anyhow::Result<Runtime> {
    let mut config = RuntimeConfig::new(cache_dir);
    config.max_instances = max_instances;
    config.compiler = Compiler::Subprocess {
        program: std::env::current_exe().context("locating the updraft binary")?,
        args: vec!["__compile".into()],
    };
    Runtime::new(config).context("starting the wasm runtime")
}

impl ControlPlane {
    /// Opens the data directory, binds the listener, builds the gateway and its services
    /// and starts the mailer.
    pub async fn start(args: &ControlPlaneArgs, broker: Arc<dyn Broker>) -> anyhow::Result<ControlPlane> {
        let dir = DataDir::open(&args.data_dir)?;
        let db = Db::open(&dir.database()).context("opening the database")?;
        let blobs = BlobStore::open(&dir.modules())?;
        let runtime = runtime(dir.compiled(), args.max_instances)?;
        let listener = tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
        let public_url = args.public_url.clone().unwrap_or(format!("http://{}", listener.local_addr()?));
        let config = GatewayConfig { closed_signup: args.closed_signup, public_url: public_url.clone(), ..GatewayConfig::default() };
        let deps = GatewayDeps { db: db.clone(), blobs, broker, runtime: runtime.clone(), token_secret: dir.token_secret()? };
        let gateway = Gateway::new(config, deps).map_err(|e| anyhow::anyhow!("starting the gateway: {}", e.message))?;
        gateway.start_session_sweeper();

        let mail_wake = Arc::new(tokio::sync::Notify::new());
        let outbox = gateway.outbox(mail_wake.clone());
        let services = Arc::new(gateway.service_registry(outbox.clone()));
        let mailer = MailerConfig {
            max_backoff: Duration::from_millis(args.mail_max_backoff_ms),
            ..MailerConfig::new(args.smtp_url.clone(), args.mail_from.clone())
        };
        let delivery = gateway.mail_delivery(mailer, mail_wake.clone()).map_err(|e| anyhow::anyhow!(e))?;
        tokio::spawn(delivery.run());
        let logs = Arc::new(StoreLogSink::start(db.clone()));
        gateway.serve_workers(services.clone(), logs.clone(), outbox).await.map_err(|e| anyhow::anyhow!(e.message))?;
        Ok(ControlPlane { gateway, runtime, services, logs, listener, public_url })
    }

    /// Serves HTTP until SIGTERM or Ctrl-C (stops accepting, finishes requests in flight).
    pub async fn serve(self) -> anyhow::Result<()> {
        let app = axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<SocketAddr>(self.gateway.front());
        // A response goes out as soon as it is written, not held back for the client's ACK.
        let listener = self.listener.tap_io(|connection| {
            if let Err(error) = connection.set_nodelay(true) {
                tracing::debug!(%error, "TCP_NODELAY not set on a connection");
            }
        });
        axum::serve(listener, app).with_graceful_shutdown(super::shutdown_signal()).await?;
        Ok(())
    }
}
