//! Acknowledgements sent once a delivery's reply is written, from one task per consumer
//! channel instead of from every invocation's own task.
//!
//! lapin sends acks ahead of the publishes it has queued, so an ack queued beside its reply
//! could reach RabbitMQ first, and a worker killed in between would lose the call. The ack
//! therefore waits for the reply's frames to be written. Waiting in the invocation's task
//! costs that task one more wake-up per call; here the waits run in order in one task,
//! which wakes once for all the replies lapin's IO thread wrote together and then acks them.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use futures::FutureExt;
use lapin::options::BasicAckOptions;
use lapin::Channel;
use tokio::sync::mpsc;
use tokio_util::task::TaskTracker;

/// How long a stopped consumer's channel waits for RabbitMQ to confirm its close.
const CHANNEL_CLOSE_WAIT: Duration = Duration::from_secs(5);

/// A delivery to acknowledge once its reply is written.
struct AfterWrite {
    delivery_tag: u64,
    /// Resolves when the reply's frames are on the socket; fails if they never will be.
    written: BoxFuture<'static, Result<(), lapin::Error>>,
}

/// Hands deliveries to the acknowledging task of one channel; one clone per delivery
/// handle. The task ends when the last clone goes.
#[derive(Clone)]
pub(crate) struct AckAfterReply {
    queue: mpsc::UnboundedSender<AfterWrite>,
}

impl AckAfterReply {
    /// Starts the task that acknowledges on `channel`. It counts in `pending` until every
    /// ack it owes is queued and the channel closed: a final close of the connection waits
    /// for that, so a worker that stops sends every ack it owes.
    pub(crate) fn start(channel: Arc<Channel>, pending: TaskTracker) -> AckAfterReply {
        let (queue, mut waiting) = mpsc::unbounded_channel::<AfterWrite>();
        let open = pending.token();
        tokio::spawn(async move {
            while let Some(AfterWrite { delivery_tag, written }) = waiting.recv().await {
                // Not written (the connection went): no ack, and RabbitMQ redelivers the call.
                if written.await.is_ok() {
                    // The first poll queues the frame (or fails on a closed channel, and
                    // RabbitMQ redelivers); it goes out after every reply written before it.
                    let _ = channel.basic_ack(delivery_tag, BasicAckOptions::default()).now_or_never();
                }
            }
            // Every delivery of the channel is settled (its consumer stopped). Close the
            // channel and wait for RabbitMQ's close-ok, which follows every ack sent before
            // it: a final close of the connection could otherwise overtake acks only
            // queued, and RabbitMQ would run those calls again (the broker test that
            // closes right after a burst of replies failed 1 run in 12 without this).
            let _ = tokio::time::timeout(CHANNEL_CLOSE_WAIT, channel.close(200, "consumer stopped".into())).await;
            drop(open);
        });
        AckAfterReply { queue }
    }

    /// Acknowledges `delivery_tag` once `written` resolves without error.
    pub(crate) fn after(&self, delivery_tag: u64, written: BoxFuture<'static, Result<(), lapin::Error>>) {
        // The task ends only once every sender is gone, and this is one of them.
        let _ = self.queue.send(AfterWrite { delivery_tag, written });
    }
}
