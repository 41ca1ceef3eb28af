//! Async invocations: their status and result, and dead letters kept for replay.

use rusqlite::{params, OptionalExtension, Row};

use crate::{Db, StoreError};

/// Where an async invocation stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvocationRow {
    /// Invocation id.
    pub id: String,
    /// App.
    pub app: String,
    /// Function.
    pub function: String,
    /// `queued`, `running`, `succeeded`, `failed`, `dead_lettered`.
    pub status: String,
    /// Attempts made (the current one included).
    pub attempts: u32,
    /// The response (MessagePack), once succeeded.
    pub response: Option<Vec<u8>>,
    /// Why the last attempt failed.
    pub error: Option<String>,
    /// Unix ms.
    pub created_ms: i64,
    /// Unix ms.
    pub updated_ms: i64,
}

/// An invocation that used up its attempts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadLetterRow {
    /// Invocation id.
    pub id: String,
    /// App.
    pub app: String,
    /// Function.
    pub function: String,
    /// The invocation message (MessagePack), to replay.
    pub invocation: Vec<u8>,
    /// Attempts made.
    pub attempts: u32,
    /// Why the last attempt failed.
    pub error: Option<String>,
    /// Unix ms.
    pub created_ms: i64,
}

fn invocation(row: &Row<'_>) -> rusqlite::Result<InvocationRow> {
    Ok(InvocationRow {
        id: row.get(0)?,
        app: row.get(1)?,
        function: row.get(2)?,
        status: row.get(3)?,
        attempts: row.get(4)?,
        response: row.get(5)?,
        error: row.get(6)?,
        created_ms: row.get(7)?,
        updated_ms: row.get(8)?,
    })
}

fn dead_letter(row: &Row<'_>) -> rusqlite::Result<DeadLetterRow> {
    Ok(DeadLetterRow {
        id: row.get(0)?,
        app: row.get(1)?,
        function: row.get(2)?,
        invocation: row.get(3)?,
        attempts: row.get(4)?,
        error: row.get(5)?,
        created_ms: row.get(6)?,
    })
}

impl Db {
    /// Records a newly queued invocation (or re-queues a replayed one).
    pub fn invocation_queued(&self, id: &str, app: &str, function: &str, now_ms: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO invocations (id, app, function, status, rank, attempts, created_ms, updated_ms)
             VALUES (?1, ?2, ?3, 'queued', 0, 1, ?4, ?4)
             ON CONFLICT (id) DO UPDATE SET status = 'queued', rank = 0, attempts = 1, response = NULL, error = NULL,
                updated_ms = excluded.updated_ms",
            params![id, app, function, now_ms],
        )?;
        Ok(())
    }

    /// Removes a record whose enqueue failed.
    pub fn forget_invocation(&self, id: &str) -> Result<(), StoreError> {
        self.conn().execute("DELETE FROM invocations WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Applies a worker's report, unless a later one (higher attempt, or same attempt and
    /// higher rank) was applied already — reports may arrive out of order.
    #[allow(clippy::too_many_arguments)]
    pub fn invocation_progress(
        &self,
        id: &str,
        status: &str,
        rank: u32,
        attempt: u32,
        response: Option<&[u8]>,
        error: Option<&str>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE invocations SET status = ?2, rank = ?3, attempts = ?4, response = ?5, error = ?6, updated_ms = ?7
             WHERE id = ?1 AND (attempts < ?4 OR (attempts = ?4 AND rank <= ?3))",
            params![id, status, rank, attempt, response, error, now_ms],
        )?;
        Ok(())
    }

    /// An invocation's record.
    pub fn invocation(&self, id: &str) -> Result<Option<InvocationRow>, StoreError> {
        let conn = self.conn();
        let sql = "SELECT id, app, function, status, attempts, response, error, created_ms, updated_ms FROM invocations WHERE id = ?1";
        Ok(conn.query_row(sql, [id], invocation).optional()?)
    }

    /// Keeps a dead letter (idempotent: a redelivered report changes nothing).
    pub fn add_dead_letter(&self, row: &DeadLetterRow) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT OR IGNORE INTO dead_letters (id, app, function, invocation, attempts, error, created_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![row.id, row.app, row.function, row.invocation, row.attempts, row.error, row.created_ms],
        )?;
        Ok(())
    }

    /// A function's dead letters, oldest first.
    pub fn dead_letters(&self, app: &str, function: &str, limit: u32) -> Result<Vec<DeadLetterRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, app, function, invocation, attempts, error, created_ms FROM dead_letters
             WHERE app = ?1 AND function = ?2 ORDER BY created_ms LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![app, function, limit], dead_letter)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Takes a dead letter out (for replay); `None` if it is not there.
    pub fn take_dead_letter(&self, app: &str, function: &str, id: &str) -> Result<Option<DeadLetterRow>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let row = tx
            .query_row(
                "SELECT id, app, function, invocation, attempts, error, created_ms FROM dead_letters
                 WHERE app = ?1 AND function = ?2 AND id = ?3",
                [app, function, id],
                dead_letter,
            )
            .optional()?;
        if row.is_some() {
            tx.execute("DELETE FROM dead_letters WHERE id = ?1", [id])?;
        }
        tx.commit()?;
        Ok(row)
    }

    /// Dead letters per function.
    pub fn dead_letter_counts(&self) -> Result<Vec<(String, String, u64)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT app, function, COUNT(*) FROM dead_letters GROUP BY app, function")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?;
        Ok(rows)
    }
}
