//! The durable outbox: `mail.send` writes here and returns; delivery reads from here.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use updraft_abi::{ErrorCode, MailMessage, ServiceError};
use updraft_store::Db;

use super::RateLimiter;
use crate::services::MailOutbox;
use crate::services::sqlite::{blocking as run_blocking, now_ms as unix_millis_now};

/// The outbox in the store, with the per-function rate limit.
pub struct SqliteOutbox {
    db: Db,
    limiter: RateLimiter,
    wake: Arc<Notify>,
}

impl SqliteOutbox {
    /// An outbox in `db` allowing `per_minute` mails per function; `wake` is notified
    /// on every new message (the delivery loop waits on it).
    pub fn new(db: Db, per_minute: u32, wake: Arc<Notify>) -> SqliteOutbox {
        SqliteOutbox { db, limiter: RateLimiter::new(per_minute, Duration::from_secs(60)), wake }
    }
}

impl SqliteOutbox {
    /// Stores a message accepted elsewhere (a cluster worker) under its `id`; storing the
    /// same id again changes nothing.
    pub async fn accept(&self, id: &str, app: &str, function: &str, message: &MailMessage) -> Result<(), ServiceError> {
        let bytes = updraft_abi::encode(message).map_err(|e| ServiceError::new(ErrorCode::Internal, e.to_string()))?;
        let (id, app, function) = (id.to_owned(), app.to_owned(), function.to_owned());
        run_blocking(&self.db, move |db| db.enqueue_mail(&id, &app, &function, &bytes, unix_millis_now())).await?;
        self.wake.notify_one();
        Ok(())
    }
}

/// A fresh mail id: 128 random bits as 32 hex digits.
pub fn new_mail_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// The error of a function over its mail rate.
pub fn mail_rate_limited() -> ServiceError {
    ServiceError::new(ErrorCode::RateLimited, "too many mails from this function; retry in a minute")
}

#[async_trait::async_trait]
impl MailOutbox for SqliteOutbox {
    async fn enqueue(&self, app: &str, function: &str, message: MailMessage) -> Result<String, ServiceError> {
        if !self.limiter.allow(&format!("{app}/{function}")) {
            return Err(mail_rate_limited());
        }
        let id = new_mail_id();
        self.accept(&id, app, function, &message).await?;
        Ok(id)
    }
}
