//! `contact`: a contact form that mails the site's owner.
//!
//! `POST {"name", "email", "message"}` queues a mail to the address in the function's
//! variable `CONTACT_TO` (default `owner@example.com`) with the subject
//! `Contact from <name>`, the message in the text and `Reply-To: <email>`, and answers
//! 202 `{"queued": "<outbox id>"}`. A malformed body is 400, a refused address 400,
//! too many mails 429 (with `retry-after`), other failures their fitting status, all as
//! `{"error": "..."}`.

use serde::Deserialize;
use serde_json::json;
use updraft::mail::{self, Mail};
use updraft::{Error, Request, Response};

/// Where mail goes when `CONTACT_TO` is not set.
const DEFAULT_TO: &str = "owner@example.com";
/// Seconds a rate-limited sender is asked to wait (the limit is per minute).
const RETRY_AFTER_SECS: &str = "60";

/// The form.
#[derive(Deserialize)]
struct ContactForm {
    name: String,
    email: String,
    message: String,
}

#[updraft::handler]
fn handle(req: Request) -> Response {
    if req.method() != "POST" {
        return error_response(405, "POST the form as JSON").with_header("allow", "POST");
    }
    let form: ContactForm = match req.json() {
        Ok(form) => form,
        Err(e) => return error_response(400, &e.to_string()),
    };
    match mail::send(&compose(&form, &recipient())) {
        Ok(id) => Response::json(&json!({ "queued": id })).with_status(202),
        Err(e) => send_error(&e),
    }
}

/// The owner's address: the function's `CONTACT_TO` variable, or the default.
fn recipient() -> String {
    std::env::var("CONTACT_TO").ok().filter(|to| !to.trim().is_empty()).unwrap_or_else(|| DEFAULT_TO.to_owned())
}

fn compose(form: &ContactForm, to: &str) -> Mail {
    // Control characters have no place in a subject line (nor a way to add headers).
    let name: String = form.name.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    Mail::new()
        .to(to)
        .subject(format!("Contact from {}", name.trim()))
        .text(format!("{} <{}> wrote:\n\n{}\n", name.trim(), form.email, form.message))
        .reply_to(form.email.trim())
}

fn send_error(error: &Error) -> Response {
    let response = error_response(error.http_status(), &error.to_string());
    match error {
        Error::RateLimited(_) => response.with_header("retry-after", RETRY_AFTER_SECS),
        _ => response,
    }
}

fn error_response(status: u16, message: &str) -> Response {
    Response::json(&json!({ "error": message })).with_status(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composes_subject_text_and_reply_to() {
        let form = ContactForm { name: "Ann\r\nBcc: x".into(), email: "ann@example.com".into(), message: "Hi!".into() };
        let mail = compose(&form, "me@example.com");
        let message = mail.as_message();
        assert_eq!(message.to, ["me@example.com"]);
        assert_eq!(message.subject, "Contact from Ann  Bcc: x");
        assert!(message.text.contains("Hi!"));
        assert_eq!(message.reply_to.as_deref(), Some("ann@example.com"));
    }

    #[test]
    fn service_errors_map_to_statuses() {
        let limited = send_error(&Error::RateLimited("slow down".into()));
        assert_eq!((limited.status_code(), limited.header("retry-after")), (429, Some("60")));
        assert_eq!(send_error(&Error::InvalidArgument("bad address".into())).status_code(), 400);
        assert_eq!(send_error(&Error::Unavailable("later".into())).status_code(), 503);
    }
}
