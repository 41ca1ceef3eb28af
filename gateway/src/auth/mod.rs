//! Authentication: password hashes, signed tokens, and the extractor for developers.

mod developer;
mod limiter;
mod passwords;
mod tokens;

pub use developer::Developer;
pub use limiter::LoginLimiter;
pub use passwords::{check_password_strength, hash_password, verify_password};
pub use tokens::{unix_now, Claims, TokenKeys, DEVELOPER_AUDIENCE, ISSUER};

/// The bearer token of an `Authorization` header, if it has one.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

/// The client's IP address, when the server knows it (real sockets do; `oneshot` tests don't).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let info = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>();
        Ok(ClientAddr(info.map(|axum::extract::ConnectInfo(addr)| addr.ip())))
    }
}

impl ClientAddr {
    /// Rate-limit keys of a login attempt: the name within its realm, and the address.
    pub fn login_keys(self, realm: &str, username: &str) -> Vec<String> {
        let mut keys = vec![format!("{realm}:user:{username}")];
        if let Some(ip) = self.0 {
            keys.push(format!("ip:{ip}"));
        }
        keys
    }
}
