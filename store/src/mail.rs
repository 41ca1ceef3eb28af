//! The mail outbox: queued messages, their delivery attempts, sent and dead ones.

use rusqlite::{params, Row};

use crate::{Db, StoreError};

/// Where a message stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailStatus {
    /// Waiting for (another) delivery attempt.
    Queued,
    /// Accepted by the relay.
    Sent,
    /// Given up on.
    Dead,
}

impl MailStatus {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Queued => "queued",
            MailStatus::Sent => "sent",
            MailStatus::Dead => "dead",
        }
    }

    /// Parses the stored form.
    pub fn parse(text: &str) -> Option<MailStatus> {
        match text {
            "queued" => Some(MailStatus::Queued),
            "sent" => Some(MailStatus::Sent),
            "dead" => Some(MailStatus::Dead),
            _ => None,
        }
    }
}

/// One message of the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxRow {
    /// Id returned to the sender.
    pub id: String,
    /// App that sent it.
    pub app: String,
    /// Function that sent it.
    pub function: String,
    /// The message as the mailer stores it (opaque here).
    pub message: Vec<u8>,
    /// Where it stands.
    pub status: MailStatus,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// When the next attempt is due (Unix ms).
    pub next_attempt_ms: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// Queued at (Unix ms).
    pub created_ms: i64,
    /// Sent at (Unix ms).
    pub sent_ms: Option<i64>,
}

fn outbox_row(row: &Row<'_>) -> rusqlite::Result<OutboxRow> {
    let status: String = row.get(4)?;
    Ok(OutboxRow {
        id: row.get(0)?,
        app: row.get(1)?,
        function: row.get(2)?,
        message: row.get(3)?,
        status: MailStatus::parse(&status).unwrap_or(MailStatus::Dead),
        attempts: row.get(5)?,
        next_attempt_ms: row.get(6)?,
        last_error: row.get(7)?,
        created_ms: row.get(8)?,
        sent_ms: row.get(9)?,
    })
}

const COLUMNS: &str = "id, app, function, message, status, attempts, next_attempt_ms, last_error, created_ms, sent_ms";

impl Db {
    /// Puts a message in the outbox, due now.
    /// (An id already in the outbox is left as it is: a redelivered message is stored once.)
    pub fn enqueue_mail(&self, id: &str, app: &str, function: &str, message: &[u8], now_ms: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT OR IGNORE INTO mail_outbox (id, app, function, message, status, attempts, next_attempt_ms, created_ms)
             VALUES (?1, ?2, ?3, ?4, 'queued', 0, ?5, ?5)",
            params![id, app, function, message, now_ms],
        )?;
        Ok(())
    }

    /// Queued messages due at `now_ms`, oldest first.
    pub fn due_mail(&self, now_ms: i64, limit: u32) -> Result<Vec<OutboxRow>, StoreError> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {COLUMNS} FROM mail_outbox WHERE status = 'queued' AND next_attempt_ms <= ?1 ORDER BY next_attempt_ms LIMIT ?2"
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params![now_ms, limit], outbox_row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// When the earliest queued message is due, if any.
    pub fn next_mail_due(&self) -> Result<Option<i64>, StoreError> {
        let conn = self.conn();
        Ok(conn.query_row("SELECT MIN(next_attempt_ms) FROM mail_outbox WHERE status = 'queued'", [], |r| r.get(0))?)
    }

    /// Records a delivery.
    pub fn mail_sent(&self, id: &str, attempts: u32, now_ms: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE mail_outbox SET status = 'sent', attempts = ?2, sent_ms = ?3, last_error = NULL WHERE id = ?1",
            params![id, attempts, now_ms],
        )?;
        Ok(())
    }

    /// Records a failed attempt: retry at `next_attempt_ms`, or dead when `None`.
    pub fn mail_failed(&self, id: &str, attempts: u32, next_attempt_ms: Option<i64>, error: &str) -> Result<(), StoreError> {
        let (status, next) = match next_attempt_ms {
            Some(at) => ("queued", at),
            None => ("dead", 0),
        };
        self.conn().execute(
            "UPDATE mail_outbox SET status = ?2, attempts = ?3, next_attempt_ms = ?4, last_error = ?5 WHERE id = ?1",
            params![id, status, attempts, next, error],
        )?;
        Ok(())
    }

    /// An app's messages, newest first, optionally of one status.
    pub fn app_mail(&self, app: &str, status: Option<MailStatus>, limit: u32) -> Result<Vec<OutboxRow>, StoreError> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {COLUMNS} FROM mail_outbox WHERE app = ?1 AND (?2 IS NULL OR status = ?2) ORDER BY created_ms DESC LIMIT ?3"
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params![app, status.map(MailStatus::as_str), limit], outbox_row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Messages per status.
    pub fn mail_counts(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT status, COUNT(*) FROM mail_outbox GROUP BY status")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Queued messages waiting now.
    pub fn queued_mail_count(&self) -> Result<u64, StoreError> {
        Ok(self.conn().query_row("SELECT COUNT(*) FROM mail_outbox WHERE status = 'queued'", [], |r| r.get(0))?)
    }
}
