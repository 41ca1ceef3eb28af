//! Calling another function of the same app.

use updraft_abi::{FnCallArg, service};

use crate::{Request, Response, Result, host};

/// Calls `function` of the same app with `request` and returns its response.
///
/// The callee runs as a fresh invocation with the caller's user (its own `auth` and
/// roles apply to that user) and within the caller's remaining deadline; the platform
/// sets `user` and `invocation_id` of the request. Any status the callee answers with,
/// 4xx and 5xx included, is an `Ok` response.
///
/// ```no_run
/// use updraft::Request;
///
/// # fn demo() -> updraft::Result<()> {
/// let reply = updraft::call("hello", Request::get("/").with_query_param("name", "Ann"))?;
/// assert_eq!(reply.status_code(), 200);
/// println!("{}", reply.body_text()?);
/// # Ok(()) }
/// ```
///
/// # Errors
/// [`Error::NotFound`](crate::Error::NotFound) for an unknown function,
/// [`Error::Unavailable`](crate::Error::Unavailable) when the callee has no free slot
/// before the deadline, [`Error::Forbidden`](crate::Error::Forbidden) or
/// [`Error::Unauthenticated`](crate::Error::Unauthenticated) when its auth refuses the
/// user, and an error when calls nest too deep.
pub fn call(function: &str, request: Request) -> Result<Response> {
    let arg = FnCallArg { function: function.to_owned(), request: request.into_abi() };
    let response: updraft_abi::Response = host::call(service::FN_CALL, &arg)?;
    Ok(Response::from(response))
}
