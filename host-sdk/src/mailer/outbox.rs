//! The durable outbox: `mail.send` writes here and returns; delivery reads from here.

use std::sync::Arc;

use tokio::sync::Notify;
use updraft_abi::{ErrorCode, MailMessage, ServiceError};
use updraft_store::Db;

use crate::services::MailOutbox;
use crate::services::sqlite::{blocking as run_blocking, now_ms as unix_millis_now};

/// The outbox in the store.
pub struct SqliteOutbox {
    db: Db,
    wake: Arc<Notify>,
}

impl SqliteOutbox {
    /// An outbox in `db`; `wake` is notified on every new message (the delivery loop
    /// waits on it).
    pub fn new(db: Db, wake: Arc<Notify>) -> SqliteOutbox {
        SqliteOutbox { db, wake }
    }
}

#[async_trait::async_trait]
impl MailOutbox for SqliteOutbox {
    async fn enqueue(&self, id: &str, app: &str, function: &str, message: &MailMessage) -> Result<(), ServiceError> {
        let bytes = updraft_abi::encode(message).map_err(|e| ServiceError::new(ErrorCode::Internal, e.to_string()))?;
        let (id, app, function) = (id.to_owned(), app.to_owned(), function.to_owned());
        run_blocking(&self.db, move |db| db.enqueue_mail(&id, &app, &function, &bytes, unix_millis_now())).await?;
        self.wake.notify_one();
        Ok(())
    }
}
