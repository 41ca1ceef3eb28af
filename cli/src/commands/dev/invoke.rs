//! `updraft invoke APP/FN[/PATH][?QUERY]`: calls a function like any HTTP client would
//! (no developer token: `auth=user` functions want an app user's, given with `-H`), and
//! prints its answer. An answer other than 2xx makes the command fail.

use std::io::{Read, Write};

use anyhow::Context;
use base64::Engine;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::{json, Map, Value};

use super::client::{ApiError, Server};
use super::names::FunctionRef;
use super::output::{print_json, print_line, Output};

/// The response header naming the invocation.
const INVOCATION_ID_HEADER: &str = "x-updraft-invocation-id";

/// Arguments of `updraft invoke`.
#[derive(clap::Args)]
pub struct InvokeArgs {
    /// The function as APP/FN, optionally with a path and query: APP/FN/items/7?full=1.
    target: String,
    /// The request body: text, @FILE, or @- for stdin. Makes the default method POST.
    #[arg(long, short)]
    data: Option<String>,
    /// The HTTP method [default: GET, or POST with --data].
    #[arg(long, short = 'X')]
    method: Option<String>,
    /// A request header, as 'NAME: VALUE'; repeatable.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// Queue the call and print its invocation id instead of waiting for the answer.
    #[arg(long = "async")]
    queue: bool,
    /// Print the status line and the headers before the body.
    #[arg(long, short)]
    include: bool,
    #[command(flatten)]
    server: Server,
    #[command(flatten)]
    output: Output,
}

/// Runs `updraft invoke`.
pub fn run(args: InvokeArgs) -> anyhow::Result<()> {
    let (function, rest) = split_target(&args.target)?;
    let body = args.data.as_deref().map(read_data).transpose()?;
    let method = match &args.method {
        Some(method) => Method::from_bytes(method.to_ascii_uppercase().as_bytes()).with_context(|| format!("invalid method {method:?}"))?,
        None if body.is_some() => Method::POST,
        None => Method::GET,
    };
    let client = args.server.connect()?;
    let mut request = client.anonymous(method, &format!("/fn/{}/{}{rest}", function.app, function.function)).headers(headers(&args.headers)?);
    if args.queue {
        request = request.header("prefer", "respond-async");
    }
    if let Some(body) = body {
        request = request.body(body);
    }
    let response = client.send_raw(request).with_context(|| format!("calling {function}"))?;
    let status = response.status();
    let headers = response.headers().clone();
    let id = headers.get(INVOCATION_ID_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned();
    let body = response.bytes().with_context(|| format!("reading the answer of {function}"))?;
    if args.queue && status == StatusCode::ACCEPTED {
        return queued(client.url(), &body, args.output);
    }
    if args.output.json {
        print_json(&answer_json(status, &id, &headers, &body))?;
    } else if args.include || status.is_success() || !is_api_error(&body) {
        print_answer(status, &headers, &body, args.include)?;
    }
    if status.is_success() {
        return Ok(());
    }
    if is_api_error(&body) {
        let error = ApiError::from_parts(status, &String::from_utf8_lossy(&body));
        anyhow::bail!("{function}: {error} (HTTP {status}, invocation {id})")
    }
    anyhow::bail!("{function} answered HTTP {status} (invocation {id})")
}

/// `APP/FN[/PATH][?QUERY]` -> the function and the rest of the URL.
fn split_target(target: &str) -> anyhow::Result<(FunctionRef, String)> {
    let (head, query) = match target.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (target, None),
    };
    let (app, tail) = head.split_once('/').with_context(|| format!("expected APP/FN[/PATH][?QUERY], not {target:?}"))?;
    let (function, path) = match tail.split_once('/') {
        Some((function, path)) => (function, Some(path)),
        None => (tail, None),
    };
    let function: FunctionRef = format!("{app}/{function}").parse().map_err(anyhow::Error::msg)?;
    let mut rest = path.map(|path| format!("/{path}")).unwrap_or_default();
    if let Some(query) = query {
        rest = format!("{rest}?{query}");
    }
    Ok((function, rest))
}

/// `--data`: the text itself, `@FILE`, or `@-` (stdin).
fn read_data(data: &str) -> anyhow::Result<Vec<u8>> {
    match data.strip_prefix('@') {
        Some("-") => {
            let mut bytes = Vec::new();
            std::io::stdin().read_to_end(&mut bytes).context("reading the body from stdin")?;
            Ok(bytes)
        }
        Some(path) => std::fs::read(path).with_context(|| format!("reading the body from {path}")),
        None => Ok(data.as_bytes().to_vec()),
    }
}

fn headers(given: &[String]) -> anyhow::Result<HeaderMap> {
    let mut headers = HeaderMap::new();
    for header in given {
        let (name, value) = header.split_once(':').with_context(|| format!("expected a header as 'NAME: VALUE', not {header:?}"))?;
        let name = HeaderName::from_bytes(name.trim().as_bytes()).with_context(|| format!("invalid header name {name:?}"))?;
        let value = HeaderValue::from_str(value.trim()).with_context(|| format!("invalid value for header {name}"))?;
        headers.append(name, value);
    }
    Ok(headers)
}

/// Whether a body is the platform's own error (`{"error": {"code", "message"}}`).
fn is_api_error(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body).is_ok_and(|v| v["error"]["code"].is_string() && v["error"]["message"].is_string())
}

fn print_answer(status: StatusCode, headers: &HeaderMap, body: &[u8], include: bool) -> anyhow::Result<()> {
    if include {
        print_line(&format!("HTTP/1.1 {status}"))?;
        for (name, value) in headers {
            print_line(&format!("{name}: {}", String::from_utf8_lossy(value.as_bytes())))?;
        }
        print_line("")?;
    }
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(body).and_then(|()| stdout.flush()).context("writing the answer to stdout")
}

fn answer_json(status: StatusCode, id: &str, headers: &HeaderMap, body: &[u8]) -> Value {
    let mut header_map = Map::new();
    for name in headers.keys() {
        let values: Vec<String> = headers.get_all(name).iter().map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).collect();
        header_map.insert(name.to_string(), Value::String(values.join(", ")));
    }
    let mut answer = json!({ "status": status.as_u16(), "invocation_id": id, "headers": header_map });
    match std::str::from_utf8(body) {
        Ok(text) => answer["body"] = Value::String(text.to_owned()),
        Err(_) => answer["body_base64"] = Value::String(base64::engine::general_purpose::STANDARD.encode(body)),
    }
    answer
}

fn queued(url: &str, body: &[u8], output: Output) -> anyhow::Result<()> {
    let answer: Value = serde_json::from_slice(body).context("the server's 202 answer is not JSON")?;
    if output.json {
        return print_json(&answer);
    }
    let id = answer["invocation_id"].as_str().context("the server's 202 answer names no invocation")?;
    print_line(&format!("Queued as invocation {id}; its outcome: {url}/v1/invocations/{id}"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn targets_split_into_function_and_rest() {
        let (function, rest) = split_target("demo/greet").unwrap();
        assert_eq!((function.to_string().as_str(), rest.as_str()), ("demo/greet", ""));
        assert_eq!(split_target("demo/greet?name=Ann").unwrap().1, "?name=Ann");
        assert_eq!(split_target("demo/greet/items/7?full=1").unwrap().1, "/items/7?full=1");
        assert!(split_target("demo").is_err());
    }

    #[test]
    fn headers_are_name_colon_value() {
        let parsed = headers(&["X-One: 1".into(), "accept:text/plain".into()]).unwrap();
        assert_eq!(parsed["x-one"], "1");
        assert_eq!(parsed["accept"], "text/plain");
        assert!(headers(&["no colon".into()]).is_err());
    }

    #[test]
    fn binary_bodies_are_base64_in_json() {
        let answer = answer_json(StatusCode::OK, "id", &HeaderMap::new(), &[0xff, 0]);
        assert_eq!(answer["body_base64"], "/wA=");
        assert!(answer.get("body").is_none());
    }
}
