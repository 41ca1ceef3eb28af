//! Functions and their immutable revisions.

use rusqlite::{params, OptionalExtension, Row};

use crate::{now_rfc3339, Db, StoreError};

/// A function of an app and its current revision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionRow {
    /// App name.
    pub app: String,
    /// Function name.
    pub name: String,
    /// The revision that serves calls.
    pub current_revision: u32,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339, last deploy or rollback.
    pub updated_at: String,
}

/// One immutable revision: a module and the settings it was deployed with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevisionRow {
    /// App name.
    pub app: String,
    /// Function name.
    pub function: String,
    /// 1, 2, ...
    pub revision: u32,
    /// sha256 of the module (hex).
    pub sha256: String,
    /// Module size in bytes.
    pub size: u64,
    /// Settings as JSON (owned by the gateway).
    pub settings: String,
    /// RFC 3339.
    pub created_at: String,
}

fn function(row: &Row<'_>) -> rusqlite::Result<FunctionRow> {
    Ok(FunctionRow {
        app: row.get(0)?,
        name: row.get(1)?,
        current_revision: row.get(2)?,
        created_at: row.get(3)?,
        updated_at: row.get(4)?,
    })
}

fn revision(row: &Row<'_>) -> rusqlite::Result<RevisionRow> {
    Ok(RevisionRow {
        app: row.get(0)?,
        function: row.get(1)?,
        revision: row.get(2)?,
        sha256: row.get(3)?,
        size: row.get(4)?,
        settings: row.get(5)?,
        created_at: row.get(6)?,
    })
}

const FUNCTION_COLUMNS: &str = "app, name, current_revision, created_at, updated_at";
const REVISION_COLUMNS: &str = "app, function, revision, sha256, size, settings, created_at";

impl Db {
    /// Adds the next revision of `app`/`function` and makes it current, creating the
    /// function if needed — all in one transaction, so concurrent deploys each get their
    /// own revision number and no reader ever sees half of one.
    pub fn add_revision(
        &self,
        app: &str,
        function: &str,
        sha256: &str,
        size: u64,
        settings: &str,
    ) -> Result<RevisionRow, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let exists: bool = tx.query_row("SELECT EXISTS(SELECT 1 FROM apps WHERE name = ?1)", [app], |r| r.get(0))?;
        if !exists {
            return Err(StoreError::NotFound(format!("app {app:?}")));
        }
        let next: u32 = tx.query_row(
            "SELECT COALESCE(MAX(revision), 0) + 1 FROM revisions WHERE app = ?1 AND function = ?2",
            [app, function],
            |r| r.get(0),
        )?;
        let now = now_rfc3339();
        tx.execute(
            "INSERT INTO functions (app, name, current_revision, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)
             ON CONFLICT (app, name) DO UPDATE SET current_revision = excluded.current_revision, updated_at = excluded.updated_at",
            params![app, function, next, now],
        )?;
        tx.execute(
            "INSERT INTO revisions (app, function, revision, sha256, size, settings, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![app, function, next, sha256, size, settings, now],
        )?;
        tx.commit()?;
        Ok(RevisionRow {
            app: app.into(),
            function: function.into(),
            revision: next,
            sha256: sha256.into(),
            size,
            settings: settings.into(),
            created_at: now,
        })
    }

    /// A function and its current revision.
    pub fn function(&self, app: &str, name: &str) -> Result<Option<FunctionRow>, StoreError> {
        let sql = format!("SELECT {FUNCTION_COLUMNS} FROM functions WHERE app = ?1 AND name = ?2");
        Ok(self.conn().query_row(&sql, [app, name], function).optional()?)
    }

    /// The functions of an app, by name.
    pub fn functions(&self, app: &str) -> Result<Vec<FunctionRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT {FUNCTION_COLUMNS} FROM functions WHERE app = ?1 ORDER BY name"))?;
        let rows = stmt.query_map([app], function)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// One revision.
    pub fn revision(&self, app: &str, function: &str, revision: u32) -> Result<Option<RevisionRow>, StoreError> {
        let sql = format!("SELECT {REVISION_COLUMNS} FROM revisions WHERE app = ?1 AND function = ?2 AND revision = ?3");
        Ok(self.conn().query_row(&sql, params![app, function, revision], self::revision).optional()?)
    }

    /// All revisions of a function, newest first.
    pub fn revisions(&self, app: &str, function: &str) -> Result<Vec<RevisionRow>, StoreError> {
        let conn = self.conn();
        let sql = format!("SELECT {REVISION_COLUMNS} FROM revisions WHERE app = ?1 AND function = ?2 ORDER BY revision DESC");
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map([app, function], revision)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Every function's current revision (to rebuild the routing table on start).
    pub fn current_revisions(&self) -> Result<Vec<RevisionRow>, StoreError> {
        let conn = self.conn();
        let sql = "SELECT r.app, r.function, r.revision, r.sha256, r.size, r.settings, r.created_at
                   FROM functions f JOIN revisions r
                   ON r.app = f.app AND r.function = f.name AND r.revision = f.current_revision";
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt.query_map([], revision)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Deletes a function, its revisions, logs, async results and dead letters.
    pub fn delete_function(&self, app: &str, name: &str) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for table in ["logs", "invocations", "dead_letters"] {
            tx.execute(&format!("DELETE FROM {table} WHERE app = ?1 AND function = ?2"), [app, name])?;
        }
        tx.execute("DELETE FROM revisions WHERE app = ?1 AND function = ?2", [app, name])?;
        let removed = tx.execute("DELETE FROM functions WHERE app = ?1 AND name = ?2", [app, name])?;
        if removed == 0 {
            return Err(StoreError::NotFound(format!("function {app}/{name}")));
        }
        tx.commit()?;
        Ok(())
    }

    /// Whether any revision anywhere still uses module `sha256`.
    pub fn module_in_use(&self, sha256: &str) -> Result<bool, StoreError> {
        let conn = self.conn();
        Ok(conn.query_row("SELECT EXISTS(SELECT 1 FROM revisions WHERE sha256 = ?1)", [sha256], |r| r.get(0))?)
    }
}
