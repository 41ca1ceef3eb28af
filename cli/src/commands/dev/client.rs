//! The HTTP client of the developer commands: which server, which token, and API errors
//! turned into messages that say what went wrong and what to do.

use std::time::Duration;

use anyhow::Context;
use reqwest::blocking::{Client as Http, RequestBuilder, Response};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::config::Config;

/// The server of `updraft up` with its default `--listen`.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8080";
/// How long to wait for a TCP connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Which server: flag, then environment, then the server of the last `updraft login`.
#[derive(clap::Args, Debug, Clone)]
pub struct Server {
    /// URL of the Updraft server [default: the server of the last `updraft login`, else
    /// http://127.0.0.1:8080].
    #[arg(long, env = "UPDRAFT_URL", value_name = "URL")]
    pub url: Option<String>,
}

impl Server {
    /// The server's URL, without a trailing slash.
    pub fn resolve(&self, config: &Config) -> anyhow::Result<String> {
        let url = self.url.as_deref().or(config.url.as_deref()).unwrap_or(DEFAULT_URL);
        normalize_url(url)
    }

    /// A client for the server that sends no credentials (calls to functions).
    pub fn connect(&self) -> anyhow::Result<Client> {
        let config = if self.url.is_some() { Config::default() } else { Config::load()? };
        Client::new(self.resolve(&config)?, None)
    }
}

/// Which server and who we are to it: flags, then environment, then the config file.
#[derive(clap::Args, Debug, Clone)]
pub struct Remote {
    #[command(flatten)]
    pub server: Server,
    /// Developer token [default: the one `updraft login` kept for the server].
    #[arg(long, env = "UPDRAFT_TOKEN", hide_env_values = true, value_name = "TOKEN")]
    pub token: Option<String>,
}

impl Remote {
    /// The server's URL, without a trailing slash.
    pub fn server_url(&self, config: &Config) -> anyhow::Result<String> {
        self.server.resolve(config)
    }

    /// The token: the flag's or environment's, else the one kept for `url`.
    pub fn token_for(&self, config: &Config, url: &str) -> Option<String> {
        let given = self.token.clone().filter(|t| !t.is_empty());
        given.or_else(|| config.login(url).map(|l| l.token.clone()))
    }

    /// A client for the server, with the token for it if there is one.
    pub fn connect(&self) -> anyhow::Result<Client> {
        // A URL and token given outright need no config file (nor a valid one).
        let given = self.server.url.is_some() && self.token.is_some();
        let config = if given { Config::default() } else { Config::load()? };
        let url = self.server_url(&config)?;
        let token = self.token_for(&config, &url);
        Client::new(url, token)
    }
}

/// Checks a server URL and drops any trailing slash.
pub fn normalize_url(url: &str) -> anyhow::Result<String> {
    let parsed = reqwest::Url::parse(url).ok().filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
    anyhow::ensure!(parsed.is_some(), "invalid server URL {url:?}: expected one like {DEFAULT_URL}");
    Ok(url.trim_end_matches('/').to_owned())
}

/// An error answer of the API: `{ "error": { "code", "message" } }`.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// The API's error code (`not_found`, ...), or `http_<status>` for a non-API answer.
    pub code: String,
    /// The server's message.
    pub message: String,
    /// Whether to suggest signing in again (a 401 to a request that carried a token).
    pub login_hint: bool,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)?;
        if self.login_hint {
            write!(f, " (run `updraft login`, or pass --token)")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// Reads an error answer.
    pub fn from_response(response: Response) -> ApiError {
        let status = response.status();
        let body = response.text().unwrap_or_default();
        ApiError::from_parts(status, &body)
    }

    fn with_login_hint(self, signed: bool) -> ApiError {
        ApiError { login_hint: signed && self.status == StatusCode::UNAUTHORIZED, ..self }
    }

    /// An error from a status and a body that may or may not be the API's JSON.
    pub fn from_parts(status: StatusCode, body: &str) -> ApiError {
        let json: Option<Value> = serde_json::from_str(body).ok();
        let field = |name: &str| json.as_ref().and_then(|j| j["error"][name].as_str()).map(str::to_owned);
        match (field("code"), field("message")) {
            (Some(code), Some(message)) => ApiError { status, code, message, login_hint: false },
            _ => {
                let excerpt: String = body.trim().chars().take(200).collect();
                let message = if excerpt.is_empty() { format!("the server answered {status}") } else { format!("the server answered {status}: {excerpt}") };
                ApiError { status, code: format!("http_{}", status.as_u16()), message, login_hint: false }
            }
        }
    }
}

/// A client of one server.
pub struct Client {
    http: Http,
    url: String,
    token: Option<String>,
}

impl Client {
    /// A client of `url` (no trailing slash), signing requests with `token` when asked to.
    pub fn new(url: String, token: Option<String>) -> anyhow::Result<Client> {
        let http = Http::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(None::<Duration>)
            .user_agent(concat!("updraft-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("setting up the HTTP client")?;
        Ok(Client { http, url, token })
    }

    /// The server's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A request without credentials (sign-up, sign-in, invocations).
    pub fn anonymous(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.url))
    }

    /// A request with the developer token; an error when there is none.
    pub fn authorized(&self, method: Method, path: &str) -> anyhow::Result<RequestBuilder> {
        let token = self.token.as_deref().with_context(|| {
            format!("not logged in to {}: run `updraft login` (or pass --token, or set UPDRAFT_TOKEN)", self.url)
        })?;
        Ok(self.anonymous(method, path).bearer_auth(token))
    }

    /// Sends a request; any answer, success or not, is returned.
    pub fn send_raw(&self, request: RequestBuilder) -> anyhow::Result<Response> {
        request.send().map_err(|error| self.transport_error(error))
    }

    /// Sends a request; an answer other than 2xx is an [`ApiError`].
    pub fn send(&self, request: RequestBuilder) -> anyhow::Result<Response> {
        let response = self.send_raw(request)?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(ApiError::from_response(response).with_login_hint(self.token.is_some()).into())
        }
    }

    /// Sends a request and reads its JSON answer (an empty answer is `null`).
    pub fn json(&self, request: RequestBuilder) -> anyhow::Result<Value> {
        let response = self.send(request)?;
        let body = response.bytes().map_err(|error| self.transport_error(error))?;
        if body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&body).with_context(|| format!("{} answered something that is not JSON", self.url))
    }

    fn transport_error(&self, error: reqwest::Error) -> anyhow::Error {
        if error.is_connect() {
            anyhow::anyhow!(
                "cannot reach the Updraft server at {}: is it running? (`updraft up` starts one; --url or UPDRAFT_URL names another)",
                self.url
            )
        } else {
            anyhow::Error::new(error).context(format!("talking to {}", self.url))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn api_errors_carry_the_server_message() {
        let body = r#"{"error":{"code":"not_found","message":"function demo/x not found"}}"#;
        let error = ApiError::from_parts(StatusCode::NOT_FOUND, body);
        assert_eq!((error.code.as_str(), error.to_string().as_str()), ("not_found", "function demo/x not found"));
        let error = ApiError::from_parts(StatusCode::UNAUTHORIZED, r#"{"error":{"code":"unauthenticated","message":"token expired"}}"#);
        assert_eq!(error.to_string(), "token expired", "no hint when no token was sent");
        let error = error.with_login_hint(true);
        assert!(error.to_string().starts_with("token expired (run `updraft login`"));
        let error = ApiError::from_parts(StatusCode::BAD_GATEWAY, "<html>proxy</html>");
        assert_eq!(error.code, "http_502");
        assert!(error.message.contains("502 Bad Gateway: <html>proxy</html>"));
    }

    #[test]
    fn urls_are_checked_and_trimmed() {
        assert_eq!(normalize_url("http://127.0.0.1:8080/").unwrap(), "http://127.0.0.1:8080");
        assert!(normalize_url("127.0.0.1:8080").is_err());
        assert!(normalize_url("ftp://host").is_err());
    }
}
