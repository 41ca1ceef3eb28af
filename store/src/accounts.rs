//! Developer accounts.

use rusqlite::{params, OptionalExtension, Row};

use crate::db::conflict;
use crate::{now_rfc3339, Db, StoreError};

/// A developer account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// Row id.
    pub id: i64,
    /// Unique user name.
    pub username: String,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// The first account ever created is the admin.
    pub is_admin: bool,
    /// RFC 3339.
    pub created_at: String,
}

fn account(row: &Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        id: row.get(0)?,
        username: row.get(1)?,
        password_hash: row.get(2)?,
        is_admin: row.get(3)?,
        created_at: row.get(4)?,
    })
}

const COLUMNS: &str = "id, username, password_hash, is_admin, created_at";

impl Db {
    /// Creates an account; the first one ever is the admin.
    pub fn create_account(&self, username: &str, password_hash: &str) -> Result<Account, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let count: i64 = tx.query_row("SELECT COUNT(*) FROM accounts", [], |r| r.get(0))?;
        let ever: i64 = tx.query_row("SELECT COALESCE(MAX(id), 0) FROM accounts", [], |r| r.get(0))?;
        let is_admin = count == 0 && ever == 0;
        tx.execute(
            "INSERT INTO accounts (username, password_hash, is_admin, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![username, password_hash, is_admin, now_rfc3339()],
        )
        .map_err(|e| conflict(e, format!("account {username:?}")))?;
        let id = tx.last_insert_rowid();
        let created = tx.query_row(&format!("SELECT {COLUMNS} FROM accounts WHERE id = ?1"), [id], account)?;
        tx.commit()?;
        Ok(created)
    }

    /// The account with this user name.
    pub fn account_by_username(&self, username: &str) -> Result<Option<Account>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM accounts WHERE username = ?1");
        Ok(self.conn().query_row(&sql, [username], account).optional()?)
    }

    /// The account with this id.
    pub fn account(&self, id: i64) -> Result<Option<Account>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM accounts WHERE id = ?1");
        Ok(self.conn().query_row(&sql, [id], account).optional()?)
    }

    /// All accounts, oldest first.
    pub fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM accounts ORDER BY id"))?;
        let rows = stmt.query_map([], account)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Deletes an account and (by cascade) its apps. Returns the names of the apps.
    pub fn delete_account(&self, id: i64) -> Result<Vec<String>, StoreError> {
        let apps: Vec<String> = self.apps_of(id)?.into_iter().map(|a| a.name).collect();
        for app in &apps {
            self.delete_app(app)?;
        }
        let removed = self.conn().execute("DELETE FROM accounts WHERE id = ?1", [id])?;
        if removed == 0 {
            return Err(StoreError::NotFound(format!("account {id}")));
        }
        Ok(apps)
    }
}
