//! Signed tokens (JWT, HS256 only). Developer tokens and app-user session tokens share
//! the key but never the audience, so one can never pass for the other.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// `iss` of every token.
pub const ISSUER: &str = "updraft";
/// `aud` of developer tokens.
pub const DEVELOPER_AUDIENCE: &str = "updraft:developer";

/// The claims of an Updraft token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Audience: [`DEVELOPER_AUDIENCE`] or `app:{name}`.
    pub aud: String,
    /// Subject: account id or app user id.
    pub sub: String,
    /// Issued at (Unix seconds).
    pub iat: u64,
    /// Not before (Unix seconds).
    pub nbf: u64,
    /// Expires (Unix seconds).
    pub exp: u64,
    /// Session id (server-side record), for app users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// The signing key of this platform.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(..)")
    }
}

impl TokenKeys {
    /// Keys from a secret of at least 32 bytes.
    pub fn from_secret(secret: &[u8]) -> TokenKeys {
        TokenKeys { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret) }
    }

    /// Signs `claims`.
    pub fn issue(&self, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
    }

    /// Verifies signature, algorithm, issuer, audience, `exp` and `nbf` (no leeway).
    pub fn verify(&self, token: &str, audience: &str) -> Option<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_nbf = true;
        validation.set_audience(&[audience]);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        decode::<Claims>(token, &self.decoding, &validation).ok().map(|data| data.claims)
    }
}

/// Unix seconds now.
pub fn unix_now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(aud: &str, nbf_offset: i64, exp_offset: i64) -> Claims {
        let now = unix_now() as i64;
        Claims {
            iss: ISSUER.into(),
            aud: aud.into(),
            sub: "1".into(),
            iat: now as u64,
            nbf: (now + nbf_offset) as u64,
            exp: (now + exp_offset) as u64,
            sid: None,
        }
    }

    #[test]
    fn accepts_only_well_formed_tokens_for_the_right_audience() {
        let keys = TokenKeys::from_secret(&[7; 32]);
        let good = keys.issue(&claims(DEVELOPER_AUDIENCE, 0, 60)).unwrap();
        assert!(keys.verify(&good, DEVELOPER_AUDIENCE).is_some());
        assert!(keys.verify(&good, "app:shop").is_none(), "wrong audience");
        let expired = keys.issue(&claims(DEVELOPER_AUDIENCE, -120, -60)).unwrap();
        assert!(keys.verify(&expired, DEVELOPER_AUDIENCE).is_none());
        let early = keys.issue(&claims(DEVELOPER_AUDIENCE, 60, 120)).unwrap();
        assert!(keys.verify(&early, DEVELOPER_AUDIENCE).is_none());
        let other = TokenKeys::from_secret(&[8; 32]).issue(&claims(DEVELOPER_AUDIENCE, 0, 60)).unwrap();
        assert!(keys.verify(&other, DEVELOPER_AUDIENCE).is_none(), "another key");
        assert!(keys.verify(&good[..good.len() - 3], DEVELOPER_AUDIENCE).is_none(), "truncated");
        assert!(keys.verify("garbage", DEVELOPER_AUDIENCE).is_none());
    }
}
