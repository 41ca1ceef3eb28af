//! Names of the exports and imports of guest ABI v1, and of the services.

/// Version of the guest ABI described by this crate.
pub const ABI_VERSION: u32 = 1;

/// Export: linear memory of the guest.
pub const EXPORT_MEMORY: &str = "memory";
/// Export: `(size: i32) -> i32`, fresh bytes for the host to write into (0 on failure).
pub const EXPORT_ALLOC: &str = "updraft_alloc";
/// Export: `(ptr: i32, len: i32) -> i64`, handles a Request and returns a packed Response.
pub const EXPORT_HANDLE: &str = "updraft_handle";
/// Export (optional): `()`, called right after instantiation.
pub const EXPORT_INITIALIZE: &str = "_initialize";

/// Module name of the host imports.
pub const IMPORT_MODULE: &str = "updraft";
/// Import: `(level: i32, ptr: i32, len: i32)`.
pub const IMPORT_LOG: &str = "log";
/// Import: `(name_ptr, name_len, arg_ptr, arg_len: i32) -> i64`, `(status << 32) | len`.
pub const IMPORT_HOST_CALL: &str = "host_call";
/// Import: `(ptr: i32)`, copies the pending result of the last `host_call`.
pub const IMPORT_HOST_RESULT: &str = "host_result";

/// `host_call` status: the result is the service's value.
pub const HOST_CALL_OK: u32 = 0;
/// `host_call` status: the result is a [`crate::ServiceError`].
pub const HOST_CALL_ERROR: u32 = 1;

/// Service names of ABI v1.
pub mod service {
    /// `nil` -> `nil | User`
    pub const AUTH_USER: &str = "auth.user";
    /// `{key}` -> `bin | nil`
    pub const SESSION_GET: &str = "session.get";
    /// `{key, value}` -> `nil`
    pub const SESSION_SET: &str = "session.set";
    /// `{key}` -> `nil`
    pub const SESSION_DELETE: &str = "session.delete";
    /// `{key}` -> `bin | nil`
    pub const KV_GET: &str = "kv.get";
    /// `{key, value}` -> `nil`
    pub const KV_SET: &str = "kv.set";
    /// `{key}` -> `nil`
    pub const KV_DELETE: &str = "kv.delete";
    /// `{prefix}` -> `[str]`
    pub const KV_LIST: &str = "kv.list";
    /// `MailMessage` -> `{id}`
    pub const MAIL_SEND: &str = "mail.send";
    /// `{function, request}` -> `Response`
    pub const FN_CALL: &str = "fn.call";
}

/// Log levels of the `log` import (0 trace .. 4 error).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum LogLevel {
    /// Finest detail.
    Trace = 0,
    /// Diagnostics.
    Debug = 1,
    /// Normal events (WASI stdout lands here).
    Info = 2,
    /// Something unexpected (WASI stderr lands here).
    Warn = 3,
    /// A failure.
    Error = 4,
}

impl LogLevel {
    /// The level for a raw `log` import argument; out-of-range values clamp to the
    /// nearest level.
    pub fn from_i32(level: i32) -> LogLevel {
        match level {
            i32::MIN..=0 => LogLevel::Trace,
            1 => LogLevel::Debug,
            2 => LogLevel::Info,
            3 => LogLevel::Warn,
            _ => LogLevel::Error,
        }
    }

    /// Lower-case name, as used in the logs API.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }

    /// Parses a lower-case level name.
    pub fn parse(name: &str) -> Option<LogLevel> {
        Some(match name {
            "trace" => LogLevel::Trace,
            "debug" => LogLevel::Debug,
            "info" => LogLevel::Info,
            "warn" => LogLevel::Warn,
            "error" => LogLevel::Error,
            _ => return None,
        })
    }
}
