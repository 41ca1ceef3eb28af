//! A cluster of real processes over the real RabbitMQ: a gateway, a scheduler and
//! workers, in a vhost of their own that is deleted afterwards.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use updraft_broker::scratch_vhost::ScratchVhost;

use crate::support::{free_port, Server};

/// A RabbitMQ vhost for one test, deleted afterwards.
pub struct Vhost {
    vhost: ScratchVhost,
}

impl Vhost {
    pub fn create() -> Vhost {
        Vhost { vhost: ScratchVhost::create("updraft-test").expect("a vhost of the test's own") }
    }

    pub fn name(&self) -> &str {
        self.vhost.name()
    }

    pub fn url(&self) -> String {
        self.vhost.url()
    }

    /// `(durable, messages)` of `queue` as RabbitMQ lists it (ready and unacknowledged),
    /// or None when there is no such queue.
    pub fn queue(&self, queue: &str) -> Option<(bool, u64)> {
        let listed = Command::new("rabbitmqctl")
            .args(["list_queues", "-q", "-p", self.name(), "name", "durable", "messages"])
            .output()
            .expect("rabbitmqctl list_queues");
        let listed = String::from_utf8_lossy(&listed.stdout).to_string();
        listed.lines().find_map(|line| match line.split_whitespace().collect::<Vec<_>>()[..] {
            [name, durable, messages] if name == queue => Some((durable == "true", messages.parse().ok()?)),
            _ => None,
        })
    }
}

/// A process of the cluster, killed on drop.
pub struct Process {
    pub child: Child,
}

impl Process {
    pub fn spawn(args: &[String], amqp_url: &str) -> Process {
        let mut child = Command::new(env!("CARGO_BIN_EXE_updraft"))
            .args(args)
            .env("UPDRAFT_AMQP_URL", amqp_url)
            .env("UPDRAFT_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start updraft");
        let stdout = child.stdout.take().unwrap();
        let mut first = String::new();
        let mut reader = BufReader::new(stdout);
        reader.read_line(&mut first).unwrap();
        std::thread::spawn(move || for _ in reader.lines() {});
        Process { child }
    }

    /// SIGKILL: the process gets no chance to clean up.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits for the exit (at most `timeout`); true if it exited by itself.
    pub fn terminate(&mut self, timeout: Duration) -> bool {
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let deadline = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
        false
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Gateway + scheduler + workers.
pub struct Cluster {
    pub gateway: Server,
    /// Kept for its lifetime: dropping it stops the scheduler.
    _scheduler: Process,
    pub workers: Vec<Process>,
    pub vhost: Vhost,
    dir: tempfile::TempDir,
}

impl Cluster {
    pub async fn start(workers: usize) -> Cluster {
        Cluster::start_with(workers, &[]).await
    }

    /// A cluster whose gateway gets `gateway_args` too.
    pub async fn start_with(workers: usize, gateway_args: &[&str]) -> Cluster {
        let vhost = Vhost::create();
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let (listen, url) = (format!("127.0.0.1:{port}"), vhost.url());
        let mut args = vec!["--listen", listen.as_str(), "--amqp-url", url.as_str()];
        args.extend_from_slice(gateway_args);
        let gateway = Server::start_command("gateway", &args, &dir.path().join("gateway")).await;
        let scheduler = Process::spawn(&["scheduler".into(), "--provisioner".into(), "none".into()], &vhost.url());
        let mut cluster = Cluster { gateway, _scheduler: scheduler, workers: Vec::new(), vhost, dir };
        for _ in 0..workers {
            cluster.add_worker();
        }
        cluster
    }

    pub fn add_worker(&mut self) {
        let n = self.workers.len();
        let cache: PathBuf = self.dir.path().join(format!("worker-{n}"));
        let args = vec![
            "worker".into(),
            "--id".into(),
            format!("w{n}"),
            "--cache-dir".into(),
            cache.display().to_string(),
        ];
        self.workers.push(Process::spawn(&args, &self.vhost.url()));
    }

    /// Waits until `path` answers 200 (the function is granted somewhere).
    pub async fn until_served(&self, path: &str) {
        let served = Server::eventually(Duration::from_secs(30), || async {
            let response = self.gateway.http.get(self.gateway.at(path)).send().await.ok()?;
            (response.status() == 200).then_some(())
        })
        .await;
        assert!(served.is_some(), "{path} never answered 200");
    }
}
