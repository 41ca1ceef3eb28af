//! Apps: named sets of functions owned by one developer.

use rusqlite::{params, OptionalExtension, Row};

use crate::db::conflict;
use crate::{now_rfc3339, Db, StoreError};

/// An app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct App {
    /// Globally unique name.
    pub name: String,
    /// Owning account.
    pub owner_id: i64,
    /// RFC 3339.
    pub created_at: String,
}

fn app(row: &Row<'_>) -> rusqlite::Result<App> {
    Ok(App { name: row.get(0)?, owner_id: row.get(1)?, created_at: row.get(2)? })
}

impl Db {
    /// Creates an app owned by `owner_id`.
    pub fn create_app(&self, name: &str, owner_id: i64) -> Result<App, StoreError> {
        let created_at = now_rfc3339();
        self.conn()
            .execute("INSERT INTO apps (name, owner_id, created_at) VALUES (?1, ?2, ?3)", params![name, owner_id, created_at])
            .map_err(|e| conflict(e, format!("app {name:?}")))?;
        Ok(App { name: name.to_owned(), owner_id, created_at })
    }

    /// The app with this name.
    pub fn app(&self, name: &str) -> Result<Option<App>, StoreError> {
        let conn = self.conn();
        Ok(conn.query_row("SELECT name, owner_id, created_at FROM apps WHERE name = ?1", [name], app).optional()?)
    }

    /// The apps of one developer, by name.
    pub fn apps_of(&self, owner_id: i64) -> Result<Vec<App>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT name, owner_id, created_at FROM apps WHERE owner_id = ?1 ORDER BY name")?;
        let rows = stmt.query_map([owner_id], app)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Deletes an app with everything of it — functions, revisions, users, sessions, kv,
    /// logs, mail — in one transaction.
    pub fn delete_app(&self, name: &str) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for table in ["logs", "kv", "mail_outbox", "invocations", "dead_letters"] {
            tx.execute(&format!("DELETE FROM {table} WHERE app = ?1"), [name])?;
        }
        tx.execute("DELETE FROM session_data WHERE session_id IN (SELECT id FROM sessions WHERE app = ?1)", [name])?;
        tx.execute("DELETE FROM sessions WHERE app = ?1", [name])?;
        tx.execute("DELETE FROM app_users WHERE app = ?1", [name])?;
        tx.execute("DELETE FROM revisions WHERE app = ?1", [name])?;
        tx.execute("DELETE FROM functions WHERE app = ?1", [name])?;
        let removed = tx.execute("DELETE FROM apps WHERE name = ?1", [name])?;
        if removed == 0 {
            return Err(StoreError::NotFound(format!("app {name:?}")));
        }
        tx.commit()?;
        Ok(())
    }
}
