//! Sending mail through the platform's outbox.
//!
//! [`send`] queues a message and returns at once; the platform delivers it over SMTP
//! and retries for up to a day. Each function may send 60 messages a minute
//! ([`Error::RateLimited`] beyond).
//!
//! ```no_run
//! use updraft::mail::{self, Mail};
//!
//! # fn demo() -> updraft::Result<()> {
//! let mail = Mail::new()
//!     .to("owner@example.com")
//!     .cc("audit@example.com")
//!     .subject("New order")
//!     .text("Order 42 was placed.")
//!     .html("<p>Order <b>42</b> was placed.</p>")
//!     .reply_to("customer@example.com");
//! let id = mail::send(&mail)?;
//! updraft::info!("queued mail {id}");
//! # Ok(()) }
//! ```

use updraft_abi::{MailMessage, MailQueued, service};

use crate::{Error, Result, host};

/// A mail message, built step by step; see the [module docs](self).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mail {
    message: MailMessage,
}

impl Mail {
    /// An empty message: no recipients, subject or body.
    pub fn new() -> Mail {
        Mail::default()
    }

    /// Adds a recipient (call again for more).
    pub fn to(mut self, address: impl Into<String>) -> Mail {
        self.message.to.push(address.into());
        self
    }

    /// Adds a copy recipient (call again for more).
    pub fn cc(mut self, address: impl Into<String>) -> Mail {
        self.message.cc.get_or_insert_with(Vec::new).push(address.into());
        self
    }

    /// Sets the subject line.
    pub fn subject(mut self, subject: impl Into<String>) -> Mail {
        self.message.subject = subject.into();
        self
    }

    /// Sets the plain-text body.
    pub fn text(mut self, text: impl Into<String>) -> Mail {
        self.message.text = text.into();
        self
    }

    /// Sets an HTML body, sent beside the text body as `multipart/alternative`.
    pub fn html(mut self, html: impl Into<String>) -> Mail {
        self.message.html = Some(html.into());
        self
    }

    /// Sets the `Reply-To` address.
    pub fn reply_to(mut self, address: impl Into<String>) -> Mail {
        self.message.reply_to = Some(address.into());
        self
    }

    /// The message as `mail.send` receives it.
    pub fn as_message(&self) -> &MailMessage {
        &self.message
    }
}

impl From<Mail> for MailMessage {
    fn from(mail: Mail) -> MailMessage {
        mail.message
    }
}

/// Queues `mail` for delivery and returns its outbox id.
///
/// # Errors
/// [`Error::InvalidArgument`] without recipients (checked here) or for addresses the
/// platform refuses, [`Error::RateLimited`] over the sending limit,
/// [`Error::TooLarge`] for an oversized message, other service errors as reported.
pub fn send(mail: &Mail) -> Result<String> {
    if mail.message.to.is_empty() {
        return Err(Error::InvalidArgument("a mail needs at least one recipient".into()));
    }
    let queued: MailQueued = host::call(service::MAIL_SEND, &mail.message)?;
    Ok(queued.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_fills_the_message() {
        let mail = Mail::new()
            .to("a@example.com")
            .to("b@example.com")
            .cc("c@example.com")
            .subject("s")
            .text("t")
            .html("<p>t</p>")
            .reply_to("r@example.com");
        let message = MailMessage::from(mail.clone());
        assert_eq!(&message, mail.as_message());
        assert_eq!(message.to, ["a@example.com", "b@example.com"]);
        assert_eq!(message.cc.as_deref(), Some(&["c@example.com".to_string()][..]));
        assert_eq!((message.subject.as_str(), message.text.as_str()), ("s", "t"));
        assert_eq!(message.html.as_deref(), Some("<p>t</p>"));
        assert_eq!(message.reply_to.as_deref(), Some("r@example.com"));
    }

    #[test]
    fn send_needs_a_recipient_and_a_host() {
        assert!(matches!(send(&Mail::new().subject("s")), Err(Error::InvalidArgument(_))));
        assert!(matches!(send(&Mail::new().to("a@example.com")), Err(Error::Unavailable(_))));
    }
}
