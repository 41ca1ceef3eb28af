//! `updraft deploy [FILE]`: builds the project (unless given a module), then uploads the
//! module with the project's `updraft.toml` (multipart, minus the keys only the CLI
//! reads) or alone (`application/wasm`), and prints the function's URL.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use reqwest::blocking::multipart::{Form, Part};
use reqwest::Method;
use serde_json::Value;

use super::client::{ApiError, Client, Remote};
use super::names::{name_problem, FunctionRef};
use super::output::{bytes, field, print_json, print_line, Output};
use super::project::{enclosing_package, Project};

/// The manifest a project keeps its settings in.
pub const MANIFEST_FILE: &str = "updraft.toml";
/// Modules at least this big get a progress bar (when stdout is a terminal).
const PROGRESS_MIN_BYTES: u64 = 256 * 1024;

/// Arguments of `updraft deploy`.
#[derive(clap::Args)]
pub struct DeployArgs {
    /// A .wasm module, or a project folder [default: the project in the current folder].
    file: Option<PathBuf>,
    /// The app to deploy to [default: `app` in updraft.toml].
    #[arg(long)]
    app: Option<String>,
    /// The function's name [default: the package name, else the module's file name].
    #[arg(long)]
    name: Option<String>,
    /// The manifest to send [default: the project's updraft.toml, if there is one].
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// A setting for this revision, as KEY=VALUE (e.g. timeout_ms=2000); repeatable, and
    /// stronger than the manifest.
    #[arg(long = "set", short = 's', value_name = "KEY=VALUE", value_parser = parse_setting)]
    settings: Vec<(String, String)>,
    /// Upload the project's module as it is, without building it first.
    #[arg(long)]
    no_build: bool,
    #[command(flatten)]
    remote: Remote,
    #[command(flatten)]
    output: Output,
}

fn parse_setting(text: &str) -> Result<(String, String), String> {
    let (key, value) = text.split_once('=').ok_or_else(|| format!("expected KEY=VALUE, not {text:?}"))?;
    Ok((key.trim().to_owned(), value.trim().to_owned()))
}

/// What to upload, and under which name by default.
struct Upload {
    module: PathBuf,
    manifest: Option<PathBuf>,
    default_name: String,
}

/// Runs `updraft deploy`.
pub fn run(args: DeployArgs) -> anyhow::Result<()> {
    let upload = prepare(&args)?;
    let (manifest_app, manifest) = match &upload.manifest {
        Some(path) => {
            let (app, text) = read_manifest(path)?;
            (app, Some(text))
        }
        None => (None, None),
    };
    let name = args.name.clone().unwrap_or_else(|| upload.default_name.clone());
    if let Some(problem) = name_problem("function", &name) {
        anyhow::bail!("{problem} (pass --name)");
    }
    let app = args.app.clone().or(manifest_app).context("no app to deploy to: pass --app APP, or set `app = \"APP\"` in updraft.toml")?;
    let function: FunctionRef = format!("{app}/{name}").parse().map_err(anyhow::Error::msg)?;
    let client = args.remote.connect()?;
    check_app(&client, &app)?;
    let progress = !args.output.json && std::io::stdout().is_terminal();
    let answer = send(&client, &function, &upload.module, manifest, &args.settings, progress)
        .with_context(|| format!("deploying {} as {function}", upload.module.display()))?;
    if args.output.json {
        return print_json(&answer);
    }
    let sha = field(&answer, "sha256");
    let size = std::fs::metadata(&upload.module).map(|m| bytes(m.len())).unwrap_or_default();
    print_line(&format!(
        "Deployed {function} revision {} (sha256 {}, {size})\n{}",
        field(&answer, "revision"),
        sha.get(..12).unwrap_or(&sha),
        field(&answer, "url")
    ))
}

/// Finds (and unless told otherwise builds) the module, its manifest and default name.
fn prepare(args: &DeployArgs) -> anyhow::Result<Upload> {
    let target = args.file.clone().unwrap_or_else(|| PathBuf::from("."));
    anyhow::ensure!(target.exists(), "{} does not exist", target.display());
    if target.is_file() {
        let near = enclosing_package(&target);
        let stem = target.file_stem().and_then(|s| s.to_str()).unwrap_or_default().replace('_', "-");
        let default_name = near.as_ref().and_then(|(_, package)| package.clone()).unwrap_or(stem);
        let manifest = args.manifest.clone().or_else(|| near.map(|(dir, _)| dir.join(MANIFEST_FILE)).filter(|p| p.is_file()));
        return Ok(Upload { module: target, manifest, default_name });
    }
    let project = Project::open(&target)?;
    if args.no_build {
        anyhow::ensure!(project.wasm.is_file(), "no module at {}: run `updraft build` first", project.wasm.display());
    } else {
        super::build::build(&project)?;
    }
    let manifest = args.manifest.clone().or_else(|| Some(project.dir.join(MANIFEST_FILE)).filter(|p| p.is_file()));
    Ok(Upload { module: project.wasm, manifest, default_name: project.package })
}

/// Reads a manifest; returns the app it names and the text to send (without the keys
/// only the CLI reads: the server rejects unknown keys).
fn read_manifest(path: &Path) -> anyhow::Result<(Option<String>, String)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut table: toml::Table = toml::from_str(&text).with_context(|| format!("{} is not valid TOML", path.display()))?;
    let app = match table.remove("app") {
        Some(toml::Value::String(app)) => Some(app),
        Some(_) => anyhow::bail!("`app` in {} must be a string", path.display()),
        None => None,
    };
    Ok((app, toml::to_string(&table).context("encoding the manifest")?))
}

/// Checks that the app exists before uploading a module to it.
fn check_app(client: &Client, app: &str) -> anyhow::Result<()> {
    match client.json(client.authorized(Method::GET, &format!("/v1/apps/{app}"))?) {
        Ok(_) => Ok(()),
        Err(error) if error.downcast_ref::<ApiError>().is_some_and(|e| e.code == "not_found") => {
            anyhow::bail!("app {app} does not exist: create it with `updraft apps create {app}`")
        }
        Err(error) => Err(error.context(format!("looking up app {app}"))),
    }
}

fn send(
    client: &Client,
    function: &FunctionRef,
    module: &Path,
    manifest: Option<String>,
    settings: &[(String, String)],
    progress: bool,
) -> anyhow::Result<Value> {
    let file = std::fs::File::open(module).with_context(|| format!("opening {}", module.display()))?;
    let size = file.metadata().with_context(|| format!("reading {}", module.display()))?.len();
    let bar = progress_bar(size, progress && size >= PROGRESS_MIN_BYTES)?;
    let reader = bar.wrap_read(file);
    let request = client.authorized(Method::PUT, &function.api_path())?.query(settings);
    let request = match manifest {
        Some(manifest) => {
            let file_name = module.file_name().and_then(|n| n.to_str()).unwrap_or("module.wasm").to_owned();
            let part = Part::reader_with_length(reader, size).file_name(file_name).mime_str("application/wasm")?;
            request.multipart(Form::new().part("module", part).text("manifest", manifest))
        }
        None => request.header(reqwest::header::CONTENT_TYPE, "application/wasm").body(reqwest::blocking::Body::sized(reader, size)),
    };
    let answer = client.json(request);
    bar.finish_and_clear();
    answer
}

fn progress_bar(size: u64, visible: bool) -> anyhow::Result<ProgressBar> {
    if !visible {
        return Ok(ProgressBar::hidden());
    }
    let style = ProgressStyle::with_template("uploading [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}")
        .context("the progress bar's template")?
        .progress_chars("=> ");
    Ok(ProgressBar::new(size).with_style(style))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_app_key_stays_on_the_client() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(MANIFEST_FILE);
        std::fs::write(&path, "version = 1\napp = \"demo\"\ntimeout_ms = 500\n[env]\nA = \"b\"\n").unwrap();
        let (app, text) = read_manifest(&path).unwrap();
        assert_eq!(app.as_deref(), Some("demo"));
        let sent: toml::Table = toml::from_str(&text).unwrap();
        assert!(!sent.contains_key("app"));
        assert_eq!(sent["timeout_ms"].as_integer(), Some(500));
        assert_eq!(sent["env"]["A"].as_str(), Some("b"));
    }

    #[test]
    fn settings_are_key_value_pairs() {
        assert_eq!(parse_setting("timeout_ms=2000").unwrap(), ("timeout_ms".into(), "2000".into()));
        assert!(parse_setting("timeout_ms").is_err());
    }
}
