//! Updraft store: the control plane's durable state in one data directory.
//!
//! This crate owns the SQLite database (schema with a version, migrated forward on open)
//! holding developer accounts, apps, functions and their immutable revisions, function
//! logs, app users and their sessions, key-value data and the mail outbox; and the content-addressed module blobs beside it. Writes that must be
//! all-or-nothing (a new revision) are single transactions; a blob is renamed into place
//! only once it is whole.
//!
//! It knows nothing of HTTP, wasm or brokers: settings are stored as the JSON the gateway
//! gives it.

mod accounts;
mod apps;
mod blobs;
mod db;
mod error;
mod functions;
mod invocations;
mod kv;
mod logs;
mod mail;
mod schema;
mod users;

pub use accounts::Account;
pub use apps::App;
pub use blobs::BlobStore;
pub use db::Db;
pub use error::StoreError;
pub use functions::{FunctionRow, RevisionRow};
pub use invocations::{DeadLetterRow, InvocationRow};
pub use logs::{LogQuery, LogRow, NewLogLine};
pub use mail::{MailStatus, OutboxRow};
pub use users::{AppUser, SessionRow};
pub use schema::SCHEMA_VERSION;

/// Now, as RFC 3339 with milliseconds, UTC.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
