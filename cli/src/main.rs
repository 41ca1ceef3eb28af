//! The `updraft` binary: runs the platform (`up`, and the cluster roles) and drives it
//! (the developer commands). Only this crate reads environment variables and files.

mod commands;
mod data_dir;

use clap::{Parser, Subcommand};

/// mimalloc: invocations allocate and free many small objects across threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Updraft: a serverless platform for wasm32-wasip1 functions.
#[derive(Parser)]
#[command(name = "updraft", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the whole platform in one process: API, in-process broker and worker.
    Up(commands::up::UpArgs),
    /// Runs the control plane and HTTP API of a cluster (RabbitMQ).
    Gateway(commands::gateway::GatewayArgs),
    /// Runs one worker machine of a cluster.
    Worker(commands::worker::WorkerArgs),
    /// Runs the scheduler of a cluster.
    Scheduler(commands::scheduler::SchedulerArgs),
    /// Compiles a module for the runtime (used by the platform itself, in a child process).
    #[command(name = "__compile", hide = true)]
    Compile {
        /// The .wasm file.
        input: std::path::PathBuf,
        /// Where the compiled artifact goes.
        output: std::path::PathBuf,
    },
    // The developer commands (new, build, deploy, invoke, logs, ls, rm, login, ...).
    #[command(flatten)]
    Dev(commands::dev::DevCommand),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Compile { input, output } => {
            updraft_runtime::compile_artifact(&input, &output).map_err(anyhow::Error::from)
        }
        Command::Up(args) => commands::run_async(commands::up::run(args)),
        Command::Dev(command) => commands::dev::run(command),
        Command::Gateway(args) => commands::run_async(commands::gateway::run(args)),
        Command::Worker(args) => commands::run_async(commands::worker::run(args)),
        Command::Scheduler(args) => commands::run_async(commands::scheduler::run(args)),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
