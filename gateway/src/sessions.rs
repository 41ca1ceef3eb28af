//! App-user sessions: every session is a server-side record, mirrored in memory so that
//! checking a caller costs no database read, and ending one takes effect at once.

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::HeaderMap;
use parking_lot::RwLock;
use updraft_abi::User;
use updraft_store::{AppUser, SessionRow};

use crate::auth::{bearer, unix_now, Claims};
use crate::{ApiError, AuthMode, Gateway, LiveFunction};

/// The audience of an app's session tokens.
pub fn app_audience(app: &str) -> String {
    format!("app:{app}")
}

/// A live session as the invocation path checks it.
#[derive(Clone, Debug)]
pub(crate) struct CachedSession {
    pub(crate) app: String,
    pub(crate) user_id: String,
    pub(crate) roles: Vec<String>,
    pub(crate) expires_at: i64,
}

/// Live sessions by id.
#[derive(Default)]
pub(crate) struct SessionCache {
    sessions: RwLock<HashMap<String, Arc<CachedSession>>>,
}

impl SessionCache {
    pub(crate) fn load(rows: Vec<(SessionRow, AppUser)>) -> SessionCache {
        let cache = SessionCache::default();
        for (session, user) in rows {
            cache.insert(&session, &user);
        }
        cache
    }

    pub(crate) fn insert(&self, session: &SessionRow, user: &AppUser) {
        let cached = CachedSession {
            app: session.app.clone(),
            user_id: user.id.clone(),
            roles: user.roles.clone(),
            expires_at: session.expires_at,
        };
        self.sessions.write().insert(session.id.clone(), Arc::new(cached));
    }

    pub(crate) fn get(&self, id: &str) -> Option<Arc<CachedSession>> {
        self.sessions.read().get(id).cloned()
    }

    pub(crate) fn remove(&self, id: &str) {
        self.sessions.write().remove(id);
    }

    /// Applies new roles to every session of a user.
    pub(crate) fn set_roles(&self, user_id: &str, roles: &[String]) {
        let mut sessions = self.sessions.write();
        for session in sessions.values_mut() {
            if session.user_id == user_id {
                let mut updated = CachedSession::clone(session);
                updated.roles = roles.to_vec();
                *session = Arc::new(updated);
            }
        }
    }

    pub(crate) fn remove_app(&self, app: &str) {
        self.sessions.write().retain(|_, s| s.app != app);
    }

    pub(crate) fn prune(&self, now: i64) {
        self.sessions.write().retain(|_, s| s.expires_at > now);
    }
}

/// An authenticated app user and the session they called with.
#[derive(Clone, Debug)]
pub(crate) struct AuthedUser {
    pub(crate) user: User,
    pub(crate) session_id: String,
}

impl Gateway {
    /// The live session behind an app-user token of `app`, checked against the signature,
    /// expiry and the in-memory session record.
    pub(crate) fn app_session(&self, app: &str, headers: &HeaderMap) -> Result<(Claims, Arc<CachedSession>), ApiError> {
        let token = bearer(headers).ok_or_else(|| ApiError::unauthenticated("sign in to call this function"))?;
        let claims = self
            .keys()
            .verify(token, &app_audience(app))
            .ok_or_else(|| ApiError::unauthenticated("invalid or expired token"))?;
        let session = claims
            .sid
            .as_deref()
            .and_then(|sid| self.sessions().get(sid))
            .filter(|s| s.app == app && s.user_id == claims.sub && s.expires_at > unix_now() as i64)
            .ok_or_else(|| ApiError::unauthenticated("the session has ended; sign in again"))?;
        Ok((claims, session))
    }

    /// Decides, before any instance exists, whether the caller may invoke `live`.
    pub(crate) fn authorize(&self, live: &LiveFunction, headers: &HeaderMap) -> Result<Option<AuthedUser>, ApiError> {
        if live.settings.auth == AuthMode::Public {
            return Ok(None);
        }
        let (claims, session) = self.app_session(&live.key.app, headers)?;
        let roles = &live.settings.roles;
        if !roles.is_empty() && !session.roles.iter().any(|r| roles.contains(r)) {
            return Err(ApiError::forbidden(format!("this function needs one of the roles {}", roles.join(", "))));
        }
        let user = User { id: session.user_id.clone(), app: session.app.clone(), roles: session.roles.clone() };
        Ok(Some(AuthedUser { user, session_id: claims.sid.unwrap_or_default() }))
    }
}

/// How often expired sessions are swept from memory and the store.
const SESSION_SWEEP: std::time::Duration = std::time::Duration::from_secs(600);

impl Gateway {
    /// Sweeps expired sessions periodically (in a spawned task).
    pub fn start_session_sweeper(&self) {
        let gateway = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(SESSION_SWEEP);
            loop {
                every.tick().await;
                let now = unix_now() as i64;
                gateway.sessions().prune(now);
                let db = gateway.db().clone();
                if let Ok(Err(error)) = tokio::task::spawn_blocking(move || db.prune_sessions(now)).await {
                    tracing::warn!(%error, "pruning sessions failed");
                }
            }
        });
    }
}
