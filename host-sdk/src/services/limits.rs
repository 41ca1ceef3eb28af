//! Limits of the platform services (DESIGN §7).

use crate::DEFAULT_MAILS_PER_MINUTE;

/// Limits applied by the data services.
#[derive(Clone, Debug)]
pub struct ServiceLimits {
    /// Longest kv key, bytes.
    pub kv_key_bytes: usize,
    /// Largest kv value, bytes.
    pub kv_value_bytes: usize,
    /// Most keys one `kv.list` returns.
    pub kv_list_keys: u32,
    /// Largest total of one session's data (keys and values), bytes.
    pub session_bytes: usize,
    /// Most mails one function may queue per minute (per process that serves it).
    pub mails_per_minute: u32,
}

impl Default for ServiceLimits {
    fn default() -> Self {
        ServiceLimits {
            kv_key_bytes: 512,
            kv_value_bytes: 1024 * 1024,
            kv_list_keys: 1000,
            session_bytes: 64 * 1024,
            mails_per_minute: DEFAULT_MAILS_PER_MINUTE,
        }
    }
}
