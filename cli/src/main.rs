//! The `updraft` binary: runs the platform (`up`, and the cluster roles) and drives it
//! (the developer commands). Only this crate reads environment variables and files.

mod commands;
mod data_dir;

use clap::{Parser, Subcommand};

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
    /// Compiles a module for the runtime (used by the platform itself, in a child process).
    #[command(name = "__compile", hide = true)]
    Compile {
        /// The .wasm file.
        input: std::path::PathBuf,
        /// Where the compiled artifact goes.
        output: std::path::PathBuf,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Compile { input, output } => {
            updraft_runtime::compile_artifact(&input, &output).map_err(anyhow::Error::from)
        }
        Command::Up(args) => commands::run_async(commands::up::run(args)),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
