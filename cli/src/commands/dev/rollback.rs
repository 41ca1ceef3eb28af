//! `updraft rollback APP/FN REVISION`: makes an earlier revision's module and settings
//! live again, as a new revision (history is never rewritten).

use anyhow::Context;
use reqwest::Method;
use serde_json::json;

use super::client::Remote;
use super::names::FunctionRef;
use super::output::{field, print_json, print_line, Output};

/// Arguments of `updraft rollback`.
#[derive(clap::Args)]
pub struct RollbackArgs {
    /// The function, as `APP/FN`.
    function: FunctionRef,
    /// The revision to restore (see `updraft ls APP` for the current one).
    revision: u32,
    #[command(flatten)]
    remote: Remote,
    #[command(flatten)]
    output: Output,
}

/// Runs `updraft rollback`.
pub fn run(args: RollbackArgs) -> anyhow::Result<()> {
    let client = args.remote.connect()?;
    let path = format!("{}/rollback", args.function.api_path());
    let request = client.authorized(Method::POST, &path)?.json(&json!({ "revision": args.revision }));
    let answer = client.json(request).with_context(|| format!("rolling {} back to revision {}", args.function, args.revision))?;
    if args.output.json {
        return print_json(&answer);
    }
    print_line(&format!(
        "Restored revision {} of {} as revision {}: {}",
        args.revision,
        args.function,
        field(&answer, "revision"),
        field(&answer, "url")
    ))
}
