//! Workers as Docker containers, least privilege: read-only root, every capability
//! dropped, no-new-privileges, a non-root user, memory, CPU and pids limits, a tmpfs for
//! the module cache. Containers carry labels so a restarted scheduler adopts its own and
//! removes leftovers.

use std::collections::HashMap;

use async_trait::async_trait;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, ListContainersOptionsBuilder, RemoveContainerOptionsBuilder, StopContainerOptionsBuilder,
};
use bollard::Docker;
use tokio::sync::OnceCell;

use super::image::ensure_image;
use super::{ProvisionError, Provisioner, WorkerLaunch};

/// Label on everything the scheduler creates.
pub const MANAGED_LABEL: &str = "updraft.managed";
/// Label naming the cluster a worker container belongs to.
pub const CLUSTER_LABEL: &str = "updraft.cluster";

/// How worker containers are run.
#[derive(Clone, Debug)]
pub struct DockerConfig {
    /// Binary, broker URL, pool size.
    pub launch: WorkerLaunch,
    /// Cluster name (label value): a scheduler adopts only its cluster's containers.
    pub cluster: String,
    /// Memory limit per container.
    pub memory_bytes: i64,
    /// CPU limit per container, in units of 1e-9 CPUs.
    pub nano_cpus: i64,
    /// Most processes/threads per container.
    pub pids_limit: i64,
    /// Network mode (`host` lets workers reach a broker on the host's loopback).
    pub network_mode: String,
}

/// Starts and removes worker containers through the Docker engine.
pub struct DockerProvisioner {
    docker: Docker,
    config: DockerConfig,
    image: OnceCell<String>,
}

fn docker_error(error: impl std::fmt::Display) -> ProvisionError {
    ProvisionError::Docker(error.to_string())
}

impl DockerProvisioner {
    /// Connects to the local engine.
    pub fn connect(config: DockerConfig) -> Result<DockerProvisioner, ProvisionError> {
        let docker = Docker::connect_with_local_defaults().map_err(docker_error)?;
        Ok(DockerProvisioner { docker, config, image: OnceCell::new() })
    }

    async fn image(&self) -> Result<&String, ProvisionError> {
        self.image.get_or_try_init(|| ensure_image(&self.docker, &self.config.launch.program)).await
    }

    fn labels(&self) -> HashMap<String, String> {
        HashMap::from([
            (MANAGED_LABEL.to_owned(), "true".to_owned()),
            (CLUSTER_LABEL.to_owned(), self.config.cluster.clone()),
            ("updraft.role".to_owned(), "worker".to_owned()),
        ])
    }

    fn host_config(&self) -> HostConfig {
        HostConfig {
            network_mode: Some(self.config.network_mode.clone()),
            readonly_rootfs: Some(true),
            cap_drop: Some(vec!["ALL".into()]),
            security_opt: Some(vec!["no-new-privileges:true".into()]),
            memory: Some(self.config.memory_bytes),
            memory_swap: Some(self.config.memory_bytes),
            nano_cpus: Some(self.config.nano_cpus),
            pids_limit: Some(self.config.pids_limit),
            // `exec`: compiled modules in the cache are mapped executable.
            tmpfs: Some(HashMap::from([("/tmp".to_owned(), "rw,exec,nosuid,nodev,size=512m".to_owned())])),
            ..HostConfig::default()
        }
    }
}

#[async_trait]
impl Provisioner for DockerProvisioner {
    async fn adopt(&self) -> Result<Vec<String>, ProvisionError> {
        let filters = HashMap::from([("label", vec![format!("{CLUSTER_LABEL}={}", self.config.cluster)])]);
        let options = ListContainersOptionsBuilder::default().all(true).filters(&filters).build();
        let containers = self.docker.list_containers(Some(options)).await.map_err(docker_error)?;
        let mut adopted = Vec::new();
        for container in containers {
            let Some(name) = container.names.as_ref().and_then(|n| n.first()).map(|n| n.trim_start_matches('/').to_owned())
            else {
                continue;
            };
            let running = container.state.as_ref().is_some_and(|s| s.to_string() == "running");
            if running {
                adopted.push(name);
            } else {
                tracing::info!(container = %name, "removing a leftover worker container");
                self.remove(&name).await?;
            }
        }
        Ok(adopted)
    }

    async fn provision(&self) -> Result<String, ProvisionError> {
        let image = self.image().await?.clone();
        let name = format!("updraft-worker-{:08x}", rand::random::<u32>());
        let launch = &self.config.launch;
        let body = ContainerCreateBody {
            image: Some(image),
            cmd: Some(vec![
                "worker".into(),
                "--id".into(),
                name.clone(),
                "--cache-dir".into(),
                "/tmp/cache".into(),
                "--max-instances".into(),
                launch.max_instances.to_string(),
            ]),
            env: Some(vec![format!("UPDRAFT_AMQP_URL={}", launch.amqp_url), "UPDRAFT_LOG=info".into()]),
            user: Some("65534:65534".into()),
            labels: Some(self.labels()),
            host_config: Some(self.host_config()),
            ..ContainerCreateBody::default()
        };
        let options = CreateContainerOptionsBuilder::default().name(&name).build();
        self.docker.create_container(Some(options), body).await.map_err(docker_error)?;
        if let Err(error) = self.docker.start_container(&name, None).await {
            let _ = self.remove(&name).await;
            return Err(docker_error(error));
        }
        Ok(name)
    }

    async fn remove(&self, id: &str) -> Result<(), ProvisionError> {
        let stop = StopContainerOptionsBuilder::default().t(30).build();
        let _ = self.docker.stop_container(id, Some(stop)).await;
        let remove = RemoveContainerOptionsBuilder::default().force(true).build();
        match self.docker.remove_container(id, Some(remove)).await {
            Ok(()) => Ok(()),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => Ok(()),
            Err(error) => Err(docker_error(error)),
        }
    }
}
