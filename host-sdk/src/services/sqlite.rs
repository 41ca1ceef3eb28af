//! The real backends of `updraft up` and of the gateway: the SQLite store.

use updraft_abi::{ErrorCode, ServiceError};
use updraft_store::{Db, StoreError};

use super::{backend_error, KvBackend, SessionBackend};

/// Runs a store call on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    db: &Db,
    call: impl FnOnce(&Db) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ServiceError> {
    let db = db.clone();
    match tokio::task::spawn_blocking(move || call(&db)).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(StoreError::Limit(reason))) => Err(ServiceError::new(ErrorCode::TooLarge, reason)),
        Ok(Err(StoreError::NotFound(what))) => Err(ServiceError::new(ErrorCode::NotFound, format!("{what} not found"))),
        Ok(Err(error)) => Err(backend_error(error)),
        Err(error) => Err(backend_error(error)),
    }
}

pub(crate) fn now_ms() -> i64 {
    crate::unix_micros_now() / 1000
}

#[async_trait::async_trait]
impl KvBackend for Db {
    async fn get(&self, app: &str, key: &str) -> Result<Option<Vec<u8>>, ServiceError> {
        let (app, key) = (app.to_owned(), key.to_owned());
        blocking(self, move |db| db.kv_get(&app, &key)).await
    }

    async fn set(&self, app: &str, key: &str, value: Vec<u8>) -> Result<(), ServiceError> {
        let (app, key) = (app.to_owned(), key.to_owned());
        blocking(self, move |db| db.kv_set(&app, &key, &value, now_ms())).await
    }

    async fn delete(&self, app: &str, key: &str) -> Result<(), ServiceError> {
        let (app, key) = (app.to_owned(), key.to_owned());
        blocking(self, move |db| db.kv_delete(&app, &key)).await
    }

    async fn list(&self, app: &str, prefix: &str, limit: u32) -> Result<Vec<String>, ServiceError> {
        let (app, prefix) = (app.to_owned(), prefix.to_owned());
        blocking(self, move |db| db.kv_list(&app, &prefix, limit)).await
    }
}

#[async_trait::async_trait]
impl SessionBackend for Db {
    async fn get(&self, session: &str, key: &str) -> Result<Option<Vec<u8>>, ServiceError> {
        let (session, key) = (session.to_owned(), key.to_owned());
        blocking(self, move |db| db.session_get(&session, &key)).await
    }

    async fn set(&self, session: &str, key: &str, value: Vec<u8>, max_total: usize) -> Result<(), ServiceError> {
        let (session, key) = (session.to_owned(), key.to_owned());
        blocking(self, move |db| db.session_set(&session, &key, &value, max_total))
            .await
            .map_err(|e| if e.kind() == ErrorCode::NotFound { ServiceError::new(ErrorCode::Unauthenticated, "the session has ended") } else { e })
    }

    async fn delete(&self, session: &str, key: &str) -> Result<(), ServiceError> {
        let (session, key) = (session.to_owned(), key.to_owned());
        blocking(self, move |db| db.session_delete(&session, &key)).await
    }
}
