//! Workers as local child processes, for hosts without Docker.

use std::collections::HashMap;
use std::path::PathBuf;

use async_trait::async_trait;
use parking_lot::Mutex;
use tokio::process::{Child, Command};

use super::{ProvisionError, Provisioner, WorkerLaunch};

/// Starts `updraft worker` processes; they stop with the scheduler.
pub struct ProcessProvisioner {
    launch: WorkerLaunch,
    cache_root: PathBuf,
    children: Mutex<HashMap<String, Child>>,
}

impl ProcessProvisioner {
    /// Workers cache compiled modules under `cache_root/<id>`.
    pub fn new(launch: WorkerLaunch, cache_root: PathBuf) -> ProcessProvisioner {
        ProcessProvisioner { launch, cache_root, children: Mutex::new(HashMap::new()) }
    }
}

#[async_trait]
impl Provisioner for ProcessProvisioner {
    async fn adopt(&self) -> Result<Vec<String>, ProvisionError> {
        // Child processes die with their scheduler: nothing survives to adopt.
        Ok(Vec::new())
    }

    async fn provision(&self) -> Result<String, ProvisionError> {
        let id = format!("proc-{:08x}", rand::random::<u32>());
        let mut command = Command::new(&self.launch.program);
        command
            .arg("worker")
            .arg("--id")
            .arg(&id)
            .arg("--cache-dir")
            .arg(self.cache_root.join(&id))
            .arg("--max-instances")
            .arg(self.launch.max_instances.to_string())
            .env("UPDRAFT_AMQP_URL", &self.launch.amqp_url)
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true);
        // SAFETY: prctl(2) only; a worker gets SIGTERM (drains, exits) when the
        // scheduler dies, even by SIGKILL, so no orphan keeps running.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
        let child = command
            .spawn()
            .map_err(|e| ProvisionError::Process(format!("starting a worker: {e}")))?;
        self.children.lock().insert(id.clone(), child);
        Ok(id)
    }

    async fn remove(&self, id: &str) -> Result<(), ProvisionError> {
        let child = self.children.lock().remove(id);
        if let Some(mut child) = child {
            if let Some(pid) = child.id() {
                // SAFETY: kill(2) on our own child: SIGTERM lets it drain what is left.
                unsafe {
                    libc::kill(pid as i32, libc::SIGTERM);
                }
            }
            if tokio::time::timeout(std::time::Duration::from_secs(30), child.wait()).await.is_err() {
                let _ = child.kill().await;
            }
        }
        Ok(())
    }
}
