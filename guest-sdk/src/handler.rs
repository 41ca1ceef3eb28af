//! [`IntoResponse`]: what a `#[handler]` function may return.

use std::fmt::Display;

use crate::Response;

/// A value a handler can return: it becomes the invocation's [`Response`].
///
/// Implemented for [`Response`], the wire `updraft_abi::Response`, `String` and `&str`
/// (200 `text/plain`), and for `Result<R, E>` where `R: IntoResponse` and
/// `E: Display`: an `Err` becomes a 500 `text/plain` response carrying the error's
/// message, which is also logged at error level. To answer errors with other statuses,
/// map them yourself — [`Error::http_status`](crate::Error::http_status) suggests one
/// for SDK errors.
///
/// ```no_run
/// use updraft::{Request, Response};
///
/// #[updraft::handler]
/// fn handle(req: Request) -> updraft::Result<Response> {
///     let visits = updraft::kv::get("visits")?.map_or(0, |v| v.len());
///     Ok(Response::text(format!("{visits} visits to {}\n", req.path())))
/// }
/// ```
pub trait IntoResponse {
    /// Converts `self` into the response.
    fn into_response(self) -> Response;
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl IntoResponse for updraft_abi::Response {
    fn into_response(self) -> Response {
        Response::from(self)
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Response {
        Response::text(self)
    }
}

impl IntoResponse for &str {
    fn into_response(self) -> Response {
        Response::text(self)
    }
}

impl<R: IntoResponse, E: Display> IntoResponse for Result<R, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(response) => response.into_response(),
            Err(error) => {
                let message = error.to_string();
                crate::log::error(&format!("the handler failed: {message}"));
                Response::text(message).with_status(500)
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn responses_and_text_convert() {
        assert_eq!(Response::status(204).into_response().status_code(), 204);
        let wire = updraft_abi::Response { status: 201, ..Default::default() };
        assert_eq!(wire.into_response().status_code(), 201);
        let text = "hi".into_response();
        assert_eq!((text.status_code(), text.body()), (200, &b"hi"[..]));
        assert_eq!(String::from("yo").into_response().body_text().unwrap(), "yo");
    }

    #[test]
    fn ok_passes_and_err_is_500_with_the_message() {
        let ok: Result<Response, String> = Ok(Response::status(202));
        assert_eq!(ok.into_response().status_code(), 202);
        let err: Result<&str, crate::Error> = Err(crate::Error::NotFound("no such item".into()));
        let resp = err.into_response();
        assert_eq!(resp.status_code(), 500);
        assert_eq!(resp.body_text().unwrap(), "not_found: no such item");
        assert_eq!(resp.header("content-type"), Some("text/plain; charset=utf-8"));
    }
}
