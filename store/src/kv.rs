//! The key-value space of each app.

use rusqlite::{params, OptionalExtension};

use crate::{Db, StoreError};

impl Db {
    /// The value of `key` in `app`'s space.
    pub fn kv_get(&self, app: &str, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let conn = self.conn();
        Ok(conn.query_row("SELECT value FROM kv WHERE app = ?1 AND key = ?2", [app, key], |r| r.get(0)).optional()?)
    }

    /// Sets `key` in `app`'s space.
    pub fn kv_set(&self, app: &str, key: &str, value: &[u8], now_ms: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO kv (app, key, value, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (app, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            params![app, key, value, now_ms],
        )?;
        Ok(())
    }

    /// Removes `key` from `app`'s space.
    pub fn kv_delete(&self, app: &str, key: &str) -> Result<(), StoreError> {
        self.conn().execute("DELETE FROM kv WHERE app = ?1 AND key = ?2", [app, key])?;
        Ok(())
    }

    /// Keys of `app`'s space starting with `prefix`, in order, at most `limit`.
    pub fn kv_list(&self, app: &str, prefix: &str, limit: u32) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT key FROM kv WHERE app = ?1 AND substr(key, 1, length(?2)) = ?2 ORDER BY key LIMIT ?3",
        )?;
        let keys = stmt.query_map(params![app, prefix, limit], |r| r.get(0))?.collect::<Result<_, _>>()?;
        Ok(keys)
    }
}
