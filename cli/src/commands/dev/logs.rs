//! `updraft logs APP/FN`: the newest records of a function's log, filtered; with `-f`, then
//! every new one as it is written (the API's Server-Sent Events stream).

use std::io::BufReader;

use anyhow::Context;
use reqwest::Method;
use serde_json::Value;

use super::client::Remote;
use super::names::FunctionRef;
use super::output::{field, print_json, print_line, Output};
use super::sse::Events;

/// Arguments of `updraft logs`.
#[derive(clap::Args)]
pub struct LogsArgs {
    /// The function, as `APP/FN`.
    function: FunctionRef,
    /// Keep printing records as they are written (Ctrl-C stops).
    #[arg(long, short)]
    follow: bool,
    /// Only records at this level or above.
    #[arg(long, value_parser = ["trace", "debug", "info", "warn", "error"])]
    level: Option<String>,
    /// Only records since this time: RFC 3339 (2030-01-31T12:00:00Z) or an age (90s, 10m, 2h, 7d).
    #[arg(long, value_parser = parse_since)]
    since: Option<String>,
    /// Only the records of one invocation (its id, from `x-updraft-invocation-id`).
    #[arg(long)]
    invocation: Option<String>,
    /// How many of the newest records to print first [server's default: 100; at most 1000].
    #[arg(long, short = 'n')]
    limit: Option<u32>,
    #[command(flatten)]
    remote: Remote,
    #[command(flatten)]
    output: Output,
}

/// Runs `updraft logs`.
pub fn run(args: LogsArgs) -> anyhow::Result<()> {
    let client = args.remote.connect()?;
    let mut query: Vec<(&str, String)> = Vec::new();
    let filters = [("level", &args.level), ("since", &args.since), ("invocation", &args.invocation)];
    query.extend(filters.into_iter().filter_map(|(key, value)| Some((key, value.clone()?))));
    if let Some(limit) = args.limit {
        query.push(("limit", limit.to_string()));
    }
    let path = format!("{}/logs", args.function.api_path());
    if !args.follow {
        let request = client.authorized(Method::GET, &path)?.query(&query);
        let answer = client.json(request).with_context(|| format!("reading the logs of {}", args.function))?;
        if args.output.json {
            return print_json(&answer);
        }
        return answer["logs"].as_array().into_iter().flatten().try_for_each(|record| print_line(&format_record(record)));
    }
    query.push(("follow", "true".to_owned()));
    let request = client.authorized(Method::GET, &path)?.query(&query).header("accept", "text/event-stream");
    let response = client.send(request).with_context(|| format!("following the logs of {}", args.function))?;
    for event in Events::new(BufReader::new(response)) {
        let event = event.with_context(|| format!("reading the log stream of {}", args.function))?;
        if event.event != "log" {
            continue;
        }
        let record: Value = serde_json::from_str(&event.data).context("a log record that is not JSON")?;
        let line = if args.output.json { record.to_string() } else { format_record(&record) };
        print_line(&line)?;
    }
    anyhow::bail!("the server closed the log stream of {}", args.function)
}

/// One record as a line: time, level, invocation, message.
fn format_record(record: &Value) -> String {
    let level = field(record, "level").to_ascii_uppercase();
    format!("{} {level:<5} {} {}", field(record, "time"), field(record, "invocation_id"), field(record, "message"))
}

/// `--since`: an RFC 3339 time as it is, or an age (`90s`, `10m`, `2h`, `7d`) as the
/// RFC 3339 time that long ago.
fn parse_since(text: &str) -> Result<String, String> {
    if chrono::DateTime::parse_from_rfc3339(text).is_ok() {
        return Ok(text.to_owned());
    }
    let invalid = || format!("expected an RFC 3339 time or an age like 90s, 10m, 2h, 7d, not {text:?}");
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(invalid)?;
    let (number, unit) = text.split_at(split);
    let number: i64 = number.parse().map_err(|_| invalid())?;
    let age = match unit {
        "s" => chrono::Duration::try_seconds(number),
        "m" => chrono::Duration::try_minutes(number),
        "h" => chrono::Duration::try_hours(number),
        "d" => chrono::Duration::try_days(number),
        _ => None,
    }
    .ok_or_else(invalid)?;
    let at = chrono::Utc::now().checked_sub_signed(age).ok_or_else(invalid)?;
    Ok(at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_times_and_ages() {
        assert_eq!(parse_since("2030-01-31T12:00:00Z").unwrap(), "2030-01-31T12:00:00Z");
        let ten_minutes_ago = chrono::DateTime::parse_from_rfc3339(&parse_since("10m").unwrap()).unwrap();
        let age = chrono::Utc::now().signed_duration_since(ten_minutes_ago);
        assert!((599..=601).contains(&age.num_seconds()), "{age}");
        for bad in ["", "10", "m", "10y", "yesterday"] {
            assert!(parse_since(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn records_read_as_lines() {
        let record = serde_json::json!({ "time": "2030-01-01T00:00:00.000001Z", "level": "warn",
                                         "invocation_id": "ab12", "message": "careful" });
        assert_eq!(format_record(&record), "2030-01-01T00:00:00.000001Z WARN  ab12 careful");
    }
}
