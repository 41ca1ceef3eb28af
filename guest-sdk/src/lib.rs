//! # Updraft guest SDK
//!
//! Write Updraft functions in Rust: a handler takes a [`Request`] and returns a
//! [`Response`]; the platform runs it in a fresh WebAssembly instance per invocation.
//! This crate owns everything a function sees of the platform — the handler exports of
//! guest ABI v1 (through [`handler`]), the typed request and response, logging, and the
//! platform services ([`auth`], [`session`], [`kv`], [`mail`], [`call`]) — and hides
//! the MessagePack wire format of `updraft-abi`, the only crate it builds on.
//!
//! ```no_run
//! use serde::Deserialize;
//! use updraft::{Request, Response};
//!
//! #[derive(Deserialize)]
//! struct Vote {
//!     choice: String,
//! }
//!
//! #[updraft::handler]
//! fn handle(req: Request) -> updraft::Result<Response> {
//!     match req.method() {
//!         "POST" => {
//!             let vote: Vote = match req.json() {
//!                 Ok(vote) => vote,
//!                 Err(e) => return Ok(Response::text(format!("{e}\n")).with_status(400)),
//!             };
//!             let key = format!("votes:{}", vote.choice);
//!             let votes: u64 = updraft::kv::get_json(&key)?.unwrap_or(0) + 1;
//!             updraft::kv::set_json(&key, &votes)?;
//!             updraft::info!("{} now has {votes} votes", vote.choice);
//!             Ok(Response::json(&serde_json::json!({ "choice": vote.choice, "votes": votes })))
//!         }
//!         _ => {
//!             let name = req.query_param("name").unwrap_or_else(|| "world".into());
//!             Ok(Response::text(format!("Hello, {name}!\n")))
//!         }
//!     }
//! }
//! ```
//!
//! Build it as a `cdylib` for `wasm32-wasip1` (the SDK is not on crates.io: `updraft new`
//! writes out a project that depends on its sources by path):
//!
//! ```toml
//! [lib]
//! crate-type = ["cdylib"]
//!
//! [dependencies]
//! updraft = { path = "../updraft" } # the SDK sources
//! ```
//!
//! ```text
//! cargo build --release --target wasm32-wasip1
//! ```
//!
//! and upload `target/wasm32-wasip1/release/<crate>.wasm` with `updraft deploy` (or
//! `PUT /v1/apps/{app}/functions/{fn}`).
//!
//! ## What runs where
//!
//! - One invocation, one instance: globals and leaked memory do not outlive the
//!   request. Keep state in [`kv`] (per app) or [`session`] (per signed-in user).
//! - `println!`/`eprintln!` reach the function's log (at info and warn level);
//!   [`log`] and the [`info!`] family choose the level. `std::env::var` reads the
//!   function's configured variables; clocks and random numbers work; there are no
//!   files or sockets.
//! - A panic aborts the instance and the caller gets a 502; return an error response
//!   instead where you can. A handler returning `Result<_, E>` answers `Err` with 500
//!   (see [`IntoResponse`]).
//! - Outside wasm32 (in unit tests on your machine) the crate still builds: logging
//!   goes to stderr and every service returns [`Error::Unavailable`].

#![warn(missing_docs)]

mod call;
mod error;
mod export;
mod handler;
mod headers;
mod host;
mod request;
mod response;
mod space;

pub mod auth;
pub mod kv;
pub mod log;
pub mod mail;
pub mod query;
pub mod session;

pub use call::call;
pub use error::{Error, Result};
pub use handler::IntoResponse;
pub use request::Request;
pub use response::Response;
/// An authenticated end user of an app: `id`, `app` and `roles`.
pub use updraft_abi::User;
/// Marks the function that handles each invocation.
///
/// The function takes one [`Request`] and returns anything that implements
/// [`IntoResponse`] — usually [`Response`] or `Result<Response, E>` with `E: Display`.
/// On wasm32 the attribute adds the exports `updraft_alloc` and `updraft_handle` that
/// the platform calls (one handler per crate; the crate must be a `cdylib` and depend
/// on this crate under the name `updraft`). The function itself stays an ordinary
/// function, so tests can call it directly.
///
/// ```no_run
/// use updraft::{Request, Response};
///
/// #[updraft::handler]
/// fn handle(req: Request) -> Response {
///     Response::text(format!("you asked for {}\n", req.path()))
/// }
/// ```
///
/// A request that does not decode is answered with 400 without calling the function.
pub use updraft_macros::handler;

/// Support for the code [`handler`] generates; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::export::check_handler;
    #[cfg(target_arch = "wasm32")]
    pub use crate::export::{alloc, handle};
}
