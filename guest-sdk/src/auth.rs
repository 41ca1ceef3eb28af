//! The signed-in caller, as the platform's auth service knows it.

use updraft_abi::service;

use crate::{Result, User, host};

/// The caller of this invocation: `Some` in functions deployed with `auth=user` (the
/// platform has already checked the token), `None` in public ones.
///
/// The same user is in [`Request::user`](crate::Request::user) without a host call;
/// this is for code that has no request at hand.
///
/// ```no_run
/// # fn demo() -> updraft::Result<()> {
/// if let Some(user) = updraft::auth::user()? {
///     updraft::info!("{} of {} has roles {:?}", user.id, user.app, user.roles);
/// }
/// # Ok(()) }
/// ```
///
/// # Errors
/// Service errors as the host reports them.
pub fn user() -> Result<Option<User>> {
    host::call(service::AUTH_USER, &())
}
