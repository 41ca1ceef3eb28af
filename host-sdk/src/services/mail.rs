//! `mail.send`: validates the message with lettre, applies the per-function rate limit,
//! gives the message its id and puts it in the durable outbox; the outbox's delivery
//! loop does the SMTP work later, so the call returns at once.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;
use updraft_abi::{service, ErrorCode, MailMessage, MailQueued, ServiceError};

use super::{argument, result, unknown};
use crate::{CallContext, RateLimiter, Service};

/// Most recipients (to + cc) of one message.
pub const MAX_RECIPIENTS: usize = 50;
/// Largest text or html body.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Where accepted messages wait for delivery.
#[async_trait::async_trait]
pub trait MailOutbox: Send + Sync + 'static {
    /// Stores (or forwards for storing) a validated message from `app`/`function` under
    /// `id`; doing it again with the same id changes nothing.
    async fn enqueue(&self, id: &str, app: &str, function: &str, message: &MailMessage) -> Result<(), ServiceError>;
}

/// The mail service.
pub struct MailService {
    outbox: Arc<dyn MailOutbox>,
    limiter: RateLimiter,
}

impl MailService {
    /// A mail service queueing into `outbox`, at most `per_minute` mails per function.
    pub fn new(outbox: Arc<dyn MailOutbox>, per_minute: u32) -> MailService {
        MailService { outbox, limiter: RateLimiter::new(per_minute, Duration::from_secs(60)) }
    }
}

/// A fresh mail id: 128 random bits as 32 hex digits.
fn new_mail_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

#[async_trait::async_trait]
impl Service for MailService {
    async fn call(&self, name: &str, ctx: &CallContext, arg: &[u8]) -> Result<Vec<u8>, ServiceError> {
        if name != service::MAIL_SEND {
            return Err(unknown(name));
        }
        let message: MailMessage = argument(name, arg)?;
        validate_mail(&message)?;
        if !self.limiter.allow(&format!("{}/{}", ctx.app, ctx.function)) {
            return Err(ServiceError::new(ErrorCode::RateLimited, "too many mails from this function; retry in a minute"));
        }
        let id = new_mail_id();
        self.outbox.enqueue(&id, &ctx.app, &ctx.function, &message).await?;
        result(&MailQueued { id })
    }
}

fn invalid(message: impl Into<String>) -> ServiceError {
    ServiceError::new(ErrorCode::InvalidArgument, message)
}

/// Checks a message the way delivery will build it: every address parses, sizes are sane.
pub fn validate_mail(message: &MailMessage) -> Result<(), ServiceError> {
    let recipients = message.to.len() + message.cc.as_ref().map_or(0, Vec::len);
    if message.to.is_empty() {
        return Err(invalid("mail needs at least one `to` address"));
    }
    if recipients > MAX_RECIPIENTS {
        return Err(invalid(format!("at most {MAX_RECIPIENTS} recipients")));
    }
    if message.text.len() > MAX_BODY_BYTES || message.html.as_ref().is_some_and(|h| h.len() > MAX_BODY_BYTES) {
        return Err(ServiceError::new(ErrorCode::TooLarge, format!("mail bodies are at most {MAX_BODY_BYTES} bytes")));
    }
    let placeholder: Mailbox = "Updraft <noreply@updraft.invalid>".parse().map_err(|_| invalid("sender"))?;
    build_message(&placeholder, message, "validation").map(drop).map_err(invalid)
}

fn mailbox(field: &str, text: &str) -> Result<Mailbox, String> {
    text.parse::<Mailbox>().map_err(|e| format!("{field} address {text:?} is invalid: {e}"))
}

/// Builds the RFC 5322 message with lettre: every field is encoded by lettre, so no
/// field's content can become a header or an SMTP command.
pub fn build_message(from: &Mailbox, message: &MailMessage, id: &str) -> Result<Message, String> {
    let mut builder = Message::builder()
        .from(from.clone())
        .subject(message.subject.clone())
        .message_id(Some(format!("<{id}@updraft>")));
    for to in &message.to {
        builder = builder.to(mailbox("to", to)?);
    }
    for cc in message.cc.iter().flatten() {
        builder = builder.cc(mailbox("cc", cc)?);
    }
    if let Some(reply_to) = &message.reply_to {
        builder = builder.reply_to(mailbox("reply_to", reply_to)?);
    }
    let built = match &message.html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(message.text.clone(), html.clone())),
        None => builder.header(ContentType::TEXT_PLAIN).body(message.text.clone()),
    };
    built.map_err(|e| format!("message cannot be built: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(to: &str, subject: &str) -> MailMessage {
        MailMessage { to: vec![to.into()], subject: subject.into(), text: "hi".into(), ..Default::default() }
    }

    #[test]
    fn addresses_are_checked() {
        assert!(validate_mail(&mail("ada@example.com", "Hello")).is_ok());
        assert!(validate_mail(&mail("Ada <ada@example.com>", "Hello")).is_ok());
        assert!(validate_mail(&mail("not an address", "Hello")).is_err());
        assert!(validate_mail(&mail("ada@example.com\r\nRCPT TO:<x@evil.test>", "Hello")).is_err());
        assert!(validate_mail(&MailMessage { to: vec![], ..mail("a@b.c", "x") }).is_err());
    }

    #[test]
    fn header_injection_in_the_subject_stays_in_the_subject() {
        let from: Mailbox = "Updraft <noreply@example.com>".parse().unwrap();
        let message = build_message(&from, &mail("ada@example.com", "Hi\r\nBcc: evil@example.com"), "x").unwrap();
        let text = String::from_utf8(message.formatted()).unwrap();
        assert!(!text.lines().any(|l| l.to_ascii_lowercase().starts_with("bcc:")), "{text}");
        assert_eq!(message.envelope().to().len(), 1);
    }
}
