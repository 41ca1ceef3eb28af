//! The mail outbox on SQLite and its SMTP delivery loop.

mod delivery;
mod outbox;
mod rate;

pub use delivery::{MailDelivery, MailerConfig, DEFAULT_GIVE_UP_AFTER, DEFAULT_MAX_BACKOFF};
pub use outbox::SqliteOutbox;
pub use rate::{RateLimiter, DEFAULT_MAILS_PER_MINUTE};
