//! A worker's consumption of one function queue: manual acks, prefetch = granted slots
//! (consumed anew when the grant changes), re-subscribed after a reconnect. Deliveries of
//! a lost connection cannot be settled; RabbitMQ redelivers them (at least once).

use std::collections::VecDeque;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use async_trait::async_trait;
use futures::{FutureExt, StreamExt};
use lapin::options::{BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions, BasicPublishOptions};
use lapin::types::{FieldTable, ShortString};
use lapin::{BasicProperties, Channel};

use super::acks::AckAfterReply;
use super::link::{unavailable, Link, Session};
use super::{decode, encode, topology};
use crate::{BrokerError, Delivery, DeliveryHandle, DeliveryStream, FunctionKey, Invocation, Reply};

/// Deliveries of one function queue.
pub(crate) struct FunctionConsumer {
    link: Arc<Link>,
    function: FunctionKey,
    slots: u16,
    live: Option<Live>,
}

struct Live {
    session: Arc<Session>,
    /// Shared with the handles of its deliveries (an `Arc` clone is one count; a lapin
    /// `Channel` clone is a dozen).
    channel: Arc<Channel>,
    consumer: lapin::Consumer,
    /// Deliveries a consumer replaced by a grant change had received but not handed over;
    /// they belong to the same channel and go out before the new consumer's.
    backlog: VecDeque<lapin::message::Delivery>,
    /// Acknowledges deliveries whose replies are written.
    acks: AckAfterReply,
}

impl FunctionConsumer {
    pub(crate) fn new(link: Arc<Link>, function: FunctionKey, slots: u32) -> FunctionConsumer {
        FunctionConsumer { link, function, slots: prefetch(slots), live: None }
    }

    async fn subscribe(&self) -> Result<Live, BrokerError> {
        let session = self.link.wait().await;
        let channel = session.channel().await?;
        topology::declare_function(&channel, &self.function).await.map_err(unavailable)?;
        let consumer = start_consumer(&channel, &self.function, self.slots).await?;
        let channel = Arc::new(channel);
        let acks = AckAfterReply::start(channel.clone(), session.pending_acks.clone());
        Ok(Live { session, channel, consumer, backlog: VecDeque::new(), acks })
    }

    /// Replaces the live consumer by one with the current prefetch, on the same channel:
    /// RabbitMQ applies a per-consumer prefetch only to consumers started after it is set.
    /// Deliveries taken before keep their tags and settle on the channel as before; those
    /// the old consumer received but did not hand over join the backlog.
    async fn consume_anew(&mut self) -> Result<(), BrokerError> {
        let Some(live) = &mut self.live else { return Ok(()) };
        let fresh = start_consumer(&live.channel, &self.function, self.slots).await?;
        let mut old = std::mem::replace(&mut live.consumer, fresh);
        live.channel.basic_cancel(old.tag(), BasicCancelOptions::default()).await.map_err(unavailable)?;
        // The cancel-ok follows every delivery to the old consumer: all are received now.
        while let Some(Some(Ok(delivery))) = old.next().now_or_never() {
            live.backlog.push_back(delivery);
        }
        Ok(())
    }
}

/// Sets the prefetch of consumers started next on `channel`, then starts one on `function`'s
/// queue.
async fn start_consumer(channel: &Channel, function: &FunctionKey, prefetch: u16) -> Result<lapin::Consumer, BrokerError> {
    channel.basic_qos(prefetch, BasicQosOptions::default()).await.map_err(unavailable)?;
    let queue = topology::function_queue(function);
    channel
        .basic_consume(queue.as_str().into(), "".into(), BasicConsumeOptions::default(), FieldTable::default())
        .await
        .map_err(unavailable)
}

/// Slots as an AMQP prefetch count (at least 1).
fn prefetch(slots: u32) -> u16 {
    slots.clamp(1, u16::MAX as u32) as u16
}

#[async_trait]
impl DeliveryStream for FunctionConsumer {
    async fn next(&mut self) -> Option<Delivery> {
        loop {
            let live = match &mut self.live {
                Some(live) => live,
                None => match self.subscribe().await {
                    Ok(live) => self.live.insert(live),
                    Err(error) => {
                        tracing::debug!(function = %self.function, %error, "cannot consume yet");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        continue;
                    }
                },
            };
            let next = match live.backlog.pop_front() {
                Some(delivery) => Some(Ok(delivery)),
                None => live.consumer.next().await,
            };
            match next {
                Some(Ok(delivery)) => {
                    let Ok(invocation) = decode::<Invocation>(&delivery.data) else {
                        tracing::warn!(function = %self.function, "dropping an undecodable invocation message");
                        let rejected = delivery.acker.nack(BasicNackOptions { requeue: false, ..Default::default() }).await;
                        if rejected.is_ok() {
                            live.acks.settled(delivery.delivery_tag);
                        }
                        continue;
                    };
                    let handle = AmqpHandle {
                        session: live.session.clone(),
                        channel: live.channel.clone(),
                        delivery_tag: delivery.delivery_tag,
                        reply_to: delivery.properties.reply_to().clone(),
                        correlation_id: delivery.properties.correlation_id().clone(),
                        acks: live.acks.clone(),
                    };
                    return Some(Delivery { invocation, handle: Box::new(handle) });
                }
                _ => {
                    self.live = None;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    async fn set_slots(&mut self, slots: u32) {
        let slots = prefetch(slots);
        if slots == self.slots {
            return;
        }
        self.slots = slots;
        if let Err(error) = self.consume_anew().await {
            // The channel is gone: its deliveries come again, to a consumer started afresh
            // (with the new prefetch) by the next call of `next`.
            tracing::debug!(function = %self.function, %error, "re-consuming after a grant change failed");
            self.live = None;
        }
    }

    async fn close(&mut self) {
        let Some(mut live) = self.live.take() else { return };
        let tag = live.consumer.tag();
        if live.channel.basic_cancel(tag, BasicCancelOptions::default()).await.is_err() {
            return;
        }
        // Prefetched deliveries nobody started go back to the queue for other workers.
        let requeue = BasicNackOptions { requeue: true, ..Default::default() };
        for delivery in live.backlog.drain(..) {
            let _ = delivery.acker.nack(requeue).await;
        }
        while let Ok(Some(Ok(delivery))) = tokio::time::timeout(Duration::from_millis(200), live.consumer.next()).await {
            let _ = delivery.acker.nack(requeue).await;
        }
    }
}

struct AmqpHandle {
    session: Arc<Session>,
    /// The delivery's channel, which settles it. Held until then: lapin closes a channel
    /// when its last handle goes, and RabbitMQ requeues what a closed channel had not
    /// settled, so a consumer stopped (revoke, drain) while this delivery ran would have it
    /// run a second time elsewhere.
    channel: Arc<Channel>,
    /// Settled on `channel` directly: lapin's `Acker` routes every ack through its
    /// internal RPC task and a spawned future, two more task wake-ups per call.
    delivery_tag: u64,
    reply_to: Option<ShortString>,
    correlation_id: Option<ShortString>,
    /// Acks a replied delivery once its reply is written (and holds `channel` until then).
    acks: AckAfterReply,
}

#[async_trait]
impl DeliveryHandle for AmqpHandle {
    async fn reply(self: Box<Self>, reply: Reply) -> Result<(), BrokerError> {
        let this = *self;
        let (Some(queue), Some(id)) = (this.reply_to, this.correlation_id) else {
            // Nobody waits for a reply: settle now. The first poll queues the frame (or
            // fails on a closed channel, and RabbitMQ redelivers).
            return match this.channel.basic_ack(this.delivery_tag, BasicAckOptions::default()).now_or_never() {
                Some(Err(error)) => Err(unavailable(error)),
                _ => {
                    this.acks.settled(this.delivery_tag);
                    Ok(())
                }
            };
        };
        let properties = BasicProperties::default().with_correlation_id(id);
        let payload = encode(&reply)?;
        let session = this.session.clone();
        let mut publish = async move {
            let options = BasicPublishOptions::default();
            session.publisher.basic_publish("".into(), queue, options, &payload, properties).await.map(drop)
        }
        .boxed();
        // The first poll queues the reply's frames, or fails on a closed channel; then
        // the ack waits for them to be written, in the channel's acknowledging task.
        match futures::poll!(&mut publish) {
            // Not acked: the call will be redelivered if the caller still waits.
            Poll::Ready(Err(error)) => Err(unavailable(error)),
            Poll::Ready(Ok(())) => {
                this.acks.after(this.delivery_tag, futures::future::ready(Ok(())).boxed());
                Ok(())
            }
            Poll::Pending => {
                this.acks.after(this.delivery_tag, publish);
                Ok(())
            }
        }
    }

    async fn ack(self: Box<Self>) -> Result<(), BrokerError> {
        self.channel.basic_ack(self.delivery_tag, BasicAckOptions::default()).await.map_err(unavailable)?;
        self.acks.settled(self.delivery_tag);
        Ok(())
    }

    async fn requeue(self: Box<Self>, _invocation: Invocation) -> Result<(), BrokerError> {
        let requeue = BasicNackOptions { requeue: true, ..Default::default() };
        self.channel.basic_nack(self.delivery_tag, requeue).await.map_err(unavailable)?;
        self.acks.settled(self.delivery_tag);
        Ok(())
    }
}
