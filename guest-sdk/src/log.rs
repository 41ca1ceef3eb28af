//! Logging to the function's log, through the host import `log`.
//!
//! Each call writes one entry at its level; the platform keeps it with the invocation
//! (see `updraft logs`). `println!` and `eprintln!` work too — WASI stdout lands at
//! info and stderr at warn level — but these functions choose the level. The macros
//! [`trace!`](crate::trace), [`debug!`](crate::debug), [`info!`](crate::info),
//! [`warn!`](crate::warn) and [`error!`](crate::error) take `format!` arguments.
//!
//! ```no_run
//! updraft::log::info("starting");
//! let order = 42;
//! updraft::warn!("order {order} has no items");
//! ```
//!
//! Outside wasm32 the entries go to stderr as `[level] message`.

/// Severity of a log entry, `Trace` (0) to `Error` (4).
pub use updraft_abi::LogLevel as Level;

/// Writes `message` to the log at `level`.
pub fn log(level: Level, message: &str) {
    crate::host::log(level, message);
}

/// Writes `message` at trace level.
pub fn trace(message: &str) {
    log(Level::Trace, message);
}

/// Writes `message` at debug level.
pub fn debug(message: &str) {
    log(Level::Debug, message);
}

/// Writes `message` at info level.
pub fn info(message: &str) {
    log(Level::Info, message);
}

/// Writes `message` at warn level.
pub fn warn(message: &str) {
    log(Level::Warn, message);
}

/// Writes `message` at error level.
pub fn error(message: &str) {
    log(Level::Error, message);
}

/// Logs at trace level with `format!` arguments: `updraft::trace!("x = {x}")`.
#[macro_export]
macro_rules! trace {
    ($($arg:tt)+) => {
        $crate::log::log($crate::log::Level::Trace, &::std::format!($($arg)+))
    };
}

/// Logs at debug level with `format!` arguments: `updraft::debug!("x = {x}")`.
#[macro_export]
macro_rules! debug {
    ($($arg:tt)+) => {
        $crate::log::log($crate::log::Level::Debug, &::std::format!($($arg)+))
    };
}

/// Logs at info level with `format!` arguments: `updraft::info!("x = {x}")`.
#[macro_export]
macro_rules! info {
    ($($arg:tt)+) => {
        $crate::log::log($crate::log::Level::Info, &::std::format!($($arg)+))
    };
}

/// Logs at warn level with `format!` arguments: `updraft::warn!("x = {x}")`.
#[macro_export]
macro_rules! warn {
    ($($arg:tt)+) => {
        $crate::log::log($crate::log::Level::Warn, &::std::format!($($arg)+))
    };
}

/// Logs at error level with `format!` arguments: `updraft::error!("x = {x}")`.
#[macro_export]
macro_rules! error {
    ($($arg:tt)+) => {
        $crate::log::log($crate::log::Level::Error, &::std::format!($($arg)+))
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn macros_format_and_expand_at_every_level() {
        let n = 3;
        crate::trace!("t {n}");
        crate::debug!("d {}", n);
        crate::info!("i");
        crate::warn!("w {n:>4}");
        crate::error!("e {n}");
        super::info("plain");
    }
}
