//! Function settings: what each revision carries, how an upload's query or manifest
//! patches the previous revision's, and the bounds every value must keep.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::config::FunctionLimits;
use crate::ApiError;

/// Who may call a function.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// Anyone.
    #[default]
    Public,
    /// Signed-in users of the app (optionally with one of `roles`).
    User,
}

/// The settings of one revision (stored with it, immutable).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionSettings {
    /// Who may call.
    pub auth: AuthMode,
    /// With `auth=user`: roles admitted (any of them); empty admits every user.
    pub roles: Vec<String>,
    /// Wall time per invocation.
    pub timeout_ms: u64,
    /// Linear memory per instance.
    pub memory_mb: u32,
    /// Instances kept even when idle.
    pub min_instances: u32,
    /// Most instances.
    pub max_instances: u32,
    /// Invocations per instance at once.
    pub concurrency: u32,
    /// Origins allowed by CORS (`*` for any).
    pub cors_origins: Vec<String>,
    /// Environment variables.
    pub env: BTreeMap<String, String>,
}

impl FunctionSettings {
    /// The settings of a first deploy that asks for nothing.
    pub fn defaults(limits: &FunctionLimits) -> FunctionSettings {
        FunctionSettings {
            auth: AuthMode::Public,
            roles: Vec::new(),
            timeout_ms: limits.default_timeout.as_millis() as u64,
            memory_mb: limits.max_memory_mb,
            min_instances: 0,
            max_instances: limits.default_max_instances,
            concurrency: limits.default_concurrency,
            cors_origins: Vec::new(),
            env: BTreeMap::new(),
        }
    }
}

/// Settings given with one upload; absent ones are inherited.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    /// Manifest format version (1).
    #[serde(default)]
    pub version: Option<u32>,
    /// See [`FunctionSettings`].
    pub auth: Option<AuthMode>,
    /// See [`FunctionSettings`].
    pub roles: Option<Vec<String>>,
    /// See [`FunctionSettings`].
    pub timeout_ms: Option<u64>,
    /// See [`FunctionSettings`].
    pub memory_mb: Option<u32>,
    /// See [`FunctionSettings`].
    pub min_instances: Option<u32>,
    /// See [`FunctionSettings`].
    pub max_instances: Option<u32>,
    /// See [`FunctionSettings`].
    pub concurrency: Option<u32>,
    /// See [`FunctionSettings`].
    pub cors_origins: Option<Vec<String>>,
    /// See [`FunctionSettings`]; replaces the whole set when given.
    pub env: Option<BTreeMap<String, String>>,
}

fn number<T: std::str::FromStr>(key: &str, value: &str) -> Result<T, ApiError> {
    value.parse().map_err(|_| ApiError::bad_request(format!("{key} must be a non-negative integer, not {value:?}")))
}

fn list(value: &str) -> Vec<String> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
}

impl SettingsPatch {
    /// Reads the settings query parameters of an upload; unknown parameters are 400.
    pub fn from_query(query: &HashMap<String, String>) -> Result<SettingsPatch, ApiError> {
        let mut patch = SettingsPatch::default();
        for (key, value) in query {
            match key.as_str() {
                "auth" => {
                    patch.auth = Some(match value.as_str() {
                        "public" => AuthMode::Public,
                        "user" => AuthMode::User,
                        _ => return Err(ApiError::bad_request("auth must be public or user")),
                    })
                }
                "roles" => patch.roles = Some(list(value)),
                "timeout_ms" => patch.timeout_ms = Some(number(key, value)?),
                "memory_mb" => patch.memory_mb = Some(number(key, value)?),
                "min_instances" => patch.min_instances = Some(number(key, value)?),
                "max_instances" => patch.max_instances = Some(number(key, value)?),
                "concurrency" => patch.concurrency = Some(number(key, value)?),
                "cors_origins" => patch.cors_origins = Some(list(value)),
                other => return Err(ApiError::bad_request(format!("unknown setting {other:?}"))),
            }
        }
        Ok(patch)
    }

    /// Parses a TOML manifest (the same settings plus `[env]`).
    pub fn from_manifest(text: &str) -> Result<SettingsPatch, ApiError> {
        let patch: SettingsPatch =
            toml::from_str(text).map_err(|e| ApiError::bad_request(format!("manifest: {}", e.message())))?;
        match patch.version {
            None | Some(1) => Ok(patch),
            Some(v) => Err(ApiError::bad_request(format!("manifest version {v} is not supported (use 1)"))),
        }
    }

    /// Overlays `other` (later wins).
    pub fn merge(self, other: SettingsPatch) -> SettingsPatch {
        SettingsPatch {
            version: other.version.or(self.version),
            auth: other.auth.or(self.auth),
            roles: other.roles.or(self.roles),
            timeout_ms: other.timeout_ms.or(self.timeout_ms),
            memory_mb: other.memory_mb.or(self.memory_mb),
            min_instances: other.min_instances.or(self.min_instances),
            max_instances: other.max_instances.or(self.max_instances),
            concurrency: other.concurrency.or(self.concurrency),
            cors_origins: other.cors_origins.or(self.cors_origins),
            env: other.env.or(self.env),
        }
    }

    /// Applies the patch to `base` (the previous revision's settings or the defaults)
    /// and checks the result against `limits`.
    pub fn apply(self, base: FunctionSettings, limits: &FunctionLimits) -> Result<FunctionSettings, ApiError> {
        let settings = FunctionSettings {
            auth: self.auth.unwrap_or(base.auth),
            roles: self.roles.unwrap_or(base.roles),
            timeout_ms: self.timeout_ms.unwrap_or(base.timeout_ms),
            memory_mb: self.memory_mb.unwrap_or(base.memory_mb),
            min_instances: self.min_instances.unwrap_or(base.min_instances),
            max_instances: self.max_instances.unwrap_or(base.max_instances),
            concurrency: self.concurrency.unwrap_or(base.concurrency),
            cors_origins: self.cors_origins.unwrap_or(base.cors_origins),
            env: self.env.unwrap_or(base.env),
        };
        check(&settings, limits)?;
        Ok(settings)
    }
}

fn bounded(key: &str, value: u64, min: u64, max: u64) -> Result<(), ApiError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!("{key} must be between {min} and {max}, not {value}")))
    }
}

fn check(s: &FunctionSettings, limits: &FunctionLimits) -> Result<(), ApiError> {
    bounded("timeout_ms", s.timeout_ms, 1, limits.max_timeout.as_millis() as u64)?;
    bounded("memory_mb", s.memory_mb.into(), 1, limits.max_memory_mb.into())?;
    bounded("concurrency", s.concurrency.into(), 1, limits.max_concurrency.into())?;
    bounded("max_instances", s.max_instances.into(), 1, limits.max_instances.into())?;
    bounded("min_instances", s.min_instances.into(), 0, s.max_instances.into())?;
    if s.auth == AuthMode::Public && !s.roles.is_empty() {
        return Err(ApiError::bad_request("roles apply only to auth=user functions"));
    }
    for role in &s.roles {
        crate::names::check_role(role)?;
    }
    for origin in &s.cors_origins {
        let ok = origin == "*"
            || ((origin.starts_with("http://") || origin.starts_with("https://"))
                && !origin.ends_with('/')
                && origin.bytes().all(|b| b.is_ascii_graphic()));
        if !ok {
            return Err(ApiError::bad_request(format!("CORS origin {origin:?} must be * or scheme://host[:port]")));
        }
    }
    if s.env.len() > limits.max_env_vars {
        return Err(ApiError::bad_request(format!("at most {} environment variables", limits.max_env_vars)));
    }
    for (name, value) in &s.env {
        let ok = name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !ok || name.len() + value.len() > limits.max_env_var_bytes || value.contains('\0') {
            return Err(ApiError::bad_request(format!("environment variable {name:?} is invalid or too long")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn redeploy_inherits_auth() {
        let limits = FunctionLimits::default();
        let first = SettingsPatch::from_query(&q(&[("auth", "user"), ("roles", "admin,ops")]))
            .unwrap()
            .apply(FunctionSettings::defaults(&limits), &limits)
            .unwrap();
        let second = SettingsPatch::from_query(&q(&[("timeout_ms", "500")])).unwrap().apply(first, &limits).unwrap();
        assert_eq!(second.auth, AuthMode::User);
        assert_eq!(second.roles, ["admin", "ops"]);
        assert_eq!(second.timeout_ms, 500);
    }

    #[test]
    fn out_of_bounds_values_are_rejected() {
        let limits = FunctionLimits::default();
        for pairs in [
            vec![("timeout_ms", "0")],
            vec![("timeout_ms", "900001")],
            vec![("memory_mb", "129")],
            vec![("min_instances", "5"), ("max_instances", "2")],
            vec![("roles", "admin")],
            vec![("cors_origins", "example.com")],
            vec![("colour", "blue")],
            vec![("concurrency", "-1")],
        ] {
            let result = SettingsPatch::from_query(&q(&pairs))
                .and_then(|p| p.apply(FunctionSettings::defaults(&limits), &limits));
            assert!(result.is_err(), "{pairs:?}");
        }
    }

    #[test]
    fn manifest_parses_and_rejects_unknown_keys() {
        let patch = SettingsPatch::from_manifest("version = 1\nauth = \"user\"\n[env]\nGREETING = \"hi\"\n").unwrap();
        assert_eq!(patch.auth, Some(AuthMode::User));
        assert_eq!(patch.env.unwrap()["GREETING"], "hi");
        assert!(SettingsPatch::from_manifest("autth = \"user\"").is_err());
        assert!(SettingsPatch::from_manifest("version = 2").is_err());
    }
}
