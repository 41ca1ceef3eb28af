//! A consumer per granted function: pulls a delivery only when a slot is free.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use tokio::sync::{watch, Notify, Semaphore};
use futures::future::BoxFuture;
use updraft_broker::{BrokerError, FunctionKey, InlineConsumer, Invocation, Reply};

use crate::Worker;

/// The running consumer of one function's queue on this worker.
pub(crate) struct Consumer {
    slots: Arc<AtomicU32>,
    semaphore: Arc<Semaphore>,
    stop: watch::Sender<bool>,
    tracker: Arc<Tracker>,
}

/// Counts invocations in flight and the consumer loop itself.
#[derive(Default)]
struct Tracker {
    running: AtomicU32,
    idle: Notify,
}

impl Tracker {
    fn enter(&self) {
        self.running.fetch_add(1, Ordering::SeqCst);
    }

    fn leave(&self) {
        if self.running.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.idle.notify_waiters();
        }
    }
}

impl Consumer {
    pub(crate) async fn start(worker: Worker, function: FunctionKey, slots: u32) -> Result<Consumer, BrokerError> {
        let mut stream = worker.inner.deps.broker.consume(&function, slots).await?;
        let semaphore = Arc::new(Semaphore::new(slots as usize));
        let (stop, mut stopped) = watch::channel(false);
        let tracker = Arc::new(Tracker::default());
        tracker.enter(); // the loop itself
        let consumer = Consumer { slots: Arc::new(AtomicU32::new(slots)), semaphore: semaphore.clone(), stop, tracker: tracker.clone() };
        let inline = Inline { worker: worker.clone(), semaphore: semaphore.clone(), tracker: tracker.clone() };
        worker.inner.deps.broker.attach_inline(&function, Arc::new(inline));
        tokio::spawn(async move {
            loop {
                let permit = tokio::select! {
                    permit = semaphore.clone().acquire_owned() => match permit { Ok(p) => p, Err(_) => break },
                    _ = stopped.changed() => break,
                };
                let delivery = tokio::select! {
                    delivery = stream.next() => match delivery { Some(d) => d, None => break },
                    _ = stopped.changed() => break,
                };
                tracker.enter();
                let (worker, tracker) = (worker.clone(), tracker.clone());
                tokio::spawn(async move {
                    worker.handle(delivery).await;
                    drop(permit);
                    tracker.leave();
                });
            }
            stream.close().await;
            tracing::debug!(%function, "consumer stopped");
            tracker.leave();
        });
        Ok(consumer)
    }

    /// Changes how many invocations may run at once.
    pub(crate) fn resize(&self, slots: u32) {
        let old = self.slots.swap(slots, Ordering::SeqCst);
        if slots > old {
            self.semaphore.add_permits((slots - old) as usize);
        } else if slots < old {
            let semaphore = self.semaphore.clone();
            tokio::spawn(async move {
                if let Ok(permits) = semaphore.acquire_many_owned(old - slots).await {
                    permits.forget();
                }
            });
        }
    }

    /// Slots granted now.
    pub(crate) fn slots(&self) -> u32 {
        self.slots.load(Ordering::SeqCst)
    }

    /// Invocations of this function running now.
    pub(crate) fn in_flight(&self) -> u32 {
        // The consumer loop itself is counted while it runs.
        self.tracker.running.load(Ordering::SeqCst).saturating_sub(1)
    }

    /// Stops pulling new deliveries.
    pub(crate) fn stop(&self) {
        let _ = self.stop.send(true);
    }

    /// Resolves when the loop has ended and nothing is in flight.
    pub(crate) async fn finished(&self) {
        loop {
            let idle = self.tracker.idle.notified();
            if self.tracker.running.load(Ordering::SeqCst) == 0 {
                return;
            }
            idle.await;
        }
    }
}

/// Runs an invocation in the caller's task when this consumer has a free slot.
struct Inline {
    worker: Worker,
    semaphore: Arc<Semaphore>,
    tracker: Arc<Tracker>,
}

impl InlineConsumer for Inline {
    fn try_run(&self, invocation: Invocation) -> Result<BoxFuture<'static, Reply>, Box<Invocation>> {
        let Ok(permit) = self.semaphore.clone().try_acquire_owned() else {
            return Err(Box::new(invocation));
        };
        self.tracker.enter();
        let (worker, tracker) = (self.worker.clone(), self.tracker.clone());
        Ok(Box::pin(async move {
            // Leaves the tracker even if the caller gives up and drops this future.
            let _left = Leave(tracker);
            let reply = worker.execute(&invocation).await;
            drop(permit);
            reply
        }))
    }
}

struct Leave(Arc<Tracker>);

impl Drop for Leave {
    fn drop(&mut self) {
        self.0.leave();
    }
}
