//! Gateway configuration, with the defaults of DESIGN §7.

use std::time::Duration;

/// Default request/response body limit: 6 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 6 * 1024 * 1024;
/// Default module size limit: 32 MiB.
pub const DEFAULT_MAX_MODULE_BYTES: usize = 32 * 1024 * 1024;
/// Default lifetime of a developer token.
pub const DEFAULT_DEVELOPER_TOKEN_TTL: Duration = Duration::from_secs(24 * 3600);
/// Default lifetime of an app user's session.
pub const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
/// How deep `fn.call` chains may go.
pub const MAX_CALL_DEPTH: u32 = 8;
/// How long to wait before retrying after a 429 or 503, in seconds.
pub const RETRY_AFTER_SECONDS: u64 = 1;

/// Upper bounds a deploy may ask for, and defaults it gets when it asks nothing.
#[derive(Clone, Debug)]
pub struct FunctionLimits {
    /// Default wall time per invocation.
    pub default_timeout: Duration,
    /// Most wall time a function may be configured with.
    pub max_timeout: Duration,
    /// Default and most linear memory per instance, MiB.
    pub max_memory_mb: u32,
    /// Default invocations per instance.
    pub default_concurrency: u32,
    /// Most invocations per instance.
    pub max_concurrency: u32,
    /// Default most instances.
    pub default_max_instances: u32,
    /// Most instances a function may ask for.
    pub max_instances: u32,
    /// Most environment variables, and bytes per name plus value.
    pub max_env_vars: usize,
    /// Bytes of one env var (name + value).
    pub max_env_var_bytes: usize,
}

impl Default for FunctionLimits {
    fn default() -> Self {
        FunctionLimits {
            default_timeout: Duration::from_secs(10),
            max_timeout: Duration::from_secs(15 * 60),
            max_memory_mb: 128,
            default_concurrency: 16,
            max_concurrency: 1000,
            default_max_instances: 16,
            max_instances: 1000,
            max_env_vars: 64,
            max_env_var_bytes: 4096,
        }
    }
}

/// How the gateway behaves.
#[derive(Clone, Debug)]
pub struct GatewayConfig {
    /// Request and response body limit.
    pub max_body_bytes: usize,
    /// Module size limit.
    pub max_module_bytes: usize,
    /// Only the admin may create accounts.
    pub closed_signup: bool,
    /// Lifetime of developer tokens.
    pub developer_token_ttl: Duration,
    /// Lifetime of app-user sessions.
    pub session_ttl: Duration,
    /// Limits and defaults of function settings.
    pub limits: FunctionLimits,
    /// Base URL printed in deploy answers (e.g. `http://127.0.0.1:8080`).
    pub public_url: String,
    /// How long a deploy's trial instantiation may take.
    pub trial_timeout: Duration,
    /// Serve `/metrics` without a token (for a scraper on a private network).
    pub public_metrics: bool,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_module_bytes: DEFAULT_MAX_MODULE_BYTES,
            closed_signup: false,
            developer_token_ttl: DEFAULT_DEVELOPER_TOKEN_TTL,
            session_ttl: DEFAULT_SESSION_TTL,
            limits: FunctionLimits::default(),
            public_url: "http://127.0.0.1:8080".into(),
            trial_timeout: Duration::from_secs(5),
            public_metrics: false,
        }
    }
}
