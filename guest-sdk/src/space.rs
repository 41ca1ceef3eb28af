//! A key space reached through `get`/`set`/`delete` services: the caller's session or
//! the app's key-value store. [`crate::session`] and [`crate::kv`] are thin fronts.

use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};
use updraft_abi::{Value, service};

use crate::{Error, Result, host};

/// The service names of one key space.
pub(crate) struct Space {
    get: &'static str,
    set: &'static str,
    delete: &'static str,
}

/// The caller's session.
pub(crate) const SESSION: Space =
    Space { get: service::SESSION_GET, set: service::SESSION_SET, delete: service::SESSION_DELETE };

/// The app's key-value store.
pub(crate) const KV: Space = Space { get: service::KV_GET, set: service::KV_SET, delete: service::KV_DELETE };

/// `updraft_abi::KeyArg`, borrowing the key.
#[derive(Serialize)]
struct KeyRef<'a> {
    key: &'a str,
}

/// `updraft_abi::SetArg`, borrowing key and value (values may be a MiB; no copy).
#[derive(Serialize)]
struct SetRef<'a> {
    key: &'a str,
    #[serde(serialize_with = "as_bin")]
    value: &'a [u8],
}

/// Serializes bytes as MessagePack `bin`, as `serde_bytes` does for the ABI types.
fn as_bin<S: Serializer>(value: &&[u8], serializer: S) -> std::result::Result<S::Ok, S::Error> {
    serializer.serialize_bytes(value)
}

impl Space {
    /// The value stored under `key`, `None` when there is none.
    pub(crate) fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let value: Option<Value> = host::call(self.get, &KeyRef { key })?;
        Ok(value.map(|Value(bytes)| bytes))
    }

    /// Stores `value` under `key`.
    pub(crate) fn set(&self, key: &str, value: &[u8]) -> Result<()> {
        host::call::<_, serde::de::IgnoredAny>(self.set, &SetRef { key, value })?;
        Ok(())
    }

    /// Removes `key`; removing a missing key is not an error.
    pub(crate) fn delete(&self, key: &str) -> Result<()> {
        host::call::<_, serde::de::IgnoredAny>(self.delete, &KeyRef { key })?;
        Ok(())
    }

    /// The JSON value stored under `key`.
    pub(crate) fn get_json<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        match self.get(key)? {
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| Error::Decode(format!("the value of {key:?} is not the expected JSON: {e}"))),
            None => Ok(None),
        }
    }

    /// Stores `value` as JSON under `key`.
    pub(crate) fn set_json<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<()> {
        let bytes = serde_json::to_vec(value).map_err(|e| Error::Encode(e.to_string()))?;
        self.set(key, &bytes)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn borrowed_arguments_encode_like_the_abi_types() {
        let set = SetRef { key: "k", value: &[1, 2, 255] };
        let abi = updraft_abi::SetArg { key: "k".into(), value: vec![1, 2, 255] };
        assert_eq!(updraft_abi::encode(&set).unwrap(), updraft_abi::encode(&abi).unwrap());
        let key = KeyRef { key: "k" };
        let abi = updraft_abi::KeyArg { key: "k".into() };
        assert_eq!(updraft_abi::encode(&key).unwrap(), updraft_abi::encode(&abi).unwrap());
    }

    #[test]
    fn every_operation_reports_unavailable_outside_wasm() {
        assert!(matches!(KV.get("k"), Err(Error::Unavailable(_))));
        assert!(matches!(SESSION.set("k", b"v"), Err(Error::Unavailable(_))));
        assert!(matches!(KV.delete("k"), Err(Error::Unavailable(_))));
        assert!(matches!(SESSION.get_json::<u32>("k"), Err(Error::Unavailable(_))));
        assert!(matches!(KV.set_json("k", &[1]), Err(Error::Unavailable(_))));
    }
}
