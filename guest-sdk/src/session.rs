//! The signed-in caller's session: small per-user values kept between invocations.
//!
//! Sessions exist for functions deployed with `auth=user`; elsewhere every call fails
//! with [`Error::Unauthenticated`](crate::Error::Unauthenticated). A session holds at
//! most 64 KiB ([`Error::TooLarge`](crate::Error::TooLarge) beyond that).
//!
//! ```no_run
//! # fn demo() -> updraft::Result<()> {
//! let visits: u64 = updraft::session::get_json("visits")?.unwrap_or(0);
//! updraft::session::set_json("visits", &(visits + 1))?;
//! updraft::session::set("theme", b"dark")?;
//! updraft::session::delete("cart")?;
//! # Ok(()) }
//! ```

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Result;
use crate::space::SESSION;

/// The bytes stored under `key` in the caller's session, `None` when there are none.
///
/// # Errors
/// [`Error::Unauthenticated`](crate::Error::Unauthenticated) without a signed-in
/// caller; other service errors as the host reports them.
pub fn get(key: &str) -> Result<Option<Vec<u8>>> {
    SESSION.get(key)
}

/// Stores `value` under `key` in the caller's session.
///
/// # Errors
/// As [`get`], and [`Error::TooLarge`](crate::Error::TooLarge) when the session would
/// exceed its limit.
pub fn set(key: &str, value: &[u8]) -> Result<()> {
    SESSION.set(key, value)
}

/// Removes `key` from the caller's session (no error when it is absent).
///
/// # Errors
/// As [`get`].
pub fn delete(key: &str) -> Result<()> {
    SESSION.delete(key)
}

/// The value stored under `key` as JSON, parsed.
///
/// # Errors
/// As [`get`], and [`Error::Decode`](crate::Error::Decode) when the stored bytes are
/// not JSON of that shape.
pub fn get_json<T: DeserializeOwned>(key: &str) -> Result<Option<T>> {
    SESSION.get_json(key)
}

/// Stores `value` as JSON under `key`.
///
/// # Errors
/// As [`set`], and [`Error::Encode`](crate::Error::Encode) when `value` does not
/// serialize.
pub fn set_json<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<()> {
    SESSION.set_json(key, value)
}
