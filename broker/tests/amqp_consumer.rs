//! The RabbitMQ broker against a real broker, each test in a vhost of its own: a delivery
//! taken before its consumer stopped (a revoke, a drain) is settled once and never runs
//! twice; replied sync calls are each answered and acknowledged, the acks sent before a
//! close; sync and async calls carry the message properties of DESIGN §5; a function's
//! sync calls past its capacity are refused at once; a changed grant changes how many
//! deliveries a consumer holds at once; calls requeued or still running between replied
//! ones (whose acks a worker coalesces) run again, the replied ones do not.

use std::sync::Arc;
use std::time::Duration;

use updraft_broker::scratch_vhost::ScratchVhost;
use updraft_broker::{unix_ms_after, AmqpBroker, Broker, CallMode, FunctionKey, Invocation, Outcome, Reply, MESSAGE_VERSION};

fn vhost() -> ScratchVhost {
    ScratchVhost::create("updraft-test").expect("a vhost of the test's own")
}

fn invocation(function: &FunctionKey) -> Invocation {
    Invocation {
        version: MESSAGE_VERSION,
        id: format!("{:032x}", rand::random::<u128>()),
        function: function.clone(),
        revision: 1,
        request: updraft_abi::Request { method: "POST".into(), path: "/".into(), ..Default::default() },
        deadline_unix_ms: unix_ms_after(Duration::from_secs(30)),
        attempt: 1,
        depth: 0,
        session_id: None,
        mode: CallMode::Async,
    }
}

#[tokio::test]
async fn a_delivery_running_when_its_consumer_stops_is_acked_and_not_delivered_again() {
    let vhost = vhost();
    let broker = AmqpBroker::connect(&vhost.url(), "updraft-test");
    broker.wait_connected(Duration::from_secs(10)).await.unwrap();
    let function = FunctionKey::new("demo", "counter");
    broker.ensure_queue(&function).await.unwrap();
    broker.enqueue(invocation(&function)).await.unwrap();

    let mut stream = broker.consume(&function, 4).await.unwrap();
    let delivery = tokio::time::timeout(Duration::from_secs(10), stream.next()).await.unwrap().unwrap();
    // The consumer stops while the invocation still runs, as on a revoke or a drain.
    stream.close().await;
    delivery.handle.ack().await.expect("the delivery is acknowledged after its consumer stopped");

    let mut again = broker.consume(&function, 4).await.unwrap();
    let redelivered = tokio::time::timeout(Duration::from_secs(2), again.next()).await;
    assert!(redelivered.is_err(), "the settled invocation was delivered again");
    assert_eq!(broker.queue_depth(&function).await.unwrap(), 0);
}

/// A gateway's and a worker's connection to `vhost`, with `function`'s queue declared.
async fn gateway_and_worker(vhost: &ScratchVhost, function: &FunctionKey) -> (Arc<AmqpBroker>, AmqpBroker) {
    let gateway = Arc::new(AmqpBroker::connect(&vhost.url(), "updraft-test-gateway"));
    let worker = AmqpBroker::connect(&vhost.url(), "updraft-test-worker");
    gateway.wait_connected(Duration::from_secs(10)).await.unwrap();
    worker.wait_connected(Duration::from_secs(10)).await.unwrap();
    gateway.ensure_queue(function).await.unwrap();
    (gateway, worker)
}

type SyncCall = tokio::task::JoinHandle<Result<Reply, updraft_broker::BrokerError>>;

/// `count` sync calls of `function` from `gateway`, call `n` with the path `/n`.
fn sync_calls(gateway: &Arc<AmqpBroker>, function: &FunctionKey, count: usize) -> Vec<SyncCall> {
    (0..count)
        .map(|n| {
            let (caller, mut call) = (gateway.clone(), invocation(function));
            call.mode = CallMode::Sync;
            call.request.path = format!("/{n}");
            tokio::spawn(async move { caller.call(call).await })
        })
        .collect()
}

/// Waits for every call of [`sync_calls`]: each is answered with its own path.
async fn each_got_its_own_reply(calls: Vec<SyncCall>) {
    for (n, call) in calls.into_iter().enumerate() {
        let reply = tokio::time::timeout(Duration::from_secs(10), call).await.unwrap().unwrap().expect("answered");
        let Outcome::Response(response) = reply.outcome else { panic!("call {n} failed") };
        assert_eq!(response.body.as_slice(), format!("/{n}").as_bytes(), "call {n} got its own reply");
    }
}

/// Replies to `delivery` with its request's path as the body.
async fn reply_with_path(delivery: updraft_broker::Delivery) {
    let body = delivery.invocation.request.path.clone().into_bytes();
    let response = updraft_abi::Response { status: 200, body, ..Default::default() };
    let reply = Reply { version: MESSAGE_VERSION, outcome: Outcome::Response(response), cold: false, duration_us: 1 };
    delivery.handle.reply(reply).await.expect("the reply is sent");
}

#[tokio::test]
async fn a_worker_closing_right_after_its_replies_has_sent_each_reply_and_then_its_ack() {
    let vhost = vhost();
    let function = FunctionKey::new("demo", "burst");
    let (gateway, worker) = gateway_and_worker(&vhost, &function).await;
    let calls = sync_calls(&gateway, &function, 50);
    let mut stream = worker.consume(&function, 64).await.unwrap();
    for _ in 0..50 {
        let delivery = tokio::time::timeout(Duration::from_secs(10), stream.next()).await.unwrap().unwrap();
        reply_with_path(delivery).await;
    }
    // The worker stops at once, its replies and acks perhaps still queued: the close goes
    // out after them. A reply lost in the close would leave its caller waiting; an ack
    // lost would have RabbitMQ put the call back in the queue to run again.
    stream.close().await;
    worker.close().await;
    each_got_its_own_reply(calls).await;
    let mut again = gateway.consume(&function, 64).await.unwrap();
    assert!(tokio::time::timeout(Duration::from_secs(2), again.next()).await.is_err(), "a replied call was delivered again");
    assert_eq!(gateway.queue_depth(&function).await.unwrap(), 0);
}

/// The next message of `function`'s queue, read with a plain AMQP client as any
/// RabbitMQ tool would see it.
async fn next_message(url: &str, function: &FunctionKey) -> lapin::message::BasicGetMessage {
    let connection = lapin::Connection::connect(url, lapin::ConnectionProperties::default()).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    let queue = format!("updraft.fn.{}.{}", function.app, function.function);
    for _ in 0..100 {
        let options = lapin::options::BasicGetOptions { no_ack: true };
        if let Some(message) = channel.basic_get(queue.as_str().into(), options).await.unwrap() {
            return message;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no message reached {queue}");
}

fn header(properties: &lapin::BasicProperties, name: &str) -> Option<lapin::types::AMQPValue> {
    properties.headers().as_ref()?.inner().get(name).cloned()
}

#[tokio::test]
async fn sync_and_async_calls_carry_the_message_properties_of_the_topology() {
    use lapin::types::AMQPValue;
    let vhost = vhost();
    let broker = Arc::new(AmqpBroker::connect(&vhost.url(), "updraft-test"));
    broker.wait_connected(Duration::from_secs(10)).await.unwrap();
    let function = FunctionKey::new("demo", "props");
    broker.ensure_queue(&function).await.unwrap();

    // A sync call nobody serves: its message waits in the queue until its deadline.
    let mut sync = invocation(&function);
    sync.mode = CallMode::Sync;
    sync.deadline_unix_ms = unix_ms_after(Duration::from_secs(20));
    let deadline = sync.deadline_unix_ms;
    let caller = broker.clone();
    let call = tokio::spawn(async move { caller.call(sync).await });
    let message = next_message(&vhost.url(), &function).await;
    let properties = &message.delivery.properties;
    assert_ne!(*properties.delivery_mode(), Some(2), "a sync call is not persistent");
    let ttl: u64 = properties.expiration().as_ref().expect("a sync call expires").as_str().parse().unwrap();
    assert!((1..=20_000).contains(&ttl), "expiration {ttl} ms is the time left to the deadline");
    assert!(properties.reply_to().is_some() && properties.correlation_id().is_some());
    assert_eq!(header(properties, "x-updraft-deadline-ms"), Some(AMQPValue::LongLongInt(deadline as i64)));
    assert_eq!(header(properties, "x-updraft-attempt"), None, "sync calls are never retried");
    call.abort();

    // An async call: persistent, with its deadline and attempt number.
    let queued = invocation(&function);
    broker.enqueue(queued.clone()).await.unwrap();
    let message = next_message(&vhost.url(), &function).await;
    let properties = &message.delivery.properties;
    assert_eq!(*properties.delivery_mode(), Some(2), "an async call is persistent");
    assert_eq!(header(properties, "x-updraft-deadline-ms"), Some(AMQPValue::LongLongInt(queued.deadline_unix_ms as i64)));
    assert_eq!(header(properties, "x-updraft-attempt"), Some(AMQPValue::LongUInt(1)));
}

#[tokio::test]
async fn sync_calls_past_a_functions_capacity_are_refused_at_once_and_taken_again_when_one_ends() {
    use updraft_broker::BrokerError;
    let vhost = vhost();
    let broker = Arc::new(AmqpBroker::with_capacity(&vhost.url(), "updraft-test", 2));
    broker.wait_connected(Duration::from_secs(10)).await.unwrap();
    let (busy, other) = (FunctionKey::new("demo", "busy"), FunctionKey::new("demo", "other"));
    for function in [&busy, &other] {
        broker.ensure_queue(function).await.unwrap();
    }
    // Calls nobody serves wait for their deadlines: two fill `busy`'s capacity.
    let waiting = |deadline: Duration| {
        let mut call = invocation(&busy);
        call.mode = CallMode::Sync;
        call.deadline_unix_ms = unix_ms_after(deadline);
        let caller = broker.clone();
        tokio::spawn(async move { caller.call(call).await })
    };
    let short = waiting(Duration::from_secs(1));
    let long = waiting(Duration::from_secs(20));
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut third = invocation(&busy);
    third.mode = CallMode::Sync;
    let refused = tokio::time::timeout(Duration::from_secs(2), broker.call(third.clone())).await.expect("refused at once");
    assert!(matches!(refused, Err(BrokerError::QueueFull(_))), "{refused:?}");
    // Another function has capacity of its own.
    let mut elsewhere = invocation(&other);
    elsewhere.mode = CallMode::Sync;
    elsewhere.deadline_unix_ms = unix_ms_after(Duration::from_millis(500));
    assert!(matches!(broker.call(elsewhere).await, Err(BrokerError::DeadlineExceeded)));

    // The short call ends at its deadline and frees its place.
    assert!(matches!(short.await.unwrap(), Err(BrokerError::DeadlineExceeded)));
    third.deadline_unix_ms = unix_ms_after(Duration::from_millis(500));
    assert!(matches!(broker.call(third).await, Err(BrokerError::DeadlineExceeded)), "taken, then timed out");
    long.abort();
}

/// Deliveries `stream` hands over within `wait`, at most `most`.
async fn take(stream: &mut Box<dyn updraft_broker::DeliveryStream>, most: usize, wait: Duration) -> Vec<updraft_broker::Delivery> {
    let mut taken = Vec::new();
    while taken.len() < most {
        match tokio::time::timeout(wait, stream.next()).await {
            Ok(Some(delivery)) => taken.push(delivery),
            _ => break,
        }
    }
    taken
}

#[tokio::test]
async fn a_changed_grant_changes_how_many_deliveries_a_consumer_holds_at_once() {
    let vhost = vhost();
    let broker = AmqpBroker::connect(&vhost.url(), "updraft-test");
    broker.wait_connected(Duration::from_secs(10)).await.unwrap();
    let function = FunctionKey::new("demo", "scaled");
    broker.ensure_queue(&function).await.unwrap();
    for _ in 0..12 {
        broker.enqueue(invocation(&function)).await.unwrap();
    }
    let short = Duration::from_millis(500);
    let mut stream = broker.consume(&function, 2).await.unwrap();
    let mut held = take(&mut stream, 2, Duration::from_secs(10)).await;
    assert_eq!(held.len(), 2);
    assert!(take(&mut stream, 1, short).await.is_empty(), "a grant of 2 slots holds 2 deliveries");

    // The grant grows to 6 while the first two still run: more come. RabbitMQ counts a
    // consumer's prefetch against its own deliveries, so the consumer that replaces the
    // first one may take 6 beside the 2 still running.
    stream.set_slots(6).await;
    held.extend(take(&mut stream, 12, short).await);
    assert!((6..=8).contains(&held.len()), "a grant of 6 slots holds 6 deliveries, at most 2 more: {}", held.len());

    // It shrinks to 1. Once all held are settled, one delivery at a time comes.
    stream.set_slots(1).await;
    let mut delivered = held.len();
    for delivery in held.drain(..) {
        delivery.handle.ack().await.unwrap();
    }
    while delivered < 12 {
        let one = take(&mut stream, 2, short).await;
        assert_eq!(one.len(), 1, "a grant of 1 slot holds 1 delivery ({delivered} delivered)");
        for delivery in one {
            delivery.handle.ack().await.unwrap();
        }
        delivered += 1;
    }
    assert!(take(&mut stream, 1, short).await.is_empty(), "every invocation was delivered once");
    stream.close().await;
    assert_eq!(broker.queue_depth(&function).await.unwrap(), 0);
}

#[tokio::test]
async fn calls_requeued_or_still_running_between_replied_ones_run_again_and_the_replied_ones_do_not() {
    let vhost = vhost();
    let function = FunctionKey::new("demo", "mixed");
    let (gateway, worker) = gateway_and_worker(&vhost, &function).await;
    let calls = sync_calls(&gateway, &function, 30);
    let mut stream = worker.consume(&function, 64).await.unwrap();
    let first = take(&mut stream, 30, Duration::from_secs(10)).await;
    assert_eq!(first.len(), 30);

    // Every third delivery goes back to the queue first; then the rest are replied in
    // order, except the fifth, which still runs: a run of replies may be acked with one
    // multiple ack that steps over the requeued ones but must stop below the fifth.
    let (requeue, mut rest): (Vec<_>, Vec<_>) = first.into_iter().enumerate().partition(|(i, _)| i % 3 == 2);
    for (_, delivery) in requeue {
        delivery.handle.requeue(delivery.invocation).await.expect("requeued");
    }
    let (_, running) = rest.remove(3);
    for (_, delivery) in rest {
        reply_with_path(delivery).await;
    }
    // The requeued calls come again, and are replied this time.
    let again = take(&mut stream, 10, Duration::from_secs(10)).await;
    assert_eq!(again.len(), 10, "every requeued call is delivered again");
    for delivery in again {
        reply_with_path(delivery).await;
    }
    // The worker goes while the fifth call runs: it was never acked, so it runs elsewhere.
    let running_path = running.invocation.request.path.clone();
    drop(running);
    stream.close().await;
    worker.close().await;
    let mut elsewhere = gateway.consume(&function, 64).await.unwrap();
    let redelivered = take(&mut elsewhere, 1, Duration::from_secs(10)).await;
    let paths: Vec<_> = redelivered.iter().map(|d| d.invocation.request.path.clone()).collect();
    assert_eq!(paths, [running_path], "the call still running is delivered again");
    for delivery in redelivered {
        reply_with_path(delivery).await;
    }
    each_got_its_own_reply(calls).await;
    assert!(take(&mut elsewhere, 1, Duration::from_secs(1)).await.is_empty(), "a replied call was delivered again");
    elsewhere.close().await;
    assert_eq!(gateway.queue_depth(&function).await.unwrap(), 0);
}
