//! The broker over RabbitMQ (cluster mode), with the topology of DESIGN §5.

mod acks;
mod consumer;
mod link;
mod replies;
mod subscribe;
mod topology;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use lapin::options::{BasicPublishOptions, QueueDeclareOptions, QueueDeleteOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::BasicProperties;
use parking_lot::Mutex;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::mpsc;

use self::link::{unavailable, Link, Session};
use self::replies::Replies;
use crate::{
    Broker, BrokerError, ControlMessage, DeliveryStream, FunctionKey, Handler, Heartbeat, Invocation,
    InvocationResult, MailEnvelope, Reply, RpcHandler, RpcService, DEFAULT_QUEUE_CAPACITY,
};

/// How long past an invocation's deadline a caller waits for a reply already under way.
const REPLY_GRACE: Duration = Duration::from_millis(200);
/// Unacknowledged RPC requests one server takes at once.
const RPC_PREFETCH: u16 = 64;

pub(crate) fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, BrokerError> {
    updraft_abi::encode(message).map_err(|e| BrokerError::Codec(e.to_string()))
}

pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, BrokerError> {
    rmp_serde::from_slice(bytes).map_err(|e| BrokerError::Codec(e.to_string()))
}

/// The broker of cluster mode.
pub struct AmqpBroker {
    link: Arc<Link>,
    replies: Arc<Replies>,
    /// Sync calls this process has outstanding per function: the "queue full" count
    /// (function queues carry no arguments, so the broker cannot cap them itself).
    /// A function's counter is made on its first call and kept (a call clones no key).
    outstanding: Mutex<HashMap<FunctionKey, Arc<AtomicUsize>>>,
    capacity: usize,
}

/// One sync call outstanding: its function's count falls when this drops.
struct Outstanding(Arc<AtomicUsize>);

impl Drop for Outstanding {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Headers of a sync call: only its absolute deadline. RabbitMQ decodes the header table of
/// every message it routes and lapin parses it again on delivery: in the cluster bench's
/// raw echo, the two headers of an async attempt cost 3-7% of the rate.
fn sync_headers(invocation: &Invocation) -> FieldTable {
    let mut headers = FieldTable::default();
    headers.insert(topology::DEADLINE_HEADER.into(), AMQPValue::LongLongInt(invocation.deadline_unix_ms as i64));
    headers
}

/// The properties of a sync call with `remaining` time to its deadline (DESIGN §5): the
/// message expires with the deadline, which travels as an absolute header too. Public so
/// that the cluster bench can give its raw echo the same properties.
pub fn sync_call_properties(invocation: &Invocation, remaining: Duration) -> BasicProperties {
    BasicProperties::default()
        .with_expiration(remaining.as_millis().max(1).to_string().into())
        .with_headers(sync_headers(invocation))
}

/// Headers of an async attempt: its deadline and its attempt number.
fn async_headers(invocation: &Invocation) -> FieldTable {
    let mut headers = sync_headers(invocation);
    headers.insert(topology::ATTEMPT_HEADER.into(), AMQPValue::LongUInt(invocation.attempt));
    headers
}

/// Properties of a persistent message.
fn persistent() -> BasicProperties {
    BasicProperties::default().with_delivery_mode(2)
}

impl AmqpBroker {
    /// Starts connecting to `url` (and keeps reconnecting); `name` shows in RabbitMQ.
    pub fn connect(url: &str, name: &str) -> AmqpBroker {
        AmqpBroker::with_capacity(url, name, DEFAULT_QUEUE_CAPACITY)
    }

    /// Like [`AmqpBroker::connect`], with at most `capacity` sync calls waiting per
    /// function from this process.
    pub fn with_capacity(url: &str, name: &str, capacity: usize) -> AmqpBroker {
        let link = Link::start(url, name);
        let replies = Replies::start(link.clone());
        AmqpBroker { link, replies, outstanding: Mutex::new(HashMap::new()), capacity: capacity.max(1) }
    }

    /// Waits until connected (or `timeout`).
    pub async fn wait_connected(&self, timeout: Duration) -> Result<(), BrokerError> {
        tokio::time::timeout(timeout, self.link.wait())
            .await
            .map(drop)
            .map_err(|_| BrokerError::Unavailable("RabbitMQ not reachable".into()))
    }

    fn session(&self) -> Result<Arc<Session>, BrokerError> {
        self.link.current().ok_or_else(|| BrokerError::Unavailable("not connected to RabbitMQ".into()))
    }

    /// Publishes and waits for the broker's confirm.
    async fn publish_confirmed(
        &self,
        exchange: &str,
        routing_key: &str,
        payload: &[u8],
        properties: BasicProperties,
    ) -> Result<(), BrokerError> {
        let session = self.session()?;
        let confirm = session
            .confirmed
            .basic_publish(exchange.into(), routing_key.into(), BasicPublishOptions::default(), payload, properties)
            .await
            .map_err(unavailable)?
            .await
            .map_err(unavailable)?;
        if confirm.is_nack() {
            return Err(BrokerError::Unavailable("RabbitMQ refused the message".into()));
        }
        Ok(())
    }

    async fn publish(&self, exchange: &str, routing_key: &str, payload: &[u8], properties: BasicProperties) -> Result<(), BrokerError> {
        let session = self.session()?;
        session
            .publisher
            .basic_publish(exchange.into(), routing_key.into(), BasicPublishOptions::default(), payload, properties)
            .await
            .map(drop)
            .map_err(unavailable)
    }

    /// Consumes a work queue of MessagePack bodies of `T`; an undecodable one is dropped.
    fn consume_decoded<T: DeserializeOwned + Send + 'static>(
        &self,
        queue: &'static str,
        prefetch: u16,
        handler: Arc<dyn Handler<T>>,
    ) {
        subscribe::work_queue(self.link.clone(), queue, prefetch, move |delivery| {
            let handler = handler.clone();
            async move {
                match decode::<T>(&delivery.data) {
                    Ok(message) => handler.handle(message).await,
                    Err(error) => tracing::warn!(%error, queue, "undecodable message dropped"),
                }
            }
        });
    }

    fn hold(&self, function: &FunctionKey) -> Result<Outstanding, BrokerError> {
        let count = {
            let mut counts = self.outstanding.lock();
            match counts.get(function) {
                Some(count) => count.clone(),
                None => counts.entry(function.clone()).or_default().clone(),
            }
        };
        count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < self.capacity).then_some(n + 1))
            .map_err(|_| BrokerError::QueueFull(function.to_string()))?;
        Ok(Outstanding(count))
    }
}

#[async_trait]
impl Broker for AmqpBroker {
    async fn call(&self, invocation: Invocation) -> Result<Reply, BrokerError> {
        let _held = self.hold(&invocation.function)?;
        let remaining = invocation.deadline().saturating_duration_since(std::time::Instant::now());
        let properties = sync_call_properties(&invocation, remaining);
        let payload = encode(&invocation)?;
        // Straight to the function's queue through the default exchange, which RabbitMQ
        // routes by the queue's name without a binding lookup. A sync call is never
        // dead-lettered or delayed, so it needs nothing of `updraft.invoke`.
        let queue = topology::function_queue(&invocation.function);
        let reply =
            self.replies.request("", &queue, &invocation.id, &payload, properties, remaining + REPLY_GRACE).await?;
        decode(&reply)
    }

    async fn consume(&self, function: &FunctionKey, slots: u32) -> Result<Box<dyn DeliveryStream>, BrokerError> {
        Ok(Box::new(consumer::FunctionConsumer::new(self.link.clone(), function.clone(), slots)))
    }

    async fn queue_depth(&self, function: &FunctionKey) -> Result<u64, BrokerError> {
        let session = self.session()?;
        // A passive declare of a missing queue closes its channel: use a throwaway one.
        let channel = session.channel().await?;
        let options = QueueDeclareOptions { passive: true, ..QueueDeclareOptions::default() };
        let queue = topology::function_queue(function);
        let depth = match channel.queue_declare(queue.as_str().into(), options, FieldTable::default()).await {
            Ok(queue) => u64::from(queue.message_count()),
            Err(_) => 0,
        };
        let _ = channel.close(200, "done".into()).await;
        Ok(depth)
    }

    async fn publish_control(&self, message: ControlMessage) -> Result<(), BrokerError> {
        self.publish_confirmed(topology::CONTROL_EXCHANGE, "control", &encode(&message)?, BasicProperties::default()).await
    }

    async fn subscribe_control(&self) -> Result<mpsc::Receiver<ControlMessage>, BrokerError> {
        Ok(subscribe::broadcast(self.link.clone(), topology::CONTROL_EXCHANGE))
    }

    async fn delete_queue(&self, function: &FunctionKey) -> Result<(), BrokerError> {
        self.outstanding.lock().remove(function);
        let session = self.session()?;
        for queue in [topology::function_queue(function), topology::dead_queue(function)] {
            session.confirmed.queue_delete(queue.as_str().into(), QueueDeleteOptions::default()).await.map_err(unavailable)?;
        }
        Ok(())
    }

    async fn ensure_queue(&self, function: &FunctionKey) -> Result<(), BrokerError> {
        topology::declare_function(&self.session()?.confirmed, function).await.map_err(unavailable)
    }

    async fn enqueue(&self, invocation: Invocation) -> Result<(), BrokerError> {
        let properties = persistent().with_headers(async_headers(&invocation));
        let key = topology::routing_key(&invocation.function);
        self.publish_confirmed(topology::INVOKE_EXCHANGE, &key, &encode(&invocation)?, properties).await
    }

    async fn retry(&self, invocation: Invocation, step: usize) -> Result<(), BrokerError> {
        let step = step.min(crate::RETRY_DELAYS.len() - 1);
        let properties = persistent().with_headers(async_headers(&invocation));
        // The key rides along; when the delay ends the message dead-letters back into
        // the invoke exchange with it.
        let key = topology::routing_key(&invocation.function);
        self.publish_confirmed(&topology::retry_exchange(step), &key, &encode(&invocation)?, properties).await
    }

    async fn dead_letter(&self, invocation: Invocation) -> Result<(), BrokerError> {
        let properties = persistent().with_headers(async_headers(&invocation));
        let key = topology::routing_key(&invocation.function);
        self.publish_confirmed(topology::DEAD_EXCHANGE, &key, &encode(&invocation)?, properties).await
    }

    async fn publish_result(&self, result: InvocationResult) -> Result<(), BrokerError> {
        self.publish_confirmed("", topology::RESULTS_QUEUE, &encode(&result)?, persistent()).await
    }

    async fn consume_results(&self, handler: Arc<dyn Handler<InvocationResult>>) -> Result<(), BrokerError> {
        self.consume_decoded(topology::RESULTS_QUEUE, 64, handler);
        Ok(())
    }

    async fn publish_heartbeat(&self, heartbeat: Heartbeat) -> Result<(), BrokerError> {
        self.publish(topology::HEARTBEAT_EXCHANGE, "", &encode(&heartbeat)?, BasicProperties::default()).await
    }

    async fn subscribe_heartbeats(&self) -> Result<mpsc::Receiver<Heartbeat>, BrokerError> {
        Ok(subscribe::broadcast(self.link.clone(), topology::HEARTBEAT_EXCHANGE))
    }

    async fn publish_logs(&self, logs: Vec<u8>) -> Result<(), BrokerError> {
        self.publish("", topology::LOGS_QUEUE, &logs, BasicProperties::default()).await
    }

    async fn consume_logs(&self, handler: Arc<dyn Handler<Vec<u8>>>) -> Result<(), BrokerError> {
        subscribe::work_queue(self.link.clone(), topology::LOGS_QUEUE, 16, move |delivery| {
            let handler = handler.clone();
            async move { handler.handle(delivery.data).await }
        });
        Ok(())
    }

    async fn publish_mail(&self, mail: MailEnvelope) -> Result<(), BrokerError> {
        self.publish_confirmed("", topology::MAIL_QUEUE, &encode(&mail)?, persistent()).await
    }

    async fn consume_mail(&self, handler: Arc<dyn Handler<MailEnvelope>>) -> Result<(), BrokerError> {
        self.consume_decoded(topology::MAIL_QUEUE, 16, handler);
        Ok(())
    }

    async fn close(&self) {
        self.link.close().await;
    }

    async fn rpc(&self, service: RpcService, request: Vec<u8>, timeout: Duration) -> Result<Vec<u8>, BrokerError> {
        let id = format!("{:032x}", rand::random::<u128>());
        self.replies.request("", service.queue(), &id, &request, BasicProperties::default(), timeout).await
    }

    async fn serve_rpc(&self, service: RpcService, handler: Arc<dyn RpcHandler>) -> Result<(), BrokerError> {
        let link = self.link.clone();
        subscribe::work_queue(self.link.clone(), service.queue(), RPC_PREFETCH, move |delivery| {
            let (handler, link) = (handler.clone(), link.clone());
            async move {
                let answer = handler.answer(delivery.data).await;
                let (Some(queue), Some(id)) = (delivery.properties.reply_to(), delivery.properties.correlation_id()) else {
                    return;
                };
                let Some(session) = link.current() else { return };
                let properties = BasicProperties::default().with_correlation_id(id.clone());
                let published = session
                    .publisher
                    .basic_publish("".into(), queue.clone(), BasicPublishOptions::default(), &answer, properties)
                    .await;
                if let Err(error) = published {
                    tracing::debug!(%error, "RPC answer not sent");
                }
            }
        });
        Ok(())
    }
}
