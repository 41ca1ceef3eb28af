//! App users (the end users of an app), their sessions and per-session data.

use rusqlite::{params, OptionalExtension, Row};

use crate::db::conflict;
use crate::{now_rfc3339, Db, StoreError};

/// An end user of an app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppUser {
    /// Stable random id.
    pub id: String,
    /// App.
    pub app: String,
    /// Name, unique within the app.
    pub username: String,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// Roles granted by the app's developer.
    pub roles: Vec<String>,
    /// RFC 3339.
    pub created_at: String,
}

/// A signed-in session of an app user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRow {
    /// Random id (the token's `sid`).
    pub id: String,
    /// App.
    pub app: String,
    /// The user.
    pub user_id: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
}

fn app_user(row: &Row<'_>) -> rusqlite::Result<AppUser> {
    let roles: String = row.get(4)?;
    Ok(AppUser {
        id: row.get(0)?,
        app: row.get(1)?,
        username: row.get(2)?,
        password_hash: row.get(3)?,
        roles: serde_json::from_str(&roles).unwrap_or_default(),
        created_at: row.get(5)?,
    })
}

const USER_COLUMNS: &str = "id, app, username, password_hash, roles, created_at";

impl Db {
    /// Signs up a user of `app` (which must exist).
    pub fn create_app_user(&self, id: &str, app: &str, username: &str, password_hash: &str) -> Result<AppUser, StoreError> {
        let conn = self.conn();
        let exists: bool = conn.query_row("SELECT EXISTS(SELECT 1 FROM apps WHERE name = ?1)", [app], |r| r.get(0))?;
        if !exists {
            return Err(StoreError::NotFound(format!("app {app:?}")));
        }
        let created_at = now_rfc3339();
        conn.execute(
            "INSERT INTO app_users (id, app, username, password_hash, roles, created_at) VALUES (?1, ?2, ?3, ?4, '[]', ?5)",
            params![id, app, username, password_hash, created_at],
        )
        .map_err(|e| conflict(e, format!("user {username:?}")))?;
        Ok(AppUser {
            id: id.into(),
            app: app.into(),
            username: username.into(),
            password_hash: password_hash.into(),
            roles: Vec::new(),
            created_at,
        })
    }

    /// A user of `app` by name.
    pub fn app_user(&self, app: &str, username: &str) -> Result<Option<AppUser>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM app_users WHERE app = ?1 AND username = ?2");
        Ok(self.conn().query_row(&sql, [app, username], app_user).optional()?)
    }

    /// The users of an app, by name.
    pub fn app_users(&self, app: &str) -> Result<Vec<AppUser>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT {USER_COLUMNS} FROM app_users WHERE app = ?1 ORDER BY username"))?;
        let rows = stmt.query_map([app], app_user)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Replaces a user's roles.
    pub fn set_app_user_roles(&self, app: &str, username: &str, roles: &[String]) -> Result<AppUser, StoreError> {
        let json = serde_json::to_string(roles).unwrap_or_else(|_| "[]".into());
        let changed = self.conn().execute(
            "UPDATE app_users SET roles = ?3 WHERE app = ?1 AND username = ?2",
            params![app, username, json],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("user {username:?}")));
        }
        self.app_user(app, username)?.ok_or_else(|| StoreError::NotFound(format!("user {username:?}")))
    }

    /// Deletes a user with their sessions; returns the ids of the sessions removed.
    pub fn delete_app_user(&self, app: &str, username: &str) -> Result<Vec<String>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let user_id: Option<String> = tx
            .query_row("SELECT id FROM app_users WHERE app = ?1 AND username = ?2", [app, username], |r| r.get(0))
            .optional()?;
        let Some(user_id) = user_id else {
            return Err(StoreError::NotFound(format!("user {username:?}")));
        };
        let sessions: Vec<String> = {
            let mut stmt = tx.prepare("SELECT id FROM sessions WHERE user_id = ?1")?;
            stmt.query_map([&user_id], |r| r.get(0))?.collect::<Result<_, _>>()?
        };
        tx.execute("DELETE FROM session_data WHERE session_id IN (SELECT id FROM sessions WHERE user_id = ?1)", [&user_id])?;
        tx.execute("DELETE FROM sessions WHERE user_id = ?1", [&user_id])?;
        tx.execute("DELETE FROM app_users WHERE id = ?1", [&user_id])?;
        tx.commit()?;
        Ok(sessions)
    }

    /// Records a new session.
    pub fn create_session(&self, session: &SessionRow) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO sessions (id, app, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![session.id, session.app, session.user_id, session.created_at, session.expires_at],
        )?;
        Ok(())
    }

    /// Ends a session (logout); false if it did not exist.
    pub fn delete_session(&self, id: &str) -> Result<bool, StoreError> {
        let conn = self.conn();
        conn.execute("DELETE FROM session_data WHERE session_id = ?1", [id])?;
        Ok(conn.execute("DELETE FROM sessions WHERE id = ?1", [id])? > 0)
    }

    /// Sessions not expired at `now` (Unix seconds), with their users.
    pub fn live_sessions(&self, now: i64) -> Result<Vec<(SessionRow, AppUser)>, StoreError> {
        let conn = self.conn();
        let sql = format!(
            "SELECT s.id, s.app, s.user_id, s.created_at, s.expires_at, {} FROM sessions s
             JOIN app_users u ON u.id = s.user_id WHERE s.expires_at > ?1",
            USER_COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ")
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt
            .query_map([now], |row| {
                let session = SessionRow {
                    id: row.get(0)?,
                    app: row.get(1)?,
                    user_id: row.get(2)?,
                    created_at: row.get(3)?,
                    expires_at: row.get(4)?,
                };
                let roles: String = row.get(9)?;
                let user = AppUser {
                    id: row.get(5)?,
                    app: row.get(6)?,
                    username: row.get(7)?,
                    password_hash: row.get(8)?,
                    roles: serde_json::from_str(&roles).unwrap_or_default(),
                    created_at: row.get(10)?,
                };
                Ok((session, user))
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Deletes sessions expired at `now` and their data.
    pub fn prune_sessions(&self, now: i64) -> Result<usize, StoreError> {
        let conn = self.conn();
        conn.execute("DELETE FROM session_data WHERE session_id IN (SELECT id FROM sessions WHERE expires_at <= ?1)", [now])?;
        Ok(conn.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])?)
    }

    /// A value of a session's data.
    pub fn session_get(&self, session: &str, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let conn = self.conn();
        let sql = "SELECT value FROM session_data WHERE session_id = ?1 AND key = ?2";
        Ok(conn.query_row(sql, [session, key], |r| r.get(0)).optional()?)
    }

    /// Sets a value of a session's data, keeping the session's total under `max_total`
    /// bytes (keys and values).
    pub fn session_set(&self, session: &str, key: &str, value: &[u8], max_total: usize) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let exists: bool = tx.query_row("SELECT EXISTS(SELECT 1 FROM sessions WHERE id = ?1)", [session], |r| r.get(0))?;
        if !exists {
            return Err(StoreError::NotFound("session".into()));
        }
        let others: i64 = tx.query_row(
            "SELECT COALESCE(SUM(length(key) + length(value)), 0) FROM session_data WHERE session_id = ?1 AND key <> ?2",
            [session, key],
            |r| r.get(0),
        )?;
        if others as usize + key.len() + value.len() > max_total {
            return Err(StoreError::Limit(format!("session data would exceed {max_total} bytes")));
        }
        tx.execute(
            "INSERT INTO session_data (session_id, key, value) VALUES (?1, ?2, ?3)
             ON CONFLICT (session_id, key) DO UPDATE SET value = excluded.value",
            params![session, key, value],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Removes a value of a session's data.
    pub fn session_delete(&self, session: &str, key: &str) -> Result<(), StoreError> {
        self.conn().execute("DELETE FROM session_data WHERE session_id = ?1 AND key = ?2", [session, key])?;
        Ok(())
    }
}
