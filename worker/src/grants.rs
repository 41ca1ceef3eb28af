//! A consumer per granted function: pulls a delivery only when a slot is free.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::sync::{watch, Semaphore};
use tokio_util::task::TaskTracker;
use futures::future::BoxFuture;
use updraft_broker::{BrokerError, DeliveryStream, FunctionKey, InlineConsumer, Invocation, Reply};

use crate::Worker;

/// What the consumer loop follows: the slots granted, until it is told to stop.
#[derive(Clone, Copy)]
struct Orders {
    slots: u32,
    stop: bool,
}

/// The running consumer of one function's queue on this worker.
pub(crate) struct Consumer {
    semaphore: Arc<Semaphore>,
    /// The slots granted, read by the consumer loop, which sets the queue's prefetch to them.
    orders: watch::Sender<Orders>,
    /// The consumer loop and the invocations in flight.
    tracker: TaskTracker,
}

impl Consumer {
    pub(crate) async fn start(worker: Worker, function: FunctionKey, slots: u32) -> Result<Consumer, BrokerError> {
        let mut stream = worker.inner.deps.broker.consume(&function, slots).await?;
        let semaphore = Arc::new(Semaphore::new(slots as usize));
        let (orders, mut ordered) = watch::channel(Orders { slots, stop: false });
        let tracker = TaskTracker::new();
        let completed = worker.finished_counter(&function);
        let consumer = Consumer { semaphore: semaphore.clone(), orders, tracker: tracker.clone() };
        let inline = Inline { worker: worker.clone(), semaphore: semaphore.clone(), tracker: tracker.clone(), completed: completed.clone() };
        worker.inner.deps.broker.attach_inline(&function, Arc::new(inline));
        let invocations = tracker.clone();
        tracker.spawn(async move {
            // A changed grant changes the prefetch at once, whether a slot is free or not.
            'pulling: loop {
                let permit = tokio::select! {
                    permit = semaphore.clone().acquire_owned() => match permit { Ok(p) => p, Err(_) => break },
                    changed = ordered.changed() => match follow(changed, &mut ordered, &mut stream).await {
                        true => continue,
                        false => break,
                    },
                };
                let delivery = loop {
                    tokio::select! {
                        delivery = stream.next() => match delivery { Some(d) => break d, None => break 'pulling },
                        changed = ordered.changed() => if !follow(changed, &mut ordered, &mut stream).await {
                            break 'pulling;
                        },
                    }
                };
                let (worker, completed) = (worker.clone(), completed.clone());
                // The invocation's state (some 4 KB) goes to the heap once, instead of
                // being copied along each step of spawning the task.
                invocations.spawn(async move {
                    Box::pin(worker.handle(delivery)).await;
                    completed.fetch_add(1, Ordering::Relaxed);
                    drop(permit);
                });
            }
            stream.close().await;
            tracing::debug!(%function, "consumer stopped");
        });
        Ok(consumer)
    }

    /// Changes how many invocations may run at once, and the queue's prefetch with it.
    pub(crate) fn resize(&self, slots: u32) {
        let mut old = slots;
        self.orders.send_if_modified(|orders| {
            old = std::mem::replace(&mut orders.slots, slots);
            old != slots
        });
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
        self.orders.borrow().slots
    }

    /// Invocations of this function running now.
    pub(crate) fn in_flight(&self) -> u32 {
        // The consumer loop itself is counted while it runs.
        (self.tracker.len() as u32).saturating_sub(1)
    }

    /// Stops pulling new deliveries.
    pub(crate) fn stop(&self) {
        self.orders.send_modify(|orders| orders.stop = true);
    }

    /// Resolves when the loop has ended and nothing is in flight.
    pub(crate) async fn finished(&self) {
        self.tracker.close();
        self.tracker.wait().await;
    }
}

/// Applies changed orders to `stream`: false when the loop must stop (told to, or its
/// consumer is gone).
async fn follow(
    changed: Result<(), watch::error::RecvError>,
    orders: &mut watch::Receiver<Orders>,
    stream: &mut Box<dyn DeliveryStream>,
) -> bool {
    if changed.is_err() {
        return false;
    }
    let Orders { slots, stop } = *orders.borrow_and_update();
    if !stop {
        stream.set_slots(slots).await;
    }
    !stop
}

/// Runs an invocation in the caller's task when this consumer has a free slot.
struct Inline {
    worker: Worker,
    semaphore: Arc<Semaphore>,
    tracker: TaskTracker,
    completed: Arc<AtomicU64>,
}

impl InlineConsumer for Inline {
    fn try_run(&self, invocation: Invocation) -> Result<BoxFuture<'static, Reply>, Box<Invocation>> {
        let Ok(permit) = self.semaphore.clone().try_acquire_owned() else {
            return Err(Box::new(invocation));
        };
        // Counted in flight until the future ends, even if the caller gives up and drops it.
        Ok(Box::pin(self.tracker.track_future({
            let (worker, completed) = (self.worker.clone(), self.completed.clone());
            async move {
                let reply = worker.execute(&invocation).await;
                completed.fetch_add(1, Ordering::Relaxed);
                drop(permit);
                reply
            }
        })))
    }
}
