//! Reads what a client is still sending after an early answer (401, 404, 413, ...).
//!
//! A server that answers before reading the whole request body and then closes the
//! connection makes many clients fail with "connection reset" instead of showing the
//! answer. Every request body is therefore wrapped: when a handler drops it unread, the
//! rest is read in the background (bounded in bytes and time) and thrown away, so the
//! answer arrives and the connection stays usable.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use http_body::{Body as HttpBody, Frame, SizeHint};

/// Most bytes read and discarded after an early answer.
const DRAIN_LIMIT: u64 = 64 * 1024 * 1024;
/// Longest time spent draining.
const DRAIN_TIME: Duration = Duration::from_secs(30);

/// Wraps a request body so that an unread remainder is drained when it is dropped.
pub(crate) fn draining(request: axum::extract::Request) -> axum::extract::Request {
    request.map(|body| Body::new(DrainOnDrop { inner: Some(body), finished: false }))
}

struct DrainOnDrop {
    inner: Option<Body>,
    finished: bool,
}

impl HttpBody for DrainOnDrop {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let Some(inner) = self.inner.as_mut() else {
            return Poll::Ready(None);
        };
        let polled = Pin::new(inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None) | Poll::Ready(Some(Err(_)))) {
            self.finished = true;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(|b| b.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.as_ref().map(|b| b.size_hint()).unwrap_or_default()
    }
}

impl Drop for DrainOnDrop {
    fn drop(&mut self) {
        let Some(body) = self.inner.take() else { return };
        if self.finished || body.is_end_stream() {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else { return };
        handle.spawn(async move {
            let drain = async {
                let mut stream = body.into_data_stream();
                let mut read = 0u64;
                while let Some(Ok(chunk)) = futures::StreamExt::next(&mut stream).await {
                    read += chunk.len() as u64;
                    if read > DRAIN_LIMIT {
                        break;
                    }
                }
            };
            let _ = tokio::time::timeout(DRAIN_TIME, drain).await;
        });
    }
}
