//! `logging`: writes to the function's log in every way a function can.
//!
//! Each call logs one line at each of the five levels through the SDK, one line through
//! `println!` (stdout) and one through `eprintln!` (stderr); with `?lines=N` it logs N
//! more info lines `line 1` .. `line N`. It answers `logged`.

use updraft::{Request, Response};

#[updraft::handler]
fn handle(req: Request) -> Response {
    updraft::log::trace("logging: trace");
    updraft::log::debug("logging: debug");
    updraft::log::info("logging: info");
    updraft::log::warn("logging: warn");
    updraft::log::error("logging: error");
    println!("logging: stdout");
    eprintln!("logging: stderr");
    let lines: u64 = req.query_param("lines").and_then(|n| n.parse().ok()).unwrap_or(0);
    for i in 1..=lines {
        updraft::info!("line {i}");
    }
    Response::text("logged\n")
}
