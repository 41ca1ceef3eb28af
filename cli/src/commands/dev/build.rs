//! `updraft build [PATH]`: `cargo build --release --target wasm32-wasip1` in a function
//! project, then where the module is and how big.

use std::path::PathBuf;

use anyhow::Context;
use serde_json::json;

use super::output::{bytes, print_json, print_line, Output};
use super::project::Project;

/// Arguments of `updraft build`.
#[derive(clap::Args)]
pub struct BuildArgs {
    /// The project's folder.
    #[arg(default_value = ".")]
    path: PathBuf,
    #[command(flatten)]
    output: Output,
}

/// Runs `updraft build`.
pub fn run(args: BuildArgs) -> anyhow::Result<()> {
    let project = Project::open(&args.path)?;
    let size = build(&project)?;
    if args.output.json {
        return print_json(&json!({ "package": project.package, "path": project.wasm, "size": size }));
    }
    print_line(&format!("Built {} ({})", project.wasm.display(), bytes(size)))
}

/// Builds the project; returns the module's size.
pub fn build(project: &Project) -> anyhow::Result<u64> {
    project.build()?;
    let metadata = std::fs::metadata(&project.wasm).with_context(|| format!("reading {}", project.wasm.display()))?;
    Ok(metadata.len())
}
