//! `updraft signup`, `updraft login`, `updraft logout`: developer accounts, and the token
//! kept for each server in the config file.

use anyhow::Context;
use reqwest::Method;
use serde_json::json;

use super::client::{Client, Remote};
use super::config::{Config, Login};
use super::output::{print_json, print_line, Output};
use super::prompt;

/// Arguments of `updraft login` and `updraft signup`.
#[derive(clap::Args)]
pub struct LoginArgs {
    /// The account's name [default: asked].
    #[arg(long, short)]
    username: Option<String>,
    /// Read the password from the first line of stdin (for scripts) instead of asking.
    #[arg(long)]
    password_stdin: bool,
    /// `signup` only: create the account but stay signed in as before (an admin creating
    /// accounts for others).
    #[arg(long)]
    no_login: bool,
    #[command(flatten)]
    remote: Remote,
    #[command(flatten)]
    output: Output,
}

/// Arguments of `updraft logout`.
#[derive(clap::Args)]
pub struct LogoutArgs {
    #[command(flatten)]
    remote: Remote,
    #[command(flatten)]
    output: Output,
}

/// Signs in and keeps the token.
pub fn login(args: LoginArgs) -> anyhow::Result<()> {
    let mut config = Config::load()?;
    let client = Client::new(args.remote.server_url(&config)?, None)?;
    let (username, password) = credentials(&args, false)?;
    sign_in(&client, &mut config, username, password, args.output)
}

/// Creates an account, then signs in as it.
pub fn signup(args: LoginArgs) -> anyhow::Result<()> {
    let mut config = Config::load()?;
    let url = args.remote.server_url(&config)?;
    // A token, when there is one, lets an admin create accounts under closed sign-up.
    let token = args.remote.token_for(&config, &url);
    let client = Client::new(url, token.clone())?;
    let (username, password) = credentials(&args, true)?;
    let request = match token {
        Some(_) => client.authorized(Method::POST, "/v1/accounts")?,
        None => client.anonymous(Method::POST, "/v1/accounts"),
    };
    let credentials = json!({ "username": username, "password": password });
    let account = client.json(request.json(&credentials)).with_context(|| format!("creating account {username}"))?;
    if args.no_login {
        return if args.output.json {
            print_json(&account)
        } else {
            print_line(&format!("Created account {username} on {}.", client.url()))
        };
    }
    if !args.output.json {
        let admin = if account["admin"] == true { " (the server's admin)" } else { "" };
        print_line(&format!("Created account {username}{admin} on {}.", client.url()))?;
    }
    let client = Client::new(client.url().to_owned(), None)?;
    sign_in(&client, &mut config, username, password, args.output)
}

/// Forgets the token kept for the server.
pub fn logout(args: LogoutArgs) -> anyhow::Result<()> {
    let mut config = Config::load()?;
    let url = args.remote.server_url(&config)?;
    let removed = config.servers.remove(&url).is_some();
    if removed {
        config.save()?;
    }
    if args.output.json {
        return print_json(&json!({ "url": url, "logged_out": removed }));
    }
    if removed {
        print_line(&format!("Logged out of {url}."))
    } else {
        print_line(&format!("Not logged in to {url}; nothing to do."))
    }
}

/// Asks for a token, keeps it (with the server as the default one) and says so.
fn sign_in(client: &Client, config: &mut Config, username: String, password: String, output: Output) -> anyhow::Result<()> {
    let request = client.anonymous(Method::POST, "/v1/tokens").json(&json!({ "username": username, "password": password }));
    let answer = client.json(request).with_context(|| format!("signing in to {} as {username}", client.url()))?;
    let token = answer["token"].as_str().context("the server's answer has no token")?;
    let expires_at = answer["expires_at"].as_str().map(str::to_owned);
    let url = client.url().to_owned();
    config.url = Some(url.clone());
    config.servers.insert(url.clone(), Login { username: username.clone(), token: token.to_owned(), expires_at: expires_at.clone() });
    let path = config.save()?;
    if output.json {
        return print_json(&json!({ "url": url, "username": username, "expires_at": expires_at, "config": path }));
    }
    let until = expires_at.map(|at| format!(", valid until {at}")).unwrap_or_default();
    print_line(&format!("Logged in to {url} as {username}{until}; the token is kept in {}.", path.display()))
}

/// The username and password: from the flags, stdin, or asked at the terminal.
fn credentials(args: &LoginArgs, new_account: bool) -> anyhow::Result<(String, String)> {
    let username = match &args.username {
        Some(username) => username.clone(),
        None if prompt::interactive() => prompt::line("Username: ")?,
        None => anyhow::bail!("pass --username (stdin is not a terminal to ask on)"),
    };
    anyhow::ensure!(!username.trim().is_empty(), "the username is empty");
    let password = if args.password_stdin {
        prompt::read_line()?
    } else if prompt::interactive() {
        let password = prompt::password("Password: ")?;
        if new_account {
            let again = prompt::password("Password (again): ")?;
            anyhow::ensure!(password == again, "the two passwords differ; nothing was created");
        }
        password
    } else {
        anyhow::bail!("pass --password-stdin and the password on stdin (stdin is not a terminal to ask on)")
    };
    anyhow::ensure!(!password.is_empty(), "the password is empty");
    Ok((username.trim().to_owned(), password))
}
