//! The host imports of module `updraft` (`log`, `host_call`, `host_result`) and the
//! typed service call on top of them. Outside wasm32 there is no host: services answer
//! [`Error::Unavailable`] and logs go to stderr, so code using the SDK builds and its
//! tests run on a developer's machine.

use serde::Serialize;
use serde::de::DeserializeOwned;
use updraft_abi::LogLevel;

use crate::{Error, Result};

#[cfg(target_arch = "wasm32")]
mod imports {
    #[link(wasm_import_module = "updraft")]
    unsafe extern "C" {
        /// `log(level, ptr, len)`: one log line, level 0 trace .. 4 error.
        #[link_name = "log"]
        pub(super) fn log(level: i32, ptr: i32, len: i32);
        /// `host_call(name_ptr, name_len, arg_ptr, arg_len) -> (status << 32) | len`.
        #[link_name = "host_call"]
        pub(super) fn host_call(name_ptr: i32, name_len: i32, arg_ptr: i32, arg_len: i32) -> i64;
        /// `host_result(ptr)`: copies the pending result of the last `host_call`.
        #[link_name = "host_result"]
        pub(super) fn host_result(ptr: i32);
    }
}

/// Writes one line to the function's log.
#[cfg(target_arch = "wasm32")]
pub(crate) fn log(level: LogLevel, message: &str) {
    // SAFETY: the pointer and length describe the live `message` slice; the host only
    // reads it.
    unsafe { imports::log(level as i32, message.as_ptr() as usize as i32, message.len() as i32) }
}

/// Writes one line to stderr (not running inside Updraft).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn log(level: LogLevel, message: &str) {
    eprintln!("[{}] {message}", level.as_str());
}

/// Calls service `name` with MessagePack `arg` and returns the raw result bytes.
#[cfg(target_arch = "wasm32")]
fn call_raw(name: &str, arg: &[u8]) -> Result<Vec<u8>> {
    // SAFETY: both pointer/length pairs describe live slices the host only reads.
    let packed = unsafe {
        imports::host_call(
            name.as_ptr() as usize as i32,
            name.len() as i32,
            arg.as_ptr() as usize as i32,
            arg.len() as i32,
        )
    };
    let (status, len) = updraft_abi::unpack_pair(packed);
    let len = len as usize;
    // Always hand host_result a real allocation, even for an empty result.
    let mut result: Vec<u8> = Vec::new();
    if result.try_reserve_exact(len.max(1)).is_err() {
        return Err(Error::TooLarge(format!("no memory for a {len}-byte result of {name}")));
    }
    result.resize(len.max(1), 0);
    // SAFETY: `result` holds at least `len` writable bytes, which host_result fills.
    unsafe { imports::host_result(result.as_mut_ptr() as usize as i32) };
    result.truncate(len);
    match status {
        updraft_abi::HOST_CALL_OK => Ok(result),
        updraft_abi::HOST_CALL_ERROR => Err(service_error(name, &result)),
        other => Err(Error::Internal(format!("{name}: unknown host_call status {other}"))),
    }
}

/// There is no host outside wasm32.
#[cfg(not(target_arch = "wasm32"))]
fn call_raw(_name: &str, _arg: &[u8]) -> Result<Vec<u8>> {
    Err(Error::Unavailable("not running inside Updraft".into()))
}

/// The error for a status-1 result: the decoded `ServiceError`.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn service_error(name: &str, result: &[u8]) -> Error {
    match updraft_abi::decode::<updraft_abi::ServiceError>(result) {
        Ok(error) => Error::from_service(error),
        Err(e) => Error::Decode(format!("{name}: the error result does not decode: {e}")),
    }
}

/// Calls service `name` with `arg` encoded as MessagePack and decodes its result.
pub(crate) fn call<A, T>(name: &str, arg: &A) -> Result<T>
where
    A: Serialize + ?Sized,
    T: DeserializeOwned,
{
    let arg = updraft_abi::encode(arg).map_err(|e| Error::Encode(format!("{name}: {e}")))?;
    let result = call_raw(name, &arg)?;
    updraft_abi::decode(&result).map_err(|e| Error::Decode(format!("{name}: the result does not decode: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_are_unavailable_outside_wasm() {
        let result: Result<Option<String>> = call("auth.user", &());
        assert_eq!(result, Err(Error::Unavailable("not running inside Updraft".into())));
    }

    #[test]
    fn error_results_decode_to_the_error_enum() {
        let bytes = updraft_abi::encode(&updraft_abi::ServiceError::new(updraft_abi::ErrorCode::RateLimited, "wait"))
            .unwrap_or_default();
        assert_eq!(service_error("mail.send", &bytes), Error::RateLimited("wait".into()));
        assert!(matches!(service_error("mail.send", &[0xc1]), Error::Decode(_)));
    }
}
