//! `hello`: the smallest Updraft function.
//!
//! `GET /fn/{app}/hello` answers `Hello, world!`; with `?name=Ann` it answers
//! `Hello, Ann!` (the name is percent-decoded; an empty name counts as none).

use updraft::{Request, Response};

#[updraft::handler]
fn handle(req: Request) -> Response {
    let name = req.query_param("name").filter(|name| !name.is_empty());
    Response::text(format!("Hello, {}!\n", name.as_deref().unwrap_or("world")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn greets_the_world_or_the_named() {
        assert_eq!(handle(Request::get("/")).body(), b"Hello, world!\n");
        assert_eq!(handle(Request::get("/?name=J%C3%BCrgen+K")).body(), "Hello, Jürgen K!\n".as_bytes());
        assert_eq!(handle(Request::get("/?name=")).body(), b"Hello, world!\n");
        assert_eq!(handle(Request::get("/")).header("content-type"), Some("text/plain; charset=utf-8"));
    }
}
