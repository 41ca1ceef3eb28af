//! Updraft broker: how invocations, replies and control messages travel.
//!
//! This crate owns the [`Broker`] trait — the one seam between the gateway, the scheduler
//! and the workers — the messages that cross it (versioned, MessagePack on the wire), and
//! its implementations: [`InProcessBroker`] for `updraft up`, and [`AmqpBroker`] over
//! RabbitMQ (lapin) for cluster mode. It also defines what a worker asks of the control plane
//! ([`FunctionDirectory`], [`ModuleSource`]), so that both modes serve them their own way.
//!
//! It must not depend on the runtime, the gateway or the scheduler.

mod amqp;
mod directory;
mod error;
mod in_process;
mod messages;
pub mod scratch_vhost;
mod wire;

pub use amqp::{sync_call_properties, AmqpBroker};
pub use directory::{FunctionDirectory, ModuleSource};
pub use error::BrokerError;
pub use in_process::{InProcessBroker, DEFAULT_QUEUE_CAPACITY};
pub use messages::*;
pub use wire::*;

use async_trait::async_trait;

/// A stream of deliveries from one function queue, for a worker.
#[async_trait]
pub trait DeliveryStream: Send {
    /// The next delivery, or `None` once the subscription has ended.
    async fn next(&mut self) -> Option<Delivery>;

    /// Takes up to `slots` deliveries at a time from now on (the grant changed).
    /// Deliveries already returned by `next` stay valid.
    async fn set_slots(&mut self, _slots: u32) {}

    /// Stops consuming; deliveries received but never returned by `next` go back to the
    /// queue. Deliveries already returned can still be settled.
    async fn close(&mut self) {}
}

/// Settles one delivery: replies (sync), acknowledges, or hands it back.
#[async_trait]
pub trait DeliveryHandle: Send + Sync {
    /// Sends `reply` to the caller (sync calls), then acknowledges the delivery, never
    /// before the reply is on its way (over RabbitMQ: once it is written; the ack may be
    /// queued after this returns, and closing the broker waits for it).
    async fn reply(self: Box<Self>, reply: Reply) -> Result<(), BrokerError>;
    /// Acknowledges the delivery (async calls, once their outcome is published).
    async fn ack(self: Box<Self>) -> Result<(), BrokerError>;
    /// Returns the delivery's `invocation` to its queue for another worker (e.g. when
    /// draining before it started).
    async fn requeue(self: Box<Self>, invocation: Invocation) -> Result<(), BrokerError>;
}

/// One invocation taken from a queue, to be settled exactly once.
pub struct Delivery {
    /// The invocation to run.
    pub invocation: Invocation,
    /// How to settle it.
    pub handle: Box<dyn DeliveryHandle>,
}

/// A worker's consumer that can run an invocation in the caller's own task when it has
/// a free slot: the in-process broker's fast path (no queue hop, no task switch).
pub trait InlineConsumer: Send + Sync + 'static {
    /// Runs `invocation` now if a slot is free (the future holds the slot), else hands
    /// it back to be queued.
    fn try_run(&self, invocation: Invocation) -> Result<futures::future::BoxFuture<'static, Reply>, Box<Invocation>>;
}

/// Handles messages a broker consumes on behalf of a component; the message is
/// acknowledged only after `handle` returns, so a crash in between means redelivery.
#[async_trait]
pub trait Handler<T>: Send + Sync + 'static {
    /// Processes one message.
    async fn handle(&self, message: T);
}

/// Answers requests of an RPC service.
#[async_trait]
pub trait RpcHandler: Send + Sync + 'static {
    /// The reply to `request`.
    async fn answer(&self, request: Vec<u8>) -> Vec<u8>;
}

/// The message transport of the platform.
#[async_trait]
pub trait Broker: Send + Sync + 'static {
    /// Sync call: queues `invocation` and waits for a worker's reply until its deadline.
    async fn call(&self, invocation: Invocation) -> Result<Reply, BrokerError>;

    /// Worker side: consumes a function's queue, at most `slots` unsettled at once.
    async fn consume(&self, function: &FunctionKey, slots: u32) -> Result<Box<dyn DeliveryStream>, BrokerError>;

    /// Calls waiting in a function's queue (not yet taken by a worker).
    async fn queue_depth(&self, function: &FunctionKey) -> Result<u64, BrokerError>;

    /// Publishes a control message to every worker and the scheduler.
    async fn publish_control(&self, message: ControlMessage) -> Result<(), BrokerError>;

    /// Subscribes to control messages (those published after the call).
    async fn subscribe_control(&self) -> Result<tokio::sync::mpsc::Receiver<ControlMessage>, BrokerError>;

    /// Deletes a function's queue and whatever waits in it.
    async fn delete_queue(&self, function: &FunctionKey) -> Result<(), BrokerError>;

    /// Makes sure a function's queue exists (so calls to it wait instead of vanishing).
    async fn ensure_queue(&self, function: &FunctionKey) -> Result<(), BrokerError>;

    /// Async call: durably queues `invocation`; returns once the broker has it.
    async fn enqueue(&self, invocation: Invocation) -> Result<(), BrokerError>;

    /// Queues `invocation` again after `RETRY_DELAYS[step]`.
    async fn retry(&self, invocation: Invocation, step: usize) -> Result<(), BrokerError>;

    /// Moves an invocation that used up its attempts to the function's dead letters.
    async fn dead_letter(&self, invocation: Invocation) -> Result<(), BrokerError>;

    /// Reports what became of an async invocation.
    async fn publish_result(&self, result: InvocationResult) -> Result<(), BrokerError>;

    /// Control plane: consumes results (acknowledged after `handler` stored each).
    async fn consume_results(&self, handler: std::sync::Arc<dyn Handler<InvocationResult>>) -> Result<(), BrokerError>;

    /// Worker: reports load to the monitor.
    async fn publish_heartbeat(&self, heartbeat: Heartbeat) -> Result<(), BrokerError>;

    /// Monitor: receives heartbeats published after the call.
    async fn subscribe_heartbeats(&self) -> Result<tokio::sync::mpsc::Receiver<Heartbeat>, BrokerError>;

    /// Worker: ships a batch of invocation logs to the control plane.
    async fn publish_logs(&self, logs: Vec<u8>) -> Result<(), BrokerError>;

    /// Control plane: consumes log batches.
    async fn consume_logs(&self, handler: std::sync::Arc<dyn Handler<Vec<u8>>>) -> Result<(), BrokerError>;

    /// Worker: hands a queued mail ([`MailEnvelope`]) to the control plane; returns once
    /// the broker holds it durably.
    async fn publish_mail(&self, mail: MailEnvelope) -> Result<(), BrokerError>;

    /// Control plane: consumes queued mail (acknowledged after `handler` stored each).
    async fn consume_mail(&self, handler: std::sync::Arc<dyn Handler<MailEnvelope>>) -> Result<(), BrokerError>;

    /// Asks an RPC service; fails after `timeout`.
    async fn rpc(&self, service: RpcService, request: Vec<u8>, timeout: std::time::Duration) -> Result<Vec<u8>, BrokerError>;

    /// Serves an RPC service (in spawned tasks, for as long as the broker lives).
    async fn serve_rpc(&self, service: RpcService, handler: std::sync::Arc<dyn RpcHandler>) -> Result<(), BrokerError>;

    /// Offers a fast path for `function` (see [`InlineConsumer`]); brokers that cross
    /// process boundaries ignore it.
    fn attach_inline(&self, _function: &FunctionKey, _consumer: std::sync::Arc<dyn InlineConsumer>) {}

    /// Withdraws the fast path of `function`.
    fn detach_inline(&self, _function: &FunctionKey) {}

    /// Before the process exits: delivers what is queued for the broker (settlements
    /// among it) and disconnects for good. Nothing to do in one process.
    async fn close(&self) {}
}
