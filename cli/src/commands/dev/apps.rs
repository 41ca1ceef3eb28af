//! `updraft apps create NAME`. (Listing is `updraft ls`, removing `updraft rm`.)

use anyhow::Context;
use reqwest::Method;
use serde_json::json;

use super::client::Remote;
use super::names::check_name;
use super::output::{print_json, print_line, Output};

/// Arguments of `updraft apps`.
#[derive(clap::Args)]
pub struct AppsArgs {
    #[command(subcommand)]
    command: AppsCommand,
}

#[derive(clap::Subcommand)]
enum AppsCommand {
    /// Creates an app: a set of functions sharing one user base and one key-value space.
    Create {
        /// The app's name (a-z, 0-9, '-').
        name: String,
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        output: Output,
    },
}

/// Runs `updraft apps ...`.
pub fn run(args: AppsArgs) -> anyhow::Result<()> {
    match args.command {
        AppsCommand::Create { name, remote, output } => create(&name, &remote, output),
    }
}

fn create(name: &str, remote: &Remote, output: Output) -> anyhow::Result<()> {
    check_name("app", name)?;
    let client = remote.connect()?;
    let request = client.authorized(Method::POST, "/v1/apps")?.json(&json!({ "name": name }));
    let app = client.json(request).with_context(|| format!("creating app {name}"))?;
    if output.json {
        return print_json(&app);
    }
    print_line(&format!("Created app {name}. Deploy to it with `updraft deploy --app {name}`."))
}
