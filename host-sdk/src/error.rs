//! Errors of the host imports that end an invocation (traps).

/// A guest bug detected by a host import; it traps the invocation (502 to the caller).
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The guest exports no `memory`.
    #[error("guest exports no linear memory")]
    NoMemory,
    /// A pointer/length pair does not fit in the guest's memory.
    #[error("guest {what} at {ptr:#x} with length {len} is outside linear memory ({size} bytes)")]
    OutOfBounds {
        /// What the range was for.
        what: &'static str,
        /// Guest pointer.
        ptr: u32,
        /// Length.
        len: u32,
        /// Current memory size.
        size: usize,
    },
    /// `host_result` was called with no result pending.
    #[error("host_result called with no pending host_call result")]
    NothingPending,
}
