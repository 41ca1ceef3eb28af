//! Long-lived consumers that survive reconnects: broadcast subscriptions (control,
//! heartbeats: a private queue per subscriber) and work queues (results, logs, RPC),
//! where each message is acknowledged only after it was handled.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicQosOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;

use super::decode;
use super::link::{unavailable, Link};
use crate::BrokerError;

/// Every message published to `exchange` after the subscription, decoded.
pub(crate) fn broadcast<T: DeserializeOwned + Send + 'static>(link: Arc<Link>, exchange: &'static str) -> mpsc::Receiver<T> {
    let (tx, rx) = mpsc::channel(1024);
    tokio::spawn(async move {
        loop {
            let session = link.wait().await;
            let result: Result<(), BrokerError> = async {
                let channel = session.channel().await?;
                let options = QueueDeclareOptions { exclusive: true, auto_delete: true, ..QueueDeclareOptions::default() };
                let queue = channel.queue_declare("".into(), options, FieldTable::default()).await.map_err(unavailable)?;
                let name = queue.name().clone();
                channel
                    .queue_bind(name.clone(), exchange.into(), "#".into(), QueueBindOptions::default(), FieldTable::default())
                    .await
                    .map_err(unavailable)?;
                let consume = BasicConsumeOptions { no_ack: true, ..BasicConsumeOptions::default() };
                let mut consumer = channel.basic_consume(name, "".into(), consume, FieldTable::default()).await.map_err(unavailable)?;
                while let Some(Ok(delivery)) = consumer.next().await {
                    match decode::<T>(&delivery.data) {
                        Ok(message) => {
                            if tx.send(message).await.is_err() {
                                return Ok(());
                            }
                        }
                        Err(error) => tracing::warn!(exchange, %error, "undecodable broadcast message"),
                    }
                }
                Ok(())
            }
            .await;
            if tx.is_closed() {
                return;
            }
            if let Err(error) = result {
                tracing::debug!(exchange, %error, "subscription lost");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    rx
}

/// Consumes a durable work queue with `prefetch` unacknowledged messages; `handle` runs
/// for each (concurrently up to `prefetch`), then the message is acknowledged.
pub(crate) fn work_queue<F, Fut>(link: Arc<Link>, queue: &'static str, prefetch: u16, handle: F)
where
    F: Fn(Delivery) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let handle = Arc::new(handle);
    tokio::spawn(async move {
        loop {
            let session = link.wait().await;
            let result: Result<(), BrokerError> = async {
                let channel = session.channel().await?;
                channel.basic_qos(prefetch, BasicQosOptions::default()).await.map_err(unavailable)?;
                let mut consumer = channel
                    .basic_consume(queue.into(), "".into(), BasicConsumeOptions::default(), FieldTable::default())
                    .await
                    .map_err(unavailable)?;
                while let Some(Ok(delivery)) = consumer.next().await {
                    let handle = handle.clone();
                    tokio::spawn(async move {
                        let acker = delivery.acker.clone();
                        handle(delivery).await;
                        if let Err(error) = acker.ack(BasicAckOptions::default()).await {
                            tracing::debug!(queue, %error, "ack failed; the message will be redelivered");
                        }
                    });
                }
                Ok(())
            }
            .await;
            if let Err(error) = result {
                tracing::debug!(queue, %error, "consumer lost");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
}
