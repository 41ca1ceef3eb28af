//! `updraft rm APP/FN` removes a function; `updraft rm APP` removes an app with all its
//! functions, users, sessions, key-value data and logs, so it asks first (or wants `--yes`).

use anyhow::Context;
use reqwest::Method;
use serde_json::json;

use super::client::Remote;
use super::names::{check_name, FunctionRef};
use super::output::{print_json, print_line, Output};
use super::prompt;

/// Arguments of `updraft rm`.
#[derive(clap::Args)]
pub struct RmArgs {
    /// `APP/FN` (a function) or `APP` (the whole app).
    target: String,
    /// Remove an app without asking.
    #[arg(long, short)]
    yes: bool,
    #[command(flatten)]
    remote: Remote,
    #[command(flatten)]
    output: Output,
}

/// Runs `updraft rm`.
pub fn run(args: RmArgs) -> anyhow::Result<()> {
    let (path, what) = if args.target.contains('/') {
        let function: FunctionRef = args.target.parse().map_err(anyhow::Error::msg)?;
        (function.api_path(), format!("function {function}"))
    } else {
        check_name("app", &args.target)?;
        if !args.yes {
            confirm_app_removal(&args.target)?;
        }
        (format!("/v1/apps/{}", args.target), format!("app {}", args.target))
    };
    let client = args.remote.connect()?;
    client.send(client.authorized(Method::DELETE, &path)?).with_context(|| format!("removing {what}"))?;
    if args.output.json {
        return print_json(&json!({ "removed": args.target }));
    }
    print_line(&format!("Removed {what}."))
}

fn confirm_app_removal(app: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        prompt::interactive(),
        "removing app {app} deletes all its functions, users and data: pass --yes to confirm"
    );
    let answer = prompt::line(&format!(
        "Removing app {app} deletes all its functions, revisions, users, sessions, key-value data and logs.\nType the app's name to confirm: "
    ))?;
    anyhow::ensure!(answer.trim() == app, "not confirmed; nothing was removed");
    Ok(())
}
