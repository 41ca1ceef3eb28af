//! Acknowledgements sent once a delivery's reply is written, from one task per consumer
//! channel instead of from every invocation's own task.
//!
//! lapin sends acks ahead of the publishes it has queued, so an ack queued beside its reply
//! could reach RabbitMQ first, and a worker killed in between would lose the call. The ack
//! therefore waits for the reply's frames to be written. Waiting in the invocation's task
//! costs that task one more wake-up per call; here the waits run in order in one task,
//! which wakes once for all the replies lapin's IO thread wrote together and then acks them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::FutureExt;
use lapin::options::BasicAckOptions;
use lapin::Channel;
use tokio::sync::{mpsc, Notify};

/// Acks handed to the acknowledging tasks of one connection and not yet queued: a final
/// close waits for them, so a worker that stops has sent every ack it owes.
#[derive(Default)]
pub(crate) struct PendingAcks {
    count: AtomicUsize,
    settled: Notify,
}

impl PendingAcks {
    fn add(&self) {
        self.count.fetch_add(1, Ordering::SeqCst);
    }

    fn done(&self) {
        if self.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.settled.notify_waiters();
        }
    }

    /// Resolves once every ack handed over so far is queued, or will never be (its reply
    /// was not written).
    pub(crate) async fn settled(&self) {
        loop {
            let settled = self.settled.notified();
            if self.count.load(Ordering::SeqCst) == 0 {
                return;
            }
            settled.await;
        }
    }
}

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
    pending: Arc<PendingAcks>,
}

impl AckAfterReply {
    /// Starts the task that acknowledges on `channel`, counting in `pending`.
    pub(crate) fn start(channel: Arc<Channel>, pending: Arc<PendingAcks>) -> AckAfterReply {
        let (queue, mut waiting) = mpsc::unbounded_channel::<AfterWrite>();
        let counted = pending.clone();
        tokio::spawn(async move {
            while let Some(AfterWrite { delivery_tag, written }) = waiting.recv().await {
                // Not written (the connection went): no ack, and RabbitMQ redelivers the call.
                if written.await.is_ok() {
                    // The first poll queues the frame (or fails on a closed channel, and
                    // RabbitMQ redelivers); it goes out after every reply written before it.
                    let _ = channel.basic_ack(delivery_tag, BasicAckOptions::default()).now_or_never();
                }
                counted.done();
            }
        });
        AckAfterReply { queue, pending }
    }

    /// Acknowledges `delivery_tag` once `written` resolves without error.
    pub(crate) fn after(&self, delivery_tag: u64, written: BoxFuture<'static, Result<(), lapin::Error>>) {
        self.pending.add();
        // The task ends only once every sender is gone, and this is one of them.
        if self.queue.send(AfterWrite { delivery_tag, written }).is_err() {
            self.pending.done();
        }
    }
}
