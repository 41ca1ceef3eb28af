//! Updraft guest ABI v1: the wire types shared by the guest SDK and the host.
//!
//! This crate owns the contract of DESIGN §3 — the Request and Response that cross the
//! guest boundary, the argument and result types of the platform services reached through
//! `host_call`, and the names of exports and imports. Everything is MessagePack with field
//! names (`rmp_serde::to_vec_named`), byte strings as `bin`, pairs as 2-element arrays, and
//! unknown fields are ignored in both directions. It depends on serde and rmp-serde only,
//! so it builds for `wasm32-wasip1` as well as for the host.

mod names;
mod services;
mod wire;

pub use names::*;
pub use services::*;
pub use wire::*;

/// Bytes an encoding starts with room for: a small Request, Response or message fits, so
/// the buffer is not regrown and copied a handful of times while it is written.
const ENCODE_CAPACITY: usize = 512;

/// Encodes a value as a MessagePack map with field names (the ABI's only encoding).
pub fn encode<T: serde::Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, rmp_serde::encode::Error> {
    let mut bytes = Vec::with_capacity(ENCODE_CAPACITY);
    rmp_serde::encode::write_named(&mut bytes, value)?;
    Ok(bytes)
}

/// Decodes a MessagePack value written by [`encode`] (or by hand, per the ABI).
pub fn decode<'a, T: serde::Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, rmp_serde::decode::Error> {
    rmp_serde::from_slice(bytes)
}

/// Packs a guest pointer and length into the `i64` that `updraft_handle` returns:
/// `(ptr << 32) | len`, both unsigned 32-bit.
pub fn pack_ptr_len(ptr: u32, len: u32) -> i64 {
    (((ptr as u64) << 32) | len as u64) as i64
}

/// Splits a packed `i64` (read as unsigned 64-bit) into `(high, low)` 32-bit halves.
pub fn unpack_pair(packed: i64) -> (u32, u32) {
    let bits = packed as u64;
    ((bits >> 32) as u32, bits as u32)
}

#[cfg(test)]
mod tests;
