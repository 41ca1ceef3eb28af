//! Questions to the person at the terminal (prompts on stderr, answers from stdin or, for
//! passwords, from the terminal without echo).

use std::io::{BufRead, IsTerminal, Write};

use anyhow::Context;

/// Whether someone can answer questions (stdin is a terminal).
pub fn interactive() -> bool {
    std::io::stdin().is_terminal()
}

/// Asks for one line of text.
pub fn line(label: &str) -> anyhow::Result<String> {
    eprint!("{label}");
    std::io::stderr().flush().context("writing to stderr")?;
    read_line()
}

/// Asks for a password, without echo.
pub fn password(label: &str) -> anyhow::Result<String> {
    rpassword::prompt_password(label).context("reading the password from the terminal")
}

/// Reads the first line of stdin, without its line ending.
pub fn read_line() -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin().lock().read_line(&mut text).context("reading stdin")?;
    Ok(text.trim_end_matches(['\r', '\n']).to_owned())
}
