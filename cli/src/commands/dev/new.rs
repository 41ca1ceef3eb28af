//! `updraft new NAME`: a function project that builds as it is, offline: a `cdylib` crate
//! with a hello handler, the guest SDK's sources beside it (depended on by path), a lock
//! file, `build.target = "wasm32-wasip1"`, and an `updraft.toml` manifest for deploys.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::json;

use super::names::check_name;
use super::output::{print_json, print_line, Output};
use super::sdk;

/// Arguments of `updraft new`.
#[derive(clap::Args)]
pub struct NewArgs {
    /// The function's name: the crate's name and the name `updraft deploy` gives it.
    name: String,
    /// The folder to create [default: ./NAME].
    #[arg(long)]
    dir: Option<PathBuf>,
    /// The app `updraft deploy` deploys to (written to updraft.toml).
    #[arg(long)]
    app: Option<String>,
    #[command(flatten)]
    output: Output,
}

/// Runs `updraft new`.
pub fn run(args: NewArgs) -> anyhow::Result<()> {
    check_name("function", &args.name)?;
    if let Some(app) = &args.app {
        check_name("app", app)?;
    }
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from(&args.name));
    let occupied = dir.read_dir().map(|mut entries| entries.next().is_some()).unwrap_or(false);
    anyhow::ensure!(!occupied, "{} already exists and is not empty: pick another NAME or --dir", dir.display());
    for (path, text) in project_files(&args.name, args.app.as_deref()) {
        write(&dir, &path, &text)?;
    }
    if args.output.json {
        return print_json(&json!({ "name": args.name, "path": dir }));
    }
    let deploy = if args.app.is_some() { "updraft deploy".to_owned() } else { "updraft deploy --app APP".to_owned() };
    print_line(&format!(
        "Created function {name} in {path}.\n\n  cd {path}\n  updraft build     # -> target/wasm32-wasip1/release/{lib}.wasm\n  {deploy}",
        name = args.name,
        path = dir.display(),
        lib = args.name.replace('-', "_"),
    ))
}

/// Every file of a new project: (path relative to it, contents).
fn project_files(name: &str, app: Option<&str>) -> Vec<(String, String)> {
    let mut files = vec![
        ("Cargo.toml".to_owned(), CARGO_TOML.replace("@NAME@", name).replace("@SDK@", sdk::SDK_CRATE_PATH)),
        ("src/lib.rs".to_owned(), LIB_RS.replace("@NAME@", name)),
        ("updraft.toml".to_owned(), manifest(app)),
        (".cargo/config.toml".to_owned(), CARGO_CONFIG.to_owned()),
        (".gitignore".to_owned(), "/target\n".to_owned()),
    ];
    if let Some(lock) = sdk::lock_file(name) {
        files.push(("Cargo.lock".to_owned(), lock));
    }
    files.extend(sdk::files());
    files
}

fn write(dir: &Path, relative: &str, text: &str) -> anyhow::Result<()> {
    let path = dir.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
}

fn manifest(app: Option<&str>) -> String {
    let app = match app {
        Some(app) => format!("app = \"{app}\""),
        None => "# app = \"my-app\"".to_owned(),
    };
    MANIFEST.replace("@APP@", &app)
}

const CARGO_TOML: &str = r#"[package]
name = "@NAME@"
version = "0.1.0"
edition = "2024"
publish = false

[lib]
crate-type = ["cdylib"]

[dependencies]
# The Updraft guest SDK, written out by `updraft new` (it is not on crates.io).
updraft = { path = "@SDK@" }

# Small modules upload and compile faster.
[profile.release]
opt-level = "s"
lto = true
codegen-units = 1
strip = true
panic = "abort"

# A project of its own, not a member of any workspace around it.
[workspace]
"#;

const CARGO_CONFIG: &str = r#"# Updraft functions are wasm32-wasip1 modules (`rustup target add wasm32-wasip1`).
[build]
target = "wasm32-wasip1"
"#;

const LIB_RS: &str = r#"//! `@NAME@`: an Updraft function. `updraft build` compiles it, `updraft deploy` uploads it,
//! `updraft invoke APP/@NAME@` calls it.

use updraft::{Request, Response};

/// Greets by name: `?name=Ann` answers `Hello, Ann!`, no name answers `Hello, world!`.
#[updraft::handler]
fn handle(req: Request) -> Response {
    let name = req.query_param("name").filter(|name| !name.is_empty());
    let name = name.as_deref().unwrap_or("world");
    updraft::info!("greeting {name}");
    Response::text(format!("Hello, {name}!\n"))
}
"#;

const MANIFEST: &str = r#"# Settings `updraft deploy` sends with the module. A redeploy inherits every setting it
# does not name (so removing a line here changes nothing on the server).
version = 1

# The app to deploy to (read by the CLI, not sent; `--app` overrides it).
@APP@

# auth = "public"            # or "user": only signed-in users of the app may call
# roles = ["admin"]          # with auth = "user": callers need one of these roles
# timeout_ms = 10000         # per invocation
# memory_mb = 128            # per instance
# concurrency = 1            # invocations per instance at once
# min_instances = 0          # kept warm even when idle
# max_instances = 10
# cors_origins = ["https://example.com"]

# [env]                      # replaces the whole set when given
# GREETING = "Hello"
"#;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_names_the_app_when_given() {
        let with: toml::Table = toml::from_str(&manifest(Some("demo"))).unwrap();
        assert_eq!(with["app"].as_str(), Some("demo"));
        assert_eq!(with["version"].as_integer(), Some(1));
        let without: toml::Table = toml::from_str(&manifest(None)).unwrap();
        assert!(!without.contains_key("app"));
    }

    #[test]
    fn the_project_depends_on_the_sdk_it_carries() {
        let files = project_files("greet", None);
        let cargo: toml::Table = toml::from_str(&files[0].1).unwrap();
        let sdk_path = cargo["dependencies"]["updraft"]["path"].as_str().unwrap();
        assert!(files.iter().any(|(path, _)| *path == format!("{sdk_path}/Cargo.toml")));
        assert!(cargo.contains_key("workspace"));
        assert_eq!(cargo["package"]["name"].as_str(), Some("greet"));
        let lib = &files.iter().find(|(path, _)| path == "src/lib.rs").unwrap().1;
        assert!(lib.contains("//! `greet`: ") && lib.contains("\"Hello, {name}!\\n\""), "{lib}");
    }
}
