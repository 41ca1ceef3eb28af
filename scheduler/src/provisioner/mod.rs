//! Provisioners: how worker machines come and go. The scheduler decides how many; a
//! provisioner starts, adopts and removes them.

mod docker;
mod image;
mod process;

pub use docker::{DockerConfig, DockerProvisioner, CLUSTER_LABEL, MANAGED_LABEL};
pub use process::ProcessProvisioner;

use async_trait::async_trait;

/// Why a provisioner failed.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    /// The Docker engine refused or failed.
    #[error("docker: {0}")]
    Docker(String),
    /// A process could not be started or stopped.
    #[error("process: {0}")]
    Process(String),
    /// The worker image could not be built.
    #[error("worker image: {0}")]
    Image(String),
}

/// Starts and removes worker machines.
#[async_trait]
pub trait Provisioner: Send + Sync + 'static {
    /// Machines already running from an earlier life of the scheduler (adopted), after
    /// removing leftovers that no longer run. Returns their worker ids.
    async fn adopt(&self) -> Result<Vec<String>, ProvisionError>;

    /// Starts one machine; returns its worker id.
    async fn provision(&self) -> Result<String, ProvisionError>;

    /// Stops and removes a machine (it drained, or it died).
    async fn remove(&self, id: &str) -> Result<(), ProvisionError>;
}

/// How a worker machine is started: the `updraft` binary and its arguments.
#[derive(Clone, Debug)]
pub struct WorkerLaunch {
    /// The `updraft` binary (the scheduler's own).
    pub program: std::path::PathBuf,
    /// RabbitMQ URL the workers join.
    pub amqp_url: String,
    /// Instance pool of each worker.
    pub max_instances: u32,
}
