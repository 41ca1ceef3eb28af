//! `updraft ls [APP]`: your apps, or the functions of one app.

use anyhow::Context;
use reqwest::Method;

use super::client::Remote;
use super::names::check_name;
use super::output::{bytes, field, print_json, print_line, Output, Table};

/// Arguments of `updraft ls`.
#[derive(clap::Args)]
pub struct LsArgs {
    /// List this app's functions instead of your apps.
    app: Option<String>,
    #[command(flatten)]
    remote: Remote,
    #[command(flatten)]
    output: Output,
}

/// Runs `updraft ls`.
pub fn run(args: LsArgs) -> anyhow::Result<()> {
    let client = args.remote.connect()?;
    let Some(app) = args.app else {
        let answer = client.json(client.authorized(Method::GET, "/v1/apps")?).context("listing apps")?;
        if args.output.json {
            return print_json(&answer);
        }
        let apps = answer["apps"].as_array().cloned().unwrap_or_default();
        if apps.is_empty() {
            return print_line("No apps yet: create one with `updraft apps create NAME`.");
        }
        let mut table = Table::new(&["APP", "CREATED"]);
        for app in &apps {
            table.row(vec![field(app, "name"), field(app, "created_at")]);
        }
        return table.print();
    };
    check_name("app", &app)?;
    let path = format!("/v1/apps/{app}/functions");
    let answer = client.json(client.authorized(Method::GET, &path)?).with_context(|| format!("listing the functions of {app}"))?;
    if args.output.json {
        return print_json(&answer);
    }
    let functions = answer["functions"].as_array().cloned().unwrap_or_default();
    if functions.is_empty() {
        return print_line(&format!("App {app} has no functions yet: deploy one with `updraft deploy --app {app}`."));
    }
    let mut table = Table::new(&["FUNCTION", "REVISION", "SIZE", "AUTH", "DEPLOYED", "URL"]);
    for function in &functions {
        table.row(vec![
            field(function, "function"),
            field(function, "revision"),
            function["size"].as_u64().map_or_else(|| "-".to_owned(), bytes),
            field(&function["settings"], "auth"),
            field(function, "deployed_at"),
            field(function, "url"),
        ]);
    }
    table.print()
}
