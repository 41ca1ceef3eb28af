//! The developer commands (`updraft signup`, `login`, `apps create`, `new`, `build`,
//! `deploy`, `invoke`, `logs`, `ls`, `rollback`, `rm`, ...), run as a developer would run
//! them, against a real `updraft up`, with a config directory of their own.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::support::{example, Server};

const PASSWORD: &str = "correct horse battery";
/// Where the scaffold's wasm builds go, kept between runs so they are fast.
const SCAFFOLD_TARGET_DIR: &str = "/var/cache/updraft/scaffold-target";

/// A developer's machine: its own HOME and config dir (never the real user's), the real
/// cargo and rustup, no UPDRAFT_* variables.
struct Developer {
    home: tempfile::TempDir,
    cargo_home: PathBuf,
    rustup_home: PathBuf,
}

impl Developer {
    fn new() -> Developer {
        let real_home = PathBuf::from(std::env::var_os("HOME").expect("HOME"));
        let cargo_home = std::env::var_os("CARGO_HOME").map_or_else(|| real_home.join(".cargo"), PathBuf::from);
        let rustup_home = std::env::var_os("RUSTUP_HOME").map_or_else(|| real_home.join(".rustup"), PathBuf::from);
        Developer { home: tempfile::tempdir().unwrap(), cargo_home, rustup_home }
    }

    fn config_file(&self) -> PathBuf {
        self.home.path().join("config/updraft/config.toml")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_updraft"));
        command
            .args(args)
            .current_dir(self.home.path())
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join("config"))
            .env("CARGO_HOME", &self.cargo_home)
            .env("RUSTUP_HOME", &self.rustup_home)
            .env("CARGO_TARGET_DIR", SCAFFOLD_TARGET_DIR)
            // The scaffold must build without the network.
            .env("CARGO_NET_OFFLINE", "true")
            .env_remove("UPDRAFT_URL")
            .env_remove("UPDRAFT_TOKEN")
            .stdin(Stdio::null());
        command
    }

    fn output(&self, mut command: Command, stdin: &str) -> Output {
        command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("start updraft");
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }

    /// Runs a command that must succeed; returns its stdout.
    fn ok_in(&self, command: Command, stdin: &str) -> String {
        let description = format!("{command:?}");
        let output = self.output(command, stdin);
        let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(output.status.success(), "{description} failed:\n{stderr}\n{stdout}");
        stdout.into_owned()
    }

    fn ok(&self, args: &[&str]) -> String {
        self.ok_in(self.command(args), "")
    }

    fn json(&self, args: &[&str]) -> Value {
        let stdout = self.ok(&[args, &["--json"]].concat());
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}): {stdout}"))
    }

    /// Runs a command that must fail; returns its stderr.
    fn fails_in(&self, command: Command, stdin: &str) -> String {
        let description = format!("{command:?}");
        let output = self.output(command, stdin);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(!output.status.success(), "{description} succeeded:\n{}", String::from_utf8_lossy(&output.stdout));
        assert!(stderr.starts_with("error: "), "{stderr}");
        stderr
    }

    fn fails(&self, args: &[&str]) -> String {
        self.fails_in(self.command(args), "")
    }

    /// Signs up as `username` on `server` and creates `app`.
    fn sign_up_with_app(&self, server: &Server, username: &str, app: &str) {
        let signup = self.command(&["signup", "--url", &server.url, "--username", username, "--password-stdin"]);
        self.ok_in(signup, &format!("{PASSWORD}\n"));
        self.ok(&["apps", "create", app]);
    }
}

#[tokio::test]
async fn signup_login_and_the_config_file() {
    let server = Server::start().await;
    let dev = Developer::new();
    let url = server.url.as_str();

    let error = dev.fails(&["ls", "--url", url]);
    assert!(error.contains(&format!("not logged in to {url}: run `updraft login`")), "{error}");
    let error = dev.fails(&["login", "--url", url, "--username", "dev"]);
    assert!(error.contains("--password-stdin"), "no terminal to ask on: {error}");

    let signup = dev.command(&["signup", "--url", url, "--username", "dev", "--password-stdin"]);
    let said = dev.ok_in(signup, &format!("{PASSWORD}\n"));
    assert!(said.contains("Created account dev (the server's admin)") && said.contains(&format!("Logged in to {url} as dev")), "{said}");
    let config = std::fs::read_to_string(dev.config_file()).unwrap();
    assert!(config.contains(&format!("url = \"{url}\"")) && config.contains("token = \"ey"), "{config}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dev.config_file()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the token file is private");
    }

    // Later commands find the server and token in the config file.
    let error = dev.fails_in(dev.command(&["login", "--username", "dev", "--password-stdin"]), "wrong password\n");
    assert!(error.contains("wrong username or password"), "{error}");
    let login = dev.ok_in(dev.command(&["login", "--username", "dev", "--password-stdin"]), &format!("{PASSWORD}\n"));
    assert!(login.contains(&format!("Logged in to {url} as dev")), "{login}");
    assert!(dev.ok(&["ls"]).contains("No apps yet"));
    assert!(dev.ok(&["apps", "create", "demo"]).contains("Created app demo"));
    let error = dev.fails(&["apps", "create", "demo"]);
    assert!(error.contains("creating app demo: ") && error.contains("demo"), "the server's message: {error}");
    let error = dev.fails(&["apps", "create", "Bad_Name"]);
    assert!(error.contains("app name \"Bad_Name\" is invalid"), "{error}");
    let apps = dev.json(&["ls"]);
    assert_eq!(apps["apps"][0]["name"], "demo", "{apps}");

    // Flags beat the environment, which beats the config file; a token kept for one
    // server is never sent to another.
    let mut elsewhere = dev.command(&["ls"]);
    elsewhere.env("UPDRAFT_URL", "http://127.0.0.1:1");
    let error = dev.fails_in(elsewhere, "");
    assert!(error.contains("not logged in to http://127.0.0.1:1"), "{error}");
    let mut flag_wins = dev.command(&["ls", "--url", url]);
    flag_wins.env("UPDRAFT_URL", "http://127.0.0.1:1");
    assert!(dev.ok_in(flag_wins, "").contains("demo"));
    let mut unreachable = dev.command(&["ls", "--token", "t"]);
    unreachable.env("UPDRAFT_URL", "http://127.0.0.1:1");
    let error = dev.fails_in(unreachable, "");
    assert!(error.contains("cannot reach the Updraft server at http://127.0.0.1:1"), "{error}");
    let mut bad_token = dev.command(&["ls"]);
    bad_token.env("UPDRAFT_TOKEN", "not-a-token");
    let error = dev.fails_in(bad_token, "");
    assert!(error.contains("listing apps: ") && error.contains("run `updraft login`"), "{error}");

    assert!(dev.ok(&["logout"]).contains(&format!("Logged out of {url}")));
    let error = dev.fails(&["ls"]);
    assert!(error.contains("not logged in"), "{error}");
}

#[tokio::test]
async fn new_build_deploy_invoke_logs_rollback_rm() {
    let server = Server::start().await;
    let dev = Developer::new();
    dev.sign_up_with_app(&server, "dev", "demo");

    // A scaffold that builds as it is, offline, even inside someone else's workspace.
    std::fs::create_dir(dev.home.path().join("ws")).unwrap();
    std::fs::write(dev.home.path().join("ws/Cargo.toml"), "[workspace]\nresolver = \"3\"\n").unwrap();
    let created = dev.ok(&["new", "greet", "--app", "demo", "--dir", "ws/greet"]);
    assert!(created.contains("cd ws/greet"), "{created}");
    let project = dev.home.path().join("ws/greet");
    for file in ["Cargo.toml", "Cargo.lock", "src/lib.rs", "updraft.toml", ".cargo/config.toml", ".updraft-sdk/updraft/src/lib.rs"] {
        assert!(project.join(file).is_file(), "{file} is missing");
    }
    let error = dev.fails(&["new", "greet", "--dir", "ws/greet"]);
    assert!(error.contains("already exists"), "{error}");
    append(&project.join("updraft.toml"), "timeout_ms = 3000\n");
    let lock_before = std::fs::read_to_string(project.join("Cargo.lock")).unwrap();
    let built = dev.json(&["build", "ws/greet"]);
    let wasm = PathBuf::from(built["path"].as_str().unwrap());
    assert_eq!(wasm, Path::new(SCAFFOLD_TARGET_DIR).join("wasm32-wasip1/release/greet.wasm"));
    assert_eq!(built["size"].as_u64(), Some(std::fs::metadata(&wasm).unwrap().len()));
    let lock_after = std::fs::read_to_string(project.join("Cargo.lock")).unwrap();
    let pinned = locked_packages(&lock_before);
    for (name, version) in locked_packages(&lock_after) {
        let versions: Vec<&String> = pinned.iter().filter(|(n, _)| *n == name).map(|(_, v)| v).collect();
        assert!(versions.is_empty() || versions.contains(&&version), "cargo moved {name} off its pin to {version}");
    }

    // Deploy from inside the project: name from Cargo.toml, app and settings from updraft.toml.
    let mut deploy = dev.command(&["deploy"]);
    deploy.current_dir(&project);
    let deployed = dev.ok_in(deploy, "");
    assert!(deployed.contains("Deployed demo/greet revision 1"), "{deployed}");
    assert!(deployed.contains(&server.at("/fn/demo/greet")), "{deployed}");
    let listed = dev.json(&["ls", "demo"]);
    assert_eq!(listed["functions"][0]["function"], "greet", "{listed}");
    assert_eq!(listed["functions"][0]["settings"]["timeout_ms"], 3000, "the manifest was sent: {listed}");

    assert_eq!(dev.ok(&["invoke", "demo/greet?name=Ann"]), "Hello, Ann!\n");
    let queued = dev.ok(&["invoke", "demo/greet", "--async"]);
    assert!(queued.starts_with("Queued as invocation "), "{queued}");
    // Logs are written in batches a few milliseconds after the call.
    let mut logs = String::new();
    for _ in 0..50 {
        logs = dev.ok(&["logs", "demo/greet"]);
        if logs.contains("greeting Ann") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(logs.contains("INFO ") && logs.contains("greeting Ann"), "{logs}");
    let records = dev.json(&["logs", "demo/greet", "--level", "warn"]);
    assert_eq!(records["logs"].as_array().unwrap().len(), 0, "{records}");

    // A prebuilt module by path; its name comes from the file.
    let echo = example("echo");
    let deployed = dev.json(&["deploy", echo.to_str().unwrap(), "--app", "demo", "--set", "timeout_ms=2000"]);
    assert_eq!((deployed["function"].as_str(), deployed["revision"].as_u64()), (Some("echo"), Some(1)), "{deployed}");
    let answer: Value = serde_json::from_str(&dev.ok(&["invoke", "demo/echo/items?x=1", "-d", "hi", "-H", "x-test: yes"])).unwrap();
    assert_eq!((answer["method"].as_str(), answer["path"].as_str(), answer["query"].as_str()), (Some("POST"), Some("/items"), Some("x=1")));
    assert_eq!((answer["body"].as_str(), answer["headers"]["x-test"].as_str()), (Some("hi"), Some("yes")));
    let call = dev.json(&["invoke", "demo/echo", "-X", "put"]);
    assert_eq!(call["status"], 200);
    assert_eq!(call["invocation_id"].as_str().map(str::len), Some(32), "{call}");

    // Redeploy greet with echo's module, then roll back to revision 1.
    let redeployed = dev.json(&["deploy", echo.to_str().unwrap(), "--app", "demo", "--name", "greet"]);
    assert_eq!(redeployed["revision"], 2);
    assert!(dev.ok(&["invoke", "demo/greet"]).contains("\"method\""));
    let rolled = dev.ok(&["rollback", "demo/greet", "1"]);
    assert!(rolled.contains("Restored revision 1 of demo/greet as revision 3"), "{rolled}");
    assert_eq!(dev.ok(&["invoke", "demo/greet"]), "Hello, world!\n");

    // Errors say what went wrong.
    let error = dev.fails(&["invoke", "demo/nope"]);
    assert!(error.contains("function demo/nope not found"), "{error}");
    let error = dev.fails(&["deploy", echo.to_str().unwrap(), "--app", "ghost"]);
    assert!(error.contains("app ghost does not exist: create it with `updraft apps create ghost`"), "{error}");
    let error = dev.fails(&["deploy", echo.to_str().unwrap()]);
    assert!(error.contains("no app to deploy to: pass --app"), "{error}");
    let error = dev.fails(&["rollback", "demo/greet", "99"]);
    assert!(error.contains("rolling demo/greet back to revision 99: "), "{error}");
    let error = dev.fails(&["invoke", "demo"]);
    assert!(error.contains("expected APP/FN"), "{error}");

    assert!(dev.ok(&["rm", "demo/echo"]).contains("Removed function demo/echo"));
    let functions = dev.json(&["ls", "demo"]);
    assert_eq!(functions["functions"].as_array().unwrap().len(), 1, "{functions}");
    let error = dev.fails(&["rm", "demo"]);
    assert!(error.contains("pass --yes"), "{error}");
    assert!(dev.ok(&["rm", "demo", "--yes"]).contains("Removed app demo"));
    assert_eq!(dev.json(&["ls"])["apps"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn logs_follow_prints_records_as_they_are_written() {
    let server = Server::start().await;
    let dev = Developer::new();
    dev.sign_up_with_app(&server, "dev", "demo");
    dev.ok(&["deploy", example("logging").to_str().unwrap(), "--app", "demo", "--name", "log"]);

    let mut follow = dev.command(&["logs", "demo/log", "-f", "--level", "info"]);
    follow.stdout(Stdio::piped()).stderr(Stdio::inherit());
    let mut child = follow.spawn().unwrap();
    let (lines, received) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if lines.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    // Call until records arrive: the follower may connect after the first call's records
    // were written (those are then in its first batch) or before (then they stream).
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !seen.iter().any(|l: &String| l.contains("line 2")) && std::time::Instant::now() < deadline {
        dev.ok(&["invoke", "demo/log?lines=2"]);
        while let Ok(line) = received.recv_timeout(Duration::from_millis(1000)) {
            seen.push(line);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(seen.iter().any(|l| l.contains("line 2")), "{seen:?}");
    assert!(seen.iter().any(|l| l.contains("WARN ") && l.contains("logging: warn")), "{seen:?}");
    assert!(!seen.iter().any(|l| l.contains("logging: debug")), "the level filter holds: {seen:?}");
}

#[test]
fn completions_cover_the_developer_commands() {
    let dev = Developer::new();
    let script = dev.ok(&["completions", "bash"]);
    for command in ["deploy", "invoke", "logs", "rollback", "login"] {
        assert!(script.contains(command), "{command} is not completed");
    }
}

/// The (name, version) pairs of a lock file.
fn locked_packages(lock: &str) -> Vec<(String, String)> {
    let lock: toml::Table = toml::from_str(lock).unwrap();
    let packages = lock["package"].as_array().unwrap().iter();
    packages.map(|p| (p["name"].as_str().unwrap().to_owned(), p["version"].as_str().unwrap().to_owned())).collect()
}

fn append(path: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
}
