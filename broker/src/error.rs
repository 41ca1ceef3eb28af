//! Errors of the broker.

/// Why a message could not be sent or received.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// The function's queue holds its maximum of waiting calls (429).
    #[error("queue of {0} is full")]
    QueueFull(String),
    /// The broker cannot be reached (503).
    #[error("broker unavailable: {0}")]
    Unavailable(String),
    /// No reply came before the deadline (504).
    #[error("no reply before the deadline")]
    DeadlineExceeded,
    /// The other side went away mid-call.
    #[error("call abandoned: {0}")]
    Abandoned(String),
    /// A message could not be encoded or decoded.
    #[error("bad message: {0}")]
    Codec(String),
}
