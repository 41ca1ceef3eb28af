//! The app's key-value store: values shared by all functions of the app, kept until
//! deleted.
//!
//! Keys are at most 512 bytes and values at most 1 MiB
//! ([`Error::TooLarge`](crate::Error::TooLarge) beyond). Writes are last-writer-wins;
//! there are no transactions.
//!
//! ```no_run
//! # fn demo() -> updraft::Result<()> {
//! updraft::kv::set("greeting", b"hello")?;
//! assert_eq!(updraft::kv::get("greeting")?.as_deref(), Some(&b"hello"[..]));
//! updraft::kv::set_json("user:1", &serde_json::json!({ "name": "Ann" }))?;
//! for key in updraft::kv::list("user:")? {
//!     updraft::info!("found {key}");
//! }
//! updraft::kv::delete("greeting")?;
//! # Ok(()) }
//! ```

use serde::Serialize;
use serde::de::DeserializeOwned;
use updraft_abi::{PrefixArg, service};

use crate::space::KV;
use crate::{Result, host};

/// The bytes stored under `key`, `None` when there are none.
///
/// # Errors
/// Service errors as the host reports them (for example
/// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for a bad key).
pub fn get(key: &str) -> Result<Option<Vec<u8>>> {
    KV.get(key)
}

/// Stores `value` under `key`, replacing what was there.
///
/// # Errors
/// As [`get`], and [`Error::TooLarge`](crate::Error::TooLarge) for a key or value over
/// its limit.
pub fn set(key: &str, value: &[u8]) -> Result<()> {
    KV.set(key, value)
}

/// Removes `key` (no error when it is absent).
///
/// # Errors
/// As [`get`].
pub fn delete(key: &str) -> Result<()> {
    KV.delete(key)
}

/// The keys starting with `prefix` (all keys for `""`).
///
/// # Errors
/// As [`get`].
pub fn list(prefix: &str) -> Result<Vec<String>> {
    host::call(service::KV_LIST, &PrefixArg { prefix: prefix.to_owned() })
}

/// The value stored under `key` as JSON, parsed.
///
/// # Errors
/// As [`get`], and [`Error::Decode`](crate::Error::Decode) when the stored bytes are
/// not JSON of that shape.
pub fn get_json<T: DeserializeOwned>(key: &str) -> Result<Option<T>> {
    KV.get_json(key)
}

/// Stores `value` as JSON under `key`.
///
/// # Errors
/// As [`set`], and [`Error::Encode`](crate::Error::Encode) when `value` does not
/// serialize.
pub fn set_json<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<()> {
    KV.set_json(key, value)
}
