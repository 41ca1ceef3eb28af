//! Names and declarations of the RabbitMQ topology (DESIGN §5). Every declaration is
//! idempotent: any process may (re)declare what it uses, in any order.

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{Channel, ExchangeKind};

use crate::{FunctionKey, RpcService, RETRY_DELAYS};

/// Direct exchange of invocations, keyed `{app}.{fn}`.
pub(crate) const INVOKE_EXCHANGE: &str = "updraft.invoke";
/// Direct exchange of dead letters, keyed `{app}.{fn}`.
pub(crate) const DEAD_EXCHANGE: &str = "updraft.dead";
/// Topic exchange: control plane -> workers.
pub(crate) const CONTROL_EXCHANGE: &str = "updraft.control";
/// Fanout exchange: workers -> monitor.
pub(crate) const HEARTBEAT_EXCHANGE: &str = "updraft.heartbeat";
/// Queue of async results, for the gateway.
pub(crate) const RESULTS_QUEUE: &str = "updraft.results";
/// Queue of log batches, for the gateway.
pub(crate) const LOGS_QUEUE: &str = "updraft.logs";
/// Queue of mail queued by functions, for the gateway's outbox.
pub(crate) const MAIL_QUEUE: &str = "updraft.mail";
/// Most dead letters kept in a function's dead-letter queue (the store keeps them all).
const DEAD_QUEUE_MAX_LENGTH: i64 = 10_000;

/// Header carrying an invocation's absolute deadline (Unix ms).
pub(crate) const DEADLINE_HEADER: &str = "x-updraft-deadline-ms";
/// Header carrying an invocation's attempt number.
pub(crate) const ATTEMPT_HEADER: &str = "x-updraft-attempt";

pub(crate) fn routing_key(function: &FunctionKey) -> String {
    format!("{}.{}", function.app, function.function)
}

pub(crate) fn function_queue(function: &FunctionKey) -> String {
    format!("updraft.fn.{}.{}", function.app, function.function)
}

pub(crate) fn dead_queue(function: &FunctionKey) -> String {
    format!("updraft.dead.{}.{}", function.app, function.function)
}

/// Exchange (and queue) of retry step `step`.
pub(crate) fn retry_exchange(step: usize) -> String {
    format!("updraft.retry.{step}")
}

fn durable_queue() -> QueueDeclareOptions {
    QueueDeclareOptions { durable: true, ..QueueDeclareOptions::default() }
}

async fn exchange(channel: &Channel, name: &str, kind: ExchangeKind) -> lapin::Result<()> {
    let options = ExchangeDeclareOptions { durable: true, ..ExchangeDeclareOptions::default() };
    channel.exchange_declare(name.into(), kind, options, FieldTable::default()).await
}

/// Everything that does not depend on a function.
pub(crate) async fn declare_base(channel: &Channel) -> lapin::Result<()> {
    exchange(channel, INVOKE_EXCHANGE, ExchangeKind::Direct).await?;
    exchange(channel, DEAD_EXCHANGE, ExchangeKind::Direct).await?;
    exchange(channel, CONTROL_EXCHANGE, ExchangeKind::Topic).await?;
    exchange(channel, HEARTBEAT_EXCHANGE, ExchangeKind::Fanout).await?;
    for queue in [RESULTS_QUEUE, LOGS_QUEUE, MAIL_QUEUE, RpcService::Modules.queue(), RpcService::Services.queue()] {
        channel.queue_declare(queue.into(), durable_queue(), FieldTable::default()).await?;
    }
    // A retry step: a fanout exchange into a queue whose messages, after the step's
    // delay, dead-letter back into the invoke exchange with their original key.
    for (step, delay) in RETRY_DELAYS.iter().enumerate() {
        let name = retry_exchange(step);
        exchange(channel, &name, ExchangeKind::Fanout).await?;
        let mut args = FieldTable::default();
        args.insert("x-message-ttl".into(), AMQPValue::LongLongInt(delay.as_millis() as i64));
        args.insert("x-dead-letter-exchange".into(), AMQPValue::LongString(INVOKE_EXCHANGE.into()));
        channel.queue_declare(name.as_str().into(), durable_queue(), args).await?;
        channel.queue_bind(name.as_str().into(), name.as_str().into(), "".into(), QueueBindOptions::default(), FieldTable::default()).await?;
    }
    Ok(())
}

/// A function's queue (no arguments, so it never conflicts across versions) and its
/// dead-letter queue.
pub(crate) async fn declare_function(channel: &Channel, function: &FunctionKey) -> lapin::Result<()> {
    let key: ShortString = routing_key(function).into();
    let queue = function_queue(function);
    channel.queue_declare(queue.as_str().into(), durable_queue(), FieldTable::default()).await?;
    channel.queue_bind(queue.as_str().into(), INVOKE_EXCHANGE.into(), key.clone(), QueueBindOptions::default(), FieldTable::default()).await?;
    let dead = dead_queue(function);
    let mut args = FieldTable::default();
    args.insert("x-max-length".into(), AMQPValue::LongLongInt(DEAD_QUEUE_MAX_LENGTH));
    channel.queue_declare(dead.as_str().into(), durable_queue(), args).await?;
    channel.queue_bind(dead.as_str().into(), DEAD_EXCHANGE.into(), key, QueueBindOptions::default(), FieldTable::default()).await?;
    Ok(())
}
