//! What the developer commands print: text for people, or JSON (`--json`) for scripts.
//! Results go to stdout; progress and prompts go to stderr.

use std::io::Write;

use anyhow::Context;
use serde_json::Value;

/// The output flag every developer command takes.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct Output {
    /// Print machine-readable JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Prints one JSON document on stdout.
pub fn print_json(value: &Value) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value).context("encoding JSON")?;
    print_line(&text)
}

/// Prints a line on stdout; a closed pipe (`| head`) is not an error worth a message.
pub fn print_line(line: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{line}").and_then(|()| stdout.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        other => other.context("writing to stdout"),
    }
}

/// A byte count for people (`1.50 MiB`).
pub fn bytes(count: u64) -> String {
    indicatif::HumanBytes(count).to_string()
}

/// Columns aligned under a header, for listings.
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new(header: &[&str]) -> Table {
        Table { rows: vec![header.iter().map(|h| h.to_string()).collect()] }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as lines, columns padded to their widest cell.
    pub fn render(&self) -> Vec<String> {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> =
            (0..columns).map(|c| self.rows.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0)).collect();
        self.rows
            .iter()
            .map(|row| {
                let cells: Vec<String> = row.iter().zip(&widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
                cells.join("  ").trim_end().to_owned()
            })
            .collect()
    }

    /// Prints the table on stdout.
    pub fn print(&self) -> anyhow::Result<()> {
        self.render().iter().try_for_each(|line| print_line(line))
    }
}

/// A JSON string field, or `-` when absent.
pub fn field(value: &Value, name: &str) -> String {
    match &value[name] {
        Value::String(text) => text.clone(),
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns() {
        let mut table = Table::new(&["NAME", "CREATED"]);
        table.row(vec!["a-long-name".into(), "today".into()]);
        table.row(vec!["b".into(), "".into()]);
        assert_eq!(table.render(), ["NAME         CREATED", "a-long-name  today", "b"]);
    }
}
