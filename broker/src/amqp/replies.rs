//! Request-reply over RabbitMQ: one exclusive reply queue per connection, replies routed
//! to their waiting callers by correlation id. Serves sync invocations and RPC calls.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use lapin::options::{BasicConsumeOptions, BasicPublishOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::BasicProperties;
use parking_lot::Mutex;
use tokio::sync::{oneshot, watch};

use super::link::{unavailable, Link};
use crate::BrokerError;

/// How long a call on a fresh connection waits for its reply queue to be declared.
const REPLY_QUEUE_WAIT: Duration = Duration::from_secs(1);

/// Callers waiting for replies on this process's reply queue.
pub(crate) struct Replies {
    link: Arc<Link>,
    pending: Mutex<HashMap<String, oneshot::Sender<Vec<u8>>>>,
    /// The reply queue of the live session: (session id, queue name).
    queue: watch::Sender<Option<(u64, String)>>,
}

/// Removes a caller's entry when its call ends, however it ends.
struct Waiting<'a> {
    replies: &'a Replies,
    id: &'a str,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.replies.pending.lock().remove(self.id);
    }
}

impl Replies {
    pub(crate) fn start(link: Arc<Link>) -> Arc<Replies> {
        let (queue, _) = watch::channel(None);
        let replies = Arc::new(Replies { link, pending: Mutex::new(HashMap::new()), queue });
        tokio::spawn(replies.clone().listen());
        replies
    }

    async fn listen(self: Arc<Self>) {
        loop {
            let session = self.link.wait().await;
            if let Err(error) = self.consume(&session).await {
                tracing::debug!(%error, "reply queue lost");
            }
            self.queue.send_replace(None);
            // Callers of the lost session will get no reply: fail them now.
            self.pending.lock().clear();
            self.link.lost(&session).await;
        }
    }

    async fn consume(&self, session: &super::link::Session) -> Result<(), BrokerError> {
        let channel = session.channel().await?;
        let options = QueueDeclareOptions { exclusive: true, auto_delete: true, ..QueueDeclareOptions::default() };
        let queue = channel.queue_declare("".into(), options, FieldTable::default()).await.map_err(unavailable)?;
        let name = queue.name().to_string();
        let consume = BasicConsumeOptions { no_ack: true, ..BasicConsumeOptions::default() };
        let mut consumer =
            channel.basic_consume(name.as_str().into(), "".into(), consume, FieldTable::default()).await.map_err(unavailable)?;
        self.queue.send_replace(Some((session.id, name)));
        while let Some(Ok(delivery)) = consumer.next().await {
            let Some(id) = delivery.properties.correlation_id() else { continue };
            if let Some(waiter) = self.pending.lock().remove(id.as_str()) {
                let _ = waiter.send(delivery.data);
            }
        }
        Ok(())
    }

    /// The reply queue of session `session_id`, waiting up to [`REPLY_QUEUE_WAIT`] for
    /// it to be declared (it is, just after the connection opens).
    async fn reply_queue(&self, session_id: u64) -> Option<String> {
        let of_session = |current: &Option<(u64, String)>| {
            current.as_ref().filter(|(id, _)| *id == session_id).map(|(_, name)| name.clone())
        };
        // The usual case, on every call: the queue is there; no timer, no subscription.
        if let Some(name) = of_session(&self.queue.borrow()) {
            return Some(name);
        }
        let mut queue = self.queue.subscribe();
        let ready = queue.wait_for(|current| current.as_ref().is_some_and(|(id, _)| *id >= session_id));
        match tokio::time::timeout(REPLY_QUEUE_WAIT, ready).await {
            Ok(Ok(current)) => of_session(&current),
            _ => None,
        }
    }

    /// Publishes `payload` to `exchange`/`routing_key` with `properties` plus reply-to
    /// and correlation id `id`, and waits up to `timeout` for the reply. Fails at once
    /// when not connected; on a connection just made, waits briefly for its reply queue.
    pub(crate) async fn request(
        &self,
        exchange: &str,
        routing_key: &str,
        id: &str,
        payload: &[u8],
        properties: BasicProperties,
        timeout: Duration,
    ) -> Result<Vec<u8>, BrokerError> {
        let not_connected = || BrokerError::Unavailable("not connected to RabbitMQ".into());
        let session = self.link.current().ok_or_else(not_connected)?;
        let (tx, rx) = oneshot::channel();
        self.pending.lock().insert(id.to_owned(), tx);
        let _waiting = Waiting { replies: self, id };
        // Registered before the queue is looked up: the listener withdraws its queue
        // before it fails the waiting calls, so a call either finds no queue here or is
        // failed by the listener; none waits for its deadline on a lost connection.
        let queue = self.reply_queue(session.id).await.ok_or_else(not_connected)?;
        let properties = properties.with_reply_to(queue.into()).with_correlation_id(id.into());
        let publish =
            session.publisher.basic_publish(exchange.into(), routing_key.into(), BasicPublishOptions::default(), payload, properties);
        // The first poll checks the channel and queues the frames for lapin's IO thread;
        // a closed channel fails here. Awaiting the rest only learns when the frames
        // were written, at the cost of one wake-up of this task per call (measured: a
        // fifth of an RPC caller's CPU). If the connection is lost instead, the reply
        // listener fails every waiting call at once, so nothing waits for its deadline.
        if let Some(Err(error)) = publish.now_or_never() {
            return Err(unavailable(error));
        }
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(_)) => Err(BrokerError::Unavailable("connection to RabbitMQ lost during the call".into())),
            Err(_) => Err(BrokerError::DeadlineExceeded),
        }
    }
}
