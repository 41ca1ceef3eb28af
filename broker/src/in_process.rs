//! The broker of `updraft up`: bounded in-memory queues per function, a broadcast bus
//! for control messages. Same semantics as the RabbitMQ broker for sync calls: a full
//! queue refuses, a reply comes back or the deadline passes.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use parking_lot::Mutex;
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::{
    Broker, BrokerError, ControlMessage, Delivery, DeliveryHandle, DeliveryStream, FunctionKey, Handler, Heartbeat,
    InlineConsumer, Invocation, InvocationResult, MailEnvelope, Reply, RpcHandler, RpcService, RETRY_DELAYS,
};

/// Default most calls waiting per function (DESIGN §7).
pub const DEFAULT_QUEUE_CAPACITY: usize = 1000;

/// How long past its deadline a caller waits for a reply already being produced.
const REPLY_GRACE: Duration = Duration::from_millis(200);

struct Pending {
    invocation: Invocation,
    reply: Option<oneshot::Sender<Reply>>,
}

#[derive(Clone)]
struct Queue {
    sender: async_channel::Sender<Pending>,
    receiver: async_channel::Receiver<Pending>,
    inline: Option<Arc<dyn InlineConsumer>>,
}

/// In-memory broker for one process.
pub struct InProcessBroker {
    queues: Mutex<HashMap<FunctionKey, Queue>>,
    capacity: usize,
    control: broadcast::Sender<ControlMessage>,
    heartbeats: broadcast::Sender<Heartbeat>,
    results: Channel<InvocationResult>,
    logs: Channel<Vec<u8>>,
    mail: Channel<MailEnvelope>,
    rpc: Mutex<HashMap<RpcService, Arc<dyn RpcHandler>>>,
}

/// A queue with one consumer that may attach after messages arrived.
struct Channel<T> {
    sender: mpsc::UnboundedSender<T>,
    receiver: Mutex<Option<mpsc::UnboundedReceiver<T>>>,
}

impl<T: Send + 'static> Channel<T> {
    fn new() -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        Channel { sender, receiver: Mutex::new(Some(receiver)) }
    }

    fn send(&self, message: T) -> Result<(), BrokerError> {
        self.sender.send(message).map_err(|_| BrokerError::Unavailable("consumer gone".into()))
    }

    fn consume(&self, handler: Arc<dyn Handler<T>>) -> Result<(), BrokerError> {
        let mut receiver = self.receiver.lock().take().ok_or_else(|| BrokerError::Unavailable("already consumed".into()))?;
        tokio::spawn(async move {
            while let Some(message) = receiver.recv().await {
                handler.handle(message).await;
            }
        });
        Ok(())
    }
}

impl Default for InProcessBroker {
    fn default() -> Self {
        InProcessBroker::new(DEFAULT_QUEUE_CAPACITY)
    }
}

impl InProcessBroker {
    /// A broker whose function queues hold at most `capacity` waiting calls.
    pub fn new(capacity: usize) -> InProcessBroker {
        let (control, _) = broadcast::channel(1024);
        let (heartbeats, _) = broadcast::channel(1024);
        InProcessBroker {
            queues: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
            control,
            heartbeats,
            results: Channel::new(),
            logs: Channel::new(),
            mail: Channel::new(),
            rpc: Mutex::new(HashMap::new()),
        }
    }

    fn queue(&self, function: &FunctionKey) -> Queue {
        let mut queues = self.queues.lock();
        if let Some(queue) = queues.get(function) {
            return queue.clone();
        }
        let (sender, receiver) = async_channel::bounded(self.capacity);
        let queue = Queue { sender, receiver, inline: None };
        queues.insert(function.clone(), queue.clone());
        queue
    }
}

#[async_trait]
impl Broker for InProcessBroker {
    async fn call(&self, invocation: Invocation) -> Result<Reply, BrokerError> {
        let deadline = invocation.deadline();
        let queue = self.queue(&invocation.function);
        // Fast path: nobody is waiting ahead of this call and a slot is free.
        let invocation = match &queue.inline {
            Some(inline) if queue.sender.is_empty() => match inline.try_run(invocation) {
                Ok(run) => {
                    return tokio::time::timeout_at((deadline + REPLY_GRACE).into(), run)
                        .await
                        .map_err(|_| BrokerError::DeadlineExceeded);
                }
                Err(invocation) => *invocation,
            },
            _ => invocation,
        };
        let (tx, rx) = oneshot::channel();
        match queue.sender.try_send(Pending { invocation, reply: Some(tx) }) {
            Ok(()) => {}
            Err(async_channel::TrySendError::Full(pending)) => {
                return Err(BrokerError::QueueFull(pending.invocation.function.to_string()));
            }
            Err(async_channel::TrySendError::Closed(_)) => return Err(BrokerError::Unavailable("queue closed".into())),
        }
        match tokio::time::timeout_at((deadline + REPLY_GRACE).into(), rx).await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(_)) => Err(BrokerError::Abandoned("the worker dropped the call".into())),
            Err(_) => Err(BrokerError::DeadlineExceeded),
        }
    }

    async fn consume(&self, function: &FunctionKey, _slots: u32) -> Result<Box<dyn DeliveryStream>, BrokerError> {
        // Prefetch is the consumer's own pace: a worker pulls only when it has a free slot.
        let queue = self.queue(function);
        Ok(Box::new(Stream { queue }))
    }

    async fn queue_depth(&self, function: &FunctionKey) -> Result<u64, BrokerError> {
        Ok(self.queues.lock().get(function).map_or(0, |q| q.sender.len() as u64))
    }

    async fn publish_control(&self, message: ControlMessage) -> Result<(), BrokerError> {
        // No subscriber is not an error: nobody needed to hear it.
        let _ = self.control.send(message);
        Ok(())
    }

    async fn subscribe_control(&self) -> Result<mpsc::Receiver<ControlMessage>, BrokerError> {
        Ok(forward(self.control.subscribe()))
    }

    async fn ensure_queue(&self, function: &FunctionKey) -> Result<(), BrokerError> {
        self.queue(function);
        Ok(())
    }

    async fn enqueue(&self, invocation: Invocation) -> Result<(), BrokerError> {
        let queue = self.queue(&invocation.function);
        match queue.sender.try_send(Pending { invocation, reply: None }) {
            Ok(()) => Ok(()),
            Err(async_channel::TrySendError::Full(pending)) => {
                Err(BrokerError::QueueFull(pending.invocation.function.to_string()))
            }
            Err(async_channel::TrySendError::Closed(_)) => Err(BrokerError::Unavailable("queue closed".into())),
        }
    }

    async fn retry(&self, invocation: Invocation, step: usize) -> Result<(), BrokerError> {
        let delay = RETRY_DELAYS.get(step).copied().unwrap_or(RETRY_DELAYS[RETRY_DELAYS.len() - 1]);
        let sender = self.queue(&invocation.function).sender;
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            // A deleted function's queue is closed: the retry goes nowhere, as intended.
            let _ = sender.send(Pending { invocation, reply: None }).await;
        });
        Ok(())
    }

    async fn dead_letter(&self, _invocation: Invocation) -> Result<(), BrokerError> {
        // In one process the dead-letter store is the control plane's database, fed by
        // the `DeadLettered` result the worker publishes next.
        Ok(())
    }

    async fn publish_result(&self, result: InvocationResult) -> Result<(), BrokerError> {
        self.results.send(result)
    }

    async fn consume_results(&self, handler: Arc<dyn Handler<InvocationResult>>) -> Result<(), BrokerError> {
        self.results.consume(handler)
    }

    async fn publish_heartbeat(&self, heartbeat: Heartbeat) -> Result<(), BrokerError> {
        let _ = self.heartbeats.send(heartbeat);
        Ok(())
    }

    async fn subscribe_heartbeats(&self) -> Result<mpsc::Receiver<Heartbeat>, BrokerError> {
        Ok(forward(self.heartbeats.subscribe()))
    }

    async fn publish_logs(&self, logs: Vec<u8>) -> Result<(), BrokerError> {
        self.logs.send(logs)
    }

    async fn consume_logs(&self, handler: Arc<dyn Handler<Vec<u8>>>) -> Result<(), BrokerError> {
        self.logs.consume(handler)
    }

    async fn publish_mail(&self, mail: MailEnvelope) -> Result<(), BrokerError> {
        self.mail.send(mail)
    }

    async fn consume_mail(&self, handler: Arc<dyn Handler<MailEnvelope>>) -> Result<(), BrokerError> {
        self.mail.consume(handler)
    }

    async fn rpc(&self, service: RpcService, request: Vec<u8>, timeout: Duration) -> Result<Vec<u8>, BrokerError> {
        let handler = self.rpc.lock().get(&service).cloned();
        let handler = handler.ok_or_else(|| BrokerError::Unavailable(format!("nobody serves {}", service.queue())))?;
        tokio::time::timeout(timeout, handler.answer(request)).await.map_err(|_| BrokerError::DeadlineExceeded)
    }

    async fn serve_rpc(&self, service: RpcService, handler: Arc<dyn RpcHandler>) -> Result<(), BrokerError> {
        self.rpc.lock().insert(service, handler);
        Ok(())
    }

    fn attach_inline(&self, function: &FunctionKey, consumer: Arc<dyn InlineConsumer>) {
        self.queue(function);
        if let Some(queue) = self.queues.lock().get_mut(function) {
            queue.inline = Some(consumer);
        }
    }

    fn detach_inline(&self, function: &FunctionKey) {
        if let Some(queue) = self.queues.lock().get_mut(function) {
            queue.inline = None;
        }
    }

    async fn delete_queue(&self, function: &FunctionKey) -> Result<(), BrokerError> {
        if let Some(queue) = self.queues.lock().remove(function) {
            queue.sender.close();
        }
        Ok(())
    }
}

/// Forwards a broadcast subscription into an mpsc receiver (the trait's shape).
fn forward<T: Clone + Send + 'static>(mut source: broadcast::Receiver<T>) -> mpsc::Receiver<T> {
    let (tx, rx) = mpsc::channel(1024);
        tokio::spawn(async move {
            loop {
                match source.recv().await {
                    Ok(message) => {
                        if tx.send(message).await.is_err() {
                            break;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "subscriber lagged");
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        });
    rx
}


struct Stream {
    queue: Queue,
}

#[async_trait]
impl DeliveryStream for Stream {
    async fn next(&mut self) -> Option<Delivery> {
        let pending = self.queue.receiver.recv().await.ok()?;
        let handle = Handle { reply: pending.reply, queue: self.queue.sender.clone() };
        Some(Delivery { invocation: pending.invocation, handle: Box::new(handle) })
    }
}

struct Handle {
    reply: Option<oneshot::Sender<Reply>>,
    queue: async_channel::Sender<Pending>,
}

#[async_trait]
impl DeliveryHandle for Handle {
    async fn reply(self: Box<Self>, reply: Reply) -> Result<(), BrokerError> {
        if let Some(tx) = self.reply {
            // The caller may have given up at its deadline; nothing to deliver then.
            let _ = tx.send(reply);
        }
        Ok(())
    }

    async fn ack(self: Box<Self>) -> Result<(), BrokerError> {
        Ok(())
    }

    async fn requeue(self: Box<Self>, invocation: Invocation) -> Result<(), BrokerError> {
        let pending = Pending { invocation, reply: self.reply };
        self.queue.send(pending).await.map_err(|_| BrokerError::Unavailable("queue closed".into()))
    }
}
