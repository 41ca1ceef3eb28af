//! Acknowledgements sent once a delivery's reply is written, from one task per consumer
//! channel instead of from every invocation's own task.
//!
//! lapin sends acks ahead of the publishes it has queued, so an ack queued beside its reply
//! could reach RabbitMQ first, and a worker killed in between would lose the call. The ack
//! therefore waits for the reply's frames to be written. Waiting in the invocation's task
//! costs that task one more wake-up per call; here the waits run in order in one task,
//! which wakes once for all the replies lapin's IO thread wrote together and then acks them.
//!
//! Those acks are coalesced: RabbitMQ numbers a channel's deliveries 1, 2, 3, ..., so once
//! every tag up to some delivery is settled or written, one `multiple` ack settles them
//! all, one frame for RabbitMQ to parse and one settlement for the queue instead of one
//! each. Tags settled apart from this task (async results, requeues) are recorded in the
//! same [`Settled`] once their frame is queued, so a multiple ack never covers a delivery
//! that is still running or that was meant to go back to the queue.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use futures::FutureExt;
use lapin::options::BasicAckOptions;
use lapin::Channel;
use parking_lot::Mutex;
use tokio::sync::mpsc;
use tokio_util::task::task_tracker::TaskTrackerToken;
use tokio_util::task::TaskTracker;

/// How long a stopped consumer's channel waits for RabbitMQ to confirm its close.
const CHANNEL_CLOSE_WAIT: Duration = Duration::from_secs(5);
/// Most written replies gathered before their acks go out.
const MOST_GATHERED: usize = 256;

/// A delivery to acknowledge once its reply is written.
struct AfterWrite {
    delivery_tag: u64,
    /// Resolves when the reply's frames are on the socket; fails if they never will be.
    written: BoxFuture<'static, Result<(), lapin::Error>>,
}

/// Which delivery tags of one channel have their settlement (ack or nack) queued. Kept as
/// the tags *not* settled below the highest settled one: deliveries still running or not
/// handed over yet, never more than the channel's unsettled deliveries, however long one
/// of them runs while thousands after it settle.
#[derive(Debug, Default)]
pub(crate) struct Settled {
    /// The highest tag settled.
    highest: u64,
    /// Tags below `highest` not settled yet.
    unsettled: BTreeSet<u64>,
}

impl Settled {
    fn mark(&mut self, tag: u64) {
        if tag > self.highest {
            self.unsettled.extend(self.highest + 1..tag);
            self.highest = tag;
        } else {
            self.unsettled.remove(&tag);
        }
    }

    /// Every tag from 1 through this one is settled.
    fn through(&self) -> u64 {
        self.unsettled.first().map_or(self.highest, |first| first - 1)
    }

    /// Marks `written` (ascending tags, none settled yet) settled and returns the acks
    /// that settle them: a multiple ack of the highest one that every tag below it is now
    /// settled through, then single acks of the rest.
    fn acks_for(&mut self, written: &[u64]) -> Vec<(u64, bool)> {
        for tag in written {
            self.mark(*tag);
        }
        let through = self.through();
        let covered = written.partition_point(|tag| *tag <= through);
        let mut acks = Vec::with_capacity(written.len() - covered + 1);
        match covered {
            0 => {}
            1 => acks.push((written[0], false)),
            _ => acks.push((written[covered - 1], true)),
        }
        acks.extend(written[covered..].iter().map(|tag| (*tag, false)));
        acks
    }
}

/// Hands deliveries to the acknowledging task of one channel; one clone per delivery
/// handle. The task ends when the last clone goes.
#[derive(Clone)]
pub(crate) struct AckAfterReply {
    queue: mpsc::UnboundedSender<AfterWrite>,
    settled: Arc<Mutex<Settled>>,
}

impl AckAfterReply {
    /// Starts the task that acknowledges on `channel`. It counts in `pending` until every
    /// ack it owes is queued and the channel closed: a final close of the connection waits
    /// for that, so a worker that stops sends every ack it owes.
    pub(crate) fn start(channel: Arc<Channel>, pending: TaskTracker) -> AckAfterReply {
        let (queue, waiting) = mpsc::unbounded_channel::<AfterWrite>();
        let settled = Arc::new(Mutex::new(Settled::default()));
        let open = pending.token();
        tokio::spawn(acknowledge(channel, waiting, settled.clone(), open));
        AckAfterReply { queue, settled }
    }

    /// Acknowledges `delivery_tag` once `written` resolves without error.
    pub(crate) fn after(&self, delivery_tag: u64, written: BoxFuture<'static, Result<(), lapin::Error>>) {
        // The task ends only once every sender is gone, and this is one of them.
        let _ = self.queue.send(AfterWrite { delivery_tag, written });
    }

    /// Records that `delivery_tag` was settled on the channel apart from this task (its
    /// frame already queued), so later multiple acks may reach past it.
    pub(crate) fn settled(&self, delivery_tag: u64) {
        self.settled.lock().mark(delivery_tag);
    }
}

async fn acknowledge(
    channel: Arc<Channel>,
    mut waiting: mpsc::UnboundedReceiver<AfterWrite>,
    settled: Arc<Mutex<Settled>>,
    open: TaskTrackerToken,
) {
    let mut written = Vec::new();
    while let Some(first) = waiting.recv().await {
        // The waits run in order; whatever else was queued meanwhile joins this batch.
        let mut next = Some(first);
        while let Some(AfterWrite { delivery_tag, written: write }) = next {
            // Not written (the connection went): no ack, and RabbitMQ redelivers the call.
            if write.await.is_ok() {
                written.push(delivery_tag);
            }
            next = if written.len() < MOST_GATHERED { waiting.try_recv().ok() } else { None };
        }
        written.sort_unstable();
        let acks = settled.lock().acks_for(&written);
        written.clear();
        for (delivery_tag, multiple) in acks {
            // The first poll queues the frame (or fails on a closed channel, and RabbitMQ
            // redelivers); it goes out after every reply written before it.
            let _ = channel.basic_ack(delivery_tag, BasicAckOptions { multiple }).now_or_never();
        }
    }
    // Every delivery of the channel is settled (its consumer stopped). Close the channel
    // and wait for RabbitMQ's close-ok, which follows every ack sent before it: a final
    // close of the connection could otherwise overtake acks only queued, and RabbitMQ
    // would run those calls again (the broker test that closes right after a burst of
    // replies failed 1 run in 12 without this).
    let _ = tokio::time::timeout(CHANNEL_CLOSE_WAIT, channel.close(200, "consumer stopped".into())).await;
    drop(open);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settled(tags: &[u64]) -> Settled {
        let mut settled = Settled::default();
        for tag in tags {
            settled.mark(*tag);
        }
        settled
    }

    #[test]
    fn a_run_from_the_settled_prefix_is_one_multiple_ack() {
        let mut s = Settled::default();
        assert_eq!(s.acks_for(&[1, 2, 3]), vec![(3, true)]);
        assert_eq!(s.through(), 3);
        assert_eq!(s.acks_for(&[4]), vec![(4, false)]);
    }

    #[test]
    fn a_delivery_still_running_stops_the_multiple_ack_below_it() {
        let mut s = Settled::default();
        // 3 still runs: 1 and 2 together, 4 and 5 one by one.
        assert_eq!(s.acks_for(&[1, 2, 4, 5]), vec![(2, true), (4, false), (5, false)]);
        assert_eq!(s.through(), 2);
        // 3 ends: everything through 5 is settled.
        assert_eq!(s.acks_for(&[3]), vec![(3, false)]);
        assert_eq!((s.through(), s.unsettled.len()), (5, 0));
    }

    #[test]
    fn tags_settled_elsewhere_are_stepped_over_never_acked() {
        // 2 was requeued by a nack: a run 1, 3 reaches past it, and acks 3 (not 2).
        let mut s = settled(&[2]);
        assert_eq!(s.acks_for(&[1, 3]), vec![(3, true)]);
        assert_eq!(s.through(), 3);
        // Nothing written below a gap: single acks only.
        let mut s = settled(&[]);
        assert_eq!(s.acks_for(&[2, 3]), vec![(2, false), (3, false)]);
        assert_eq!(s.through(), 0);
        s.mark(1);
        assert_eq!(s.through(), 3);
    }

    #[test]
    fn one_long_delivery_keeps_only_itself_on_record_while_later_ones_settle() {
        let mut s = Settled::default();
        for tag in 2..=100_000 {
            s.mark(tag);
        }
        assert_eq!((s.through(), s.unsettled.len()), (0, 1));
        assert_eq!(s.acks_for(&[1]), vec![(1, false)]);
        assert_eq!((s.through(), s.unsettled.len()), (100_000, 0));
    }
}
