//! Starting `updraft up` and talking to it like a user would.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

/// Path of a built example module.
pub fn example(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples-wasm/dist").join(format!("{name}.wasm"));
    assert!(path.is_file(), "{} is missing: run examples-wasm/build.sh first", path.display());
    path
}

/// Bytes of a built example module.
pub fn example_bytes(name: &str) -> Vec<u8> {
    std::fs::read(example(name)).unwrap()
}

/// A running `updraft up` with its own data directory; killed on drop.
pub struct Server {
    child: Child,
    pub url: String,
    pub data_dir: PathBuf,
    _temp: Option<tempfile::TempDir>,
    pub http: reqwest::Client,
}

impl Server {
    /// Starts a server on a fresh data directory.
    pub async fn start() -> Server {
        Server::start_with(&[]).await
    }

    /// Starts a server on a fresh data directory with extra arguments.
    pub async fn start_with(extra: &[&str]) -> Server {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().to_owned();
        let mut server = Server::start_in(&dir, extra).await;
        server._temp = Some(temp);
        server
    }

    /// Starts a server on `data_dir` with extra arguments.
    pub async fn start_in(data_dir: &Path, extra: &[&str]) -> Server {
        let mut args = vec!["--listen", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        Server::start_command("up", &args, data_dir).await
    }

    /// Starts `updraft COMMAND --data-dir DATA_DIR ARGS..` (a command that serves HTTP
    /// and prints its URL first).
    pub async fn start_command(command: &str, args: &[&str], data_dir: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_updraft"))
            .arg(command)
            .arg("--data-dir")
            .arg(data_dir)
            .args(args)
            .env("UPDRAFT_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start updraft up");
        let stdout = child.stdout.take().unwrap();
        let url = tokio::task::spawn_blocking(move || {
            let mut lines = BufReader::new(stdout).lines();
            let first = lines.next().expect("updraft up printed nothing").unwrap();
            // Keep draining so the child never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines {});
            first.split_whitespace().find(|w| w.starts_with("http://")).expect("no URL in the banner").to_owned()
        })
        .await
        .unwrap();
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
        Server { child, url, data_dir: data_dir.to_owned(), _temp: None, http }
    }

    /// Stops the server with SIGTERM and waits for it to exit.
    pub fn stop(mut self) -> Option<tempfile::TempDir> {
        terminate(&mut self.child);
        self._temp.take()
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// Creates a developer account and returns a token for it.
    pub async fn developer(&self, username: &str) -> String {
        let credentials = json!({ "username": username, "password": "correct horse battery" });
        let created = self.http.post(self.at("/v1/accounts")).json(&credentials).send().await.unwrap();
        assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
        let token: Value = self.http.post(self.at("/v1/tokens")).json(&credentials).send().await.unwrap().json().await.unwrap();
        token["token"].as_str().unwrap().to_owned()
    }

    /// Creates an app.
    pub async fn app(&self, token: &str, name: &str) {
        let response = self.http.post(self.at("/v1/apps")).bearer_auth(token).json(&json!({ "name": name })).send().await.unwrap();
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    }

    /// Uploads a module with settings in the query; returns status and JSON body.
    pub async fn deploy(&self, token: &str, app: &str, function: &str, wasm: Vec<u8>, query: &str) -> (u16, Value) {
        let response = self
            .http
            .put(self.at(&format!("/v1/apps/{app}/functions/{function}?{query}")))
            .bearer_auth(token)
            .header("content-type", "application/wasm")
            .body(wasm)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Deploys an example and asserts it went live.
    pub async fn deploy_example(&self, token: &str, app: &str, function: &str, example_name: &str, query: &str) -> Value {
        let (status, body) = self.deploy(token, app, function, example_bytes(example_name), query).await;
        assert_eq!(status, 201, "{body}");
        body
    }

    /// Signs up an app user and signs them in; returns the session token.
    pub async fn app_user(&self, app: &str, username: &str) -> String {
        let credentials = json!({ "username": username, "password": "user password 1" });
        let created = self.http.post(self.at(&format!("/v1/apps/{app}/users"))).json(&credentials).send().await.unwrap();
        assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
        let session = self.http.post(self.at(&format!("/v1/apps/{app}/sessions"))).json(&credentials).send().await.unwrap();
        assert_eq!(session.status(), 200);
        let body: Value = session.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
    }

    /// Polls `check` every 100 ms until it returns `Some`, for at most `timeout`.
    pub async fn eventually<T, F, Fut>(timeout: Duration, mut check: F) -> Option<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(value) = check().await {
                return Some(value);
            }
            if std::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A developer with an app, in one step.
    pub async fn developer_with_app(&self, username: &str, app: &str) -> String {
        let token = self.developer(username).await;
        self.app(&token, app).await;
        token
    }
}

fn terminate(child: &mut Child) {
    // SAFETY: kill(2) on our own child's pid.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A free TCP port on loopback (bound and released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A real SMTP server (aiosmtpd) on loopback, recording what it receives.
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    out: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmtpSink {
    /// Starts the server on `port`.
    pub fn start(port: u16) -> SmtpSink {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("received.jsonl");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .arg(&out)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (pip install aiosmtpd)");
        let mut ready = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut ready).unwrap();
        assert_eq!(ready.trim(), "ready", "the SMTP sink did not start");
        SmtpSink { child, port, out, _dir: dir }
    }

    /// The messages received so far.
    pub fn received(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// The relay URL of this server.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
