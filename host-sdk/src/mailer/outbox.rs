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

#[async_trait::async_trait]
impl MailOutbox for SqliteOutbox {
    async fn enqueue(&self, app: &str, function: &str, message: MailMessage) -> Result<String, ServiceError> {
        if !self.limiter.allow(&format!("{app}/{function}")) {
            return Err(ServiceError::new(ErrorCode::RateLimited, "too many mails from this function; retry in a minute"));
        }
        let id = format!("{:032x}", rand::random::<u128>());
        let bytes = updraft_abi::encode(&message).map_err(|e| ServiceError::new(ErrorCode::Internal, e.to_string()))?;
        let (row_id, app, function) = (id.clone(), app.to_owned(), function.to_owned());
        run_blocking(&self.db, move |db| db.enqueue_mail(&row_id, &app, &function, &bytes, unix_millis_now())).await?;
        self.wake.notify_one();
        Ok(id)
    }
}
