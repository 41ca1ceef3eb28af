//! The developer commands of `updraft`: scaffold, build and deploy functions, call them,
//! read their logs, manage apps, sign in.
//!
//! They talk to a server over HTTP API v1 only (a blocking reqwest client: a command is
//! straight-line code), never to the platform crates: what a developer can do here,
//! `curl` can do too. The server and token come from `--url`/`--token`, then
//! `UPDRAFT_URL`/`UPDRAFT_TOKEN`, then the config file `updraft login` writes.

mod account;
mod apps;
mod build;
mod client;
mod completions;
mod config;
mod deploy;
mod invoke;
mod logs;
mod ls;
mod names;
mod new;
mod output;
mod project;
mod prompt;
mod rm;
mod rollback;
mod sdk;
mod sse;

/// A developer command.
#[derive(clap::Subcommand)]
pub enum DevCommand {
    /// Creates a function project in ./NAME (it builds offline: the SDK comes with it).
    New(new::NewArgs),
    /// Builds a function project for wasm32-wasip1 and tells where the module is.
    Build(build::BuildArgs),
    /// Uploads a function (building it first): a new revision, live at once.
    Deploy(deploy::DeployArgs),
    /// Calls a function and prints its answer.
    Invoke(invoke::InvokeArgs),
    /// Prints a function's logs, or follows them (-f).
    Logs(logs::LogsArgs),
    /// Lists your apps, or the functions of an app.
    Ls(ls::LsArgs),
    /// Removes a function, or an app with everything in it.
    Rm(rm::RmArgs),
    /// Makes an earlier revision of a function live again (as a new revision).
    Rollback(rollback::RollbackArgs),
    /// Signs in to a server and keeps the token in your config directory.
    Login(account::LoginArgs),
    /// Forgets the token kept for a server.
    Logout(account::LogoutArgs),
    /// Creates a developer account on a server, and signs in.
    Signup(account::LoginArgs),
    /// Creates apps.
    Apps(apps::AppsArgs),
    /// Prints a shell completion script (e.g. `updraft completions bash > /etc/bash_completion.d/updraft`).
    Completions(completions::CompletionsArgs),
}

/// Runs a developer command.
pub fn run(command: DevCommand) -> anyhow::Result<()> {
    match command {
        DevCommand::New(args) => new::run(args),
        DevCommand::Build(args) => build::run(args),
        DevCommand::Deploy(args) => deploy::run(args),
        DevCommand::Invoke(args) => invoke::run(args),
        DevCommand::Logs(args) => logs::run(args),
        DevCommand::Ls(args) => ls::run(args),
        DevCommand::Rm(args) => rm::run(args),
        DevCommand::Rollback(args) => rollback::run(args),
        DevCommand::Login(args) => account::login(args),
        DevCommand::Logout(args) => account::logout(args),
        DevCommand::Signup(args) => account::signup(args),
        DevCommand::Apps(args) => apps::run(args),
        DevCommand::Completions(args) => completions::run(args),
    }
}
