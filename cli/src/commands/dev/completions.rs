//! `updraft completions SHELL`: a completion script for the whole `updraft` command line.

use clap::CommandFactory;

/// Arguments of `updraft completions`.
#[derive(clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    shell: clap_complete::Shell,
}

/// Prints the completion script on stdout.
pub fn run(args: CompletionsArgs) -> anyhow::Result<()> {
    let mut command = crate::Cli::command();
    clap_complete::generate(args.shell, &mut command, "updraft", &mut std::io::stdout());
    Ok(())
}
