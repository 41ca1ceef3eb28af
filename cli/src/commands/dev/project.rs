//! A function project on disk: its package, where cargo puts its module, and building it
//! (through `cargo`, so the project's own `.cargo/config.toml` and target dir apply).

use std::io::{BufRead, BufReader, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context;
use serde_json::Value;

/// The target every function is built for.
pub const WASM_TARGET: &str = "wasm32-wasip1";

/// A function crate.
#[derive(Debug)]
pub struct Project {
    /// The folder holding its Cargo.toml.
    pub dir: PathBuf,
    /// The package name (the default function name).
    pub package: String,
    /// Where `cargo build --release --target wasm32-wasip1` puts the module.
    pub wasm: PathBuf,
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

impl Project {
    /// Reads the project in `dir` (through `cargo metadata`).
    pub fn open(dir: &Path) -> anyhow::Result<Project> {
        let dir = &std::path::absolute(dir).with_context(|| format!("resolving {}", dir.display()))?;
        let manifest = dir.join("Cargo.toml");
        anyhow::ensure!(
            manifest.is_file(),
            "{} has no Cargo.toml: is it a function project? (`updraft new NAME` makes one)",
            dir.display()
        );
        let output = cargo()
            .args(["metadata", "--format-version", "1", "--no-deps", "--manifest-path"])
            .arg(&manifest)
            .current_dir(dir)
            .stderr(Stdio::inherit())
            .output()
            .context("running `cargo metadata` (is cargo installed and on PATH?)")?;
        anyhow::ensure!(output.status.success(), "`cargo metadata` failed for {}", manifest.display());
        let metadata: Value = serde_json::from_slice(&output.stdout).context("reading `cargo metadata` output")?;
        Project::from_metadata(dir, &manifest, &metadata)
    }

    fn from_metadata(dir: &Path, manifest: &Path, metadata: &Value) -> anyhow::Result<Project> {
        let manifest = manifest.canonicalize().with_context(|| format!("resolving {}", manifest.display()))?;
        let packages = metadata["packages"].as_array().map(Vec::as_slice).unwrap_or_default();
        let package = packages
            .iter()
            .find(|p| p["manifest_path"].as_str().and_then(|m| Path::new(m).canonicalize().ok()).as_deref() == Some(&manifest))
            .with_context(|| format!("{} is a workspace, not a function crate: name the crate's folder", dir.display()))?;
        let name = package["name"].as_str().context("a package without a name")?;
        let targets = package["targets"].as_array().map(Vec::as_slice).unwrap_or_default();
        let library = targets
            .iter()
            .find(|t| t["kind"].as_array().is_some_and(|kinds| kinds.iter().any(|k| k == "cdylib")))
            .with_context(|| format!("package {name} builds no module: add `[lib] crate-type = [\"cdylib\"]` to its Cargo.toml"))?;
        let library = library["name"].as_str().context("a target without a name")?.replace('-', "_");
        let target_dir = metadata["target_directory"].as_str().context("`cargo metadata` names no target directory")?;
        let wasm = Path::new(target_dir).join(WASM_TARGET).join("release").join(format!("{library}.wasm"));
        Ok(Project { dir: dir.to_owned(), package: name.to_owned(), wasm })
    }

    /// Builds the module; cargo's output goes to stderr.
    pub fn build(&self) -> anyhow::Result<()> {
        let mut command = cargo();
        command.args(["build", "--release", "--target", WASM_TARGET, "--manifest-path"]).arg(self.dir.join("Cargo.toml"));
        if std::io::stderr().is_terminal() {
            command.args(["--color", "always"]);
        }
        let mut child = command
            .current_dir(&self.dir)
            .stdout(Stdio::inherit())
            .stderr(Stdio::piped())
            .spawn()
            .context("running `cargo build` (is cargo installed and on PATH?)")?;
        // Pass cargo's messages on, watching for the one that has a known remedy.
        let mut target_missing = false;
        if let Some(stderr) = child.stderr.take() {
            for line in BufReader::new(stderr).lines() {
                let line = line.context("reading cargo's output")?;
                target_missing |= line.contains("target may not be installed");
                eprintln!("{line}");
            }
        }
        let status = child.wait().context("waiting for cargo")?;
        if target_missing {
            anyhow::bail!("the {WASM_TARGET} target is not installed: run `rustup target add {WASM_TARGET}`");
        }
        anyhow::ensure!(status.success(), "`cargo build` failed in {} (see its messages above)", self.dir.display());
        anyhow::ensure!(self.wasm.is_file(), "cargo succeeded but left no module at {}", self.wasm.display());
        Ok(())
    }
}

/// The folder holding the nearest `Cargo.toml` above `file`, and its package name, if any.
pub fn enclosing_package(file: &Path) -> Option<(PathBuf, Option<String>)> {
    let absolute = std::path::absolute(file).ok()?;
    let dir = absolute.ancestors().skip(1).find(|dir| dir.join("Cargo.toml").is_file())?;
    let text = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
    let manifest: toml::Table = toml::from_str(&text).ok()?;
    let name = manifest.get("package").and_then(|p| p.get("name")).and_then(|n| n.as_str()).map(str::to_owned);
    Some((dir.to_owned(), name))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn metadata_names_the_module() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = dir.path().join("Cargo.toml");
        std::fs::write(&manifest, "").unwrap();
        let metadata = serde_json::json!({
            "target_directory": "/t",
            "packages": [{ "name": "my-fn", "manifest_path": manifest,
                           "targets": [{ "name": "my-fn", "kind": ["cdylib"] }] }],
        });
        let project = Project::from_metadata(dir.path(), &manifest, &metadata).unwrap();
        assert_eq!(project.package, "my-fn");
        assert_eq!(project.wasm, Path::new("/t/wasm32-wasip1/release/my_fn.wasm"));

        let rlib = serde_json::json!({ "target_directory": "/t", "packages": [{ "name": "x", "manifest_path": manifest,
            "targets": [{ "name": "x", "kind": ["lib"] }] }] });
        let error = Project::from_metadata(dir.path(), &manifest, &rlib).unwrap_err().to_string();
        assert!(error.contains("cdylib"), "{error}");
        let virtual_workspace = serde_json::json!({ "target_directory": "/t", "packages": [] });
        assert!(Project::from_metadata(dir.path(), &manifest, &virtual_workspace).unwrap_err().to_string().contains("workspace"));
    }
}
