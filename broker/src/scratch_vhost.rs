//! A RabbitMQ vhost of its own for a test or a bench against the real broker on this
//! machine, made with `rabbitmqctl` and deleted when dropped.

use std::process::{Command, Stdio};

/// A vhost the guest user may use fully; deleted on drop.
pub struct ScratchVhost {
    name: String,
}

/// Runs `rabbitmqctl` with `args`; an error says what failed.
pub fn rabbitmqctl(args: &[&str]) -> Result<(), String> {
    let status = Command::new("rabbitmqctl")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("rabbitmqctl not found (apt-get install rabbitmq-server): {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("rabbitmqctl {args:?} failed: is RabbitMQ running?"))
    }
}

impl ScratchVhost {
    /// A fresh vhost named `{prefix}-{8 random hex digits}`.
    pub fn create(prefix: &str) -> Result<ScratchVhost, String> {
        let name = format!("{prefix}-{:08x}", rand::random::<u32>());
        rabbitmqctl(&["add_vhost", &name])?;
        let vhost = ScratchVhost { name };
        rabbitmqctl(&["set_permissions", "-p", &vhost.name, "guest", ".*", ".*", ".*"])?;
        Ok(vhost)
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The AMQP URL of this vhost on the local broker, as the guest user.
    pub fn url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:5672/{}", self.name)
    }
}

impl Drop for ScratchVhost {
    fn drop(&mut self) {
        let _ = rabbitmqctl(&["delete_vhost", &self.name]);
    }
}
