//! Delivers the outbox over SMTP with retries and backoff; a message that cannot be
//! delivered for a day is dead (visible through the API).

use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use tokio::sync::Notify;
use updraft_abi::MailMessage;
use updraft_store::{Db, OutboxRow};

use crate::services::build_message;
use crate::services::sqlite::now_ms as unix_millis_now;

/// Longest wait between two attempts of one message.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How long a message is retried before it is dead.
pub const DEFAULT_GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 3600);
/// Messages taken per round.
const BATCH: u32 = 32;
/// Longest one SMTP exchange may take.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// Where and as whom mail is sent.
#[derive(Clone, Debug)]
pub struct MailerConfig {
    /// Relay URL: `smtp://host:port` (plain), `smtp://host:port?tls=required` (STARTTLS),
    /// `smtps://host:port` (TLS); credentials as `smtp://user:pass@host`.
    pub smtp_url: String,
    /// The sender of every message.
    pub from: String,
    /// Cap of the exponential backoff.
    pub max_backoff: Duration,
    /// Retry window.
    pub give_up_after: Duration,
}

impl MailerConfig {
    /// Defaults for a relay and sender.
    pub fn new(smtp_url: impl Into<String>, from: impl Into<String>) -> MailerConfig {
        MailerConfig {
            smtp_url: smtp_url.into(),
            from: from.into(),
            max_backoff: DEFAULT_MAX_BACKOFF,
            give_up_after: DEFAULT_GIVE_UP_AFTER,
        }
    }
}

/// The delivery loop.
pub struct MailDelivery {
    db: Db,
    from: Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    config: MailerConfig,
    wake: Arc<Notify>,
}

impl MailDelivery {
    /// Checks the configuration (relay URL, sender) without connecting.
    pub fn new(db: Db, config: MailerConfig, wake: Arc<Notify>) -> Result<MailDelivery, String> {
        let from: Mailbox = config.from.parse().map_err(|e| format!("mail sender {:?} is invalid: {e}", config.from))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.smtp_url)
            .map_err(|e| format!("mail relay URL is invalid: {e}"))?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        Ok(MailDelivery { db, from, transport, config, wake })
    }

    /// Delivers forever: due messages first, then sleeps until the next is due or a new
    /// one arrives.
    pub async fn run(self) {
        loop {
            let due = {
                let db = self.db.clone();
                tokio::task::spawn_blocking(move || db.due_mail(unix_millis_now(), BATCH)).await
            };
            let due = match due {
                Ok(Ok(rows)) => rows,
                Ok(Err(error)) => {
                    tracing::error!(%error, "reading the mail outbox failed");
                    Vec::new()
                }
                Err(_) => Vec::new(),
            };
            let busy = due.len() as u32 == BATCH;
            for row in due {
                self.deliver(row).await;
            }
            if busy {
                continue;
            }
            let next = self.db.next_mail_due().ok().flatten();
            let wait = next.map_or(Duration::from_secs(60), |at| {
                Duration::from_millis(at.saturating_sub(unix_millis_now()).max(0) as u64)
            });
            let _ = tokio::time::timeout(wait.min(Duration::from_secs(60)), self.wake.notified()).await;
        }
    }

    async fn deliver(&self, row: OutboxRow) {
        let attempts = row.attempts + 1;
        let message = updraft_abi::decode::<MailMessage>(&row.message)
            .map_err(|e| format!("stored message unreadable: {e}"))
            .and_then(|m| build_message(&self.from, &m, &row.id));
        let message = match message {
            Ok(message) => message,
            Err(reason) => return self.record(row.id, attempts, None, &reason),
        };
        match self.transport.send(message).await {
            Ok(_) => {
                if let Err(error) = self.db.mail_sent(&row.id, attempts, unix_millis_now()) {
                    tracing::error!(%error, "recording a sent mail failed");
                }
                tracing::info!(id = %row.id, app = %row.app, "mail delivered");
            }
            Err(error) => {
                let now = unix_millis_now();
                let reason = error.to_string();
                let permanent = error.is_permanent();
                let expired = now - row.created_ms >= self.config.give_up_after.as_millis() as i64;
                let next = (!permanent && !expired).then(|| now + self.backoff(attempts).as_millis() as i64);
                tracing::warn!(id = %row.id, attempts, %reason, dead = next.is_none(), "mail delivery failed");
                self.record(row.id, attempts, next, &reason);
            }
        }
    }

    fn backoff(&self, attempts: u32) -> Duration {
        let exponential = Duration::from_millis(500u64.saturating_mul(1u64 << attempts.min(16)));
        exponential.min(self.config.max_backoff)
    }

    fn record(&self, id: String, attempts: u32, next: Option<i64>, reason: &str) {
        if let Err(error) = self.db.mail_failed(&id, attempts, next, reason) {
            tracing::error!(%error, "recording a failed mail failed");
        }
    }
}
