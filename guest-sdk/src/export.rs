//! The glue behind the exports that `#[updraft::handler]` generates: `updraft_alloc`
//! and `updraft_handle` of the guest ABI. Function authors never call this directly.

use crate::{IntoResponse, Request, Response};

/// `{ status: 500 }` as MessagePack, for the (theoretical) case that a Response does
/// not encode: a map of one entry, `"status"`, uint16 500.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
const ENCODE_FAILURE_RESPONSE: &[u8] = &[0x81, 0xa6, b's', b't', b'a', b't', b'u', b's', 0xcd, 0x01, 0xf4];

/// `updraft_alloc(size) -> ptr`: `size` fresh bytes (at least one, so the pointer is
/// never that of an empty allocation), or 0 when memory is exhausted. Nothing is freed:
/// an instance serves one invocation.
#[cfg(target_arch = "wasm32")]
pub fn alloc(size: i32) -> i32 {
    // The ABI carries lengths as unsigned 32-bit values in an i32.
    let size = size as u32 as usize;
    let mut buffer: Vec<u8> = Vec::new();
    if buffer.try_reserve_exact(size.max(1)).is_err() {
        return 0;
    }
    let ptr = buffer.as_mut_ptr();
    std::mem::forget(buffer);
    ptr as usize as i32
}

/// `updraft_handle(ptr, len) -> (resp_ptr << 32) | resp_len`: decodes the Request the
/// host wrote, runs `handler` and leaves the encoded Response in memory for the host.
///
/// # Safety
/// `ptr .. ptr + len` must be readable memory holding the request bytes (the host wrote
/// them into a buffer it got from [`alloc`]); `len` may be 0.
#[cfg(target_arch = "wasm32")]
pub unsafe fn handle<F, R>(ptr: i32, len: i32, handler: F) -> i64
where
    F: FnOnce(Request) -> R,
    R: IntoResponse,
{
    install_panic_hook();
    let len = len as u32 as usize;
    let input: &[u8] = if len == 0 {
        &[]
    } else {
        // SAFETY: the caller guarantees that the region is readable and initialised.
        unsafe { std::slice::from_raw_parts(ptr as u32 as usize as *const u8, len) }
    };
    let output: &'static [u8] = respond(input, handler).leak();
    // The instance is dropped after this call without an exit: text printed without a
    // final newline would otherwise stay in std's stdout buffer and never be logged.
    let _ = std::io::Write::flush(&mut std::io::stdout());
    updraft_abi::pack_ptr_len(output.as_ptr() as usize as u32, output.len() as u32)
}

/// Sends panic messages to the function's log at error level. The guest is built with
/// `panic = "abort"`, so the invocation then traps and the platform answers 502.
#[cfg(target_arch = "wasm32")]
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| crate::log::error(&info.to_string())));
}

/// Decodes `input` as a Request, runs `handler`, encodes its Response; a request that
/// does not decode is answered with 400.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(crate) fn respond<F, R>(input: &[u8], handler: F) -> Vec<u8>
where
    F: FnOnce(Request) -> R,
    R: IntoResponse,
{
    let response = match updraft_abi::decode::<updraft_abi::Request>(input) {
        Ok(request) => handler(Request::from(request)).into_response(),
        Err(e) => Response::text(format!("the request does not decode: {e}\n")).with_status(400),
    };
    updraft_abi::encode(response.as_abi()).unwrap_or_else(|_| ENCODE_FAILURE_RESPONSE.to_vec())
}

/// Type-checks a handler on targets other than wasm32, where no exports are generated.
pub fn check_handler<F, R>(_handler: F)
where
    F: FnOnce(Request) -> R,
    R: IntoResponse,
{
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn decode_response(bytes: &[u8]) -> updraft_abi::Response {
        updraft_abi::decode(bytes).unwrap()
    }

    #[test]
    fn runs_the_handler_on_the_decoded_request() {
        let request = updraft_abi::Request { method: "GET".into(), path: "/x".into(), ..Default::default() };
        let input = updraft_abi::encode(&request).unwrap();
        let output = respond(&input, |req: Request| Response::text(req.path().to_owned()).with_status(201));
        let response = decode_response(&output);
        assert_eq!((response.status, response.body.as_slice()), (201, &b"/x"[..]));
    }

    #[test]
    fn a_request_that_does_not_decode_is_400() {
        let mut called = false;
        let output = respond(&[0xc1], |_req: Request| {
            called = true;
            Response::status(200)
        });
        assert!(!called);
        let response = decode_response(&output);
        assert_eq!(response.status, 400);
        assert!(String::from_utf8_lossy(&response.body).contains("does not decode"));
    }

    #[test]
    fn handler_errors_become_500() {
        let input = updraft_abi::encode(&updraft_abi::Request::default()).unwrap();
        let output = respond(&input, |_req: Request| -> Result<Response, String> { Err("boom".into()) });
        let response = decode_response(&output);
        assert_eq!((response.status, response.body.as_slice()), (500, &b"boom"[..]));
    }

    #[test]
    fn the_fallback_response_is_a_500() {
        assert_eq!(decode_response(ENCODE_FAILURE_RESPONSE).status, 500);
    }
}
