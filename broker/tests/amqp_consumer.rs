//! The RabbitMQ consumer against a real broker, in a vhost of its own: a delivery taken
//! before its consumer stopped (a revoke, a drain) is settled once and never runs twice.

use std::process::{Command, Stdio};
use std::time::Duration;

use updraft_broker::{unix_ms_after, AmqpBroker, Broker, CallMode, FunctionKey, Invocation, MESSAGE_VERSION};

struct Vhost(String);

impl Vhost {
    fn create() -> Vhost {
        let name = format!("updraft-test-{:08x}", rand::random::<u32>());
        for args in [vec!["add_vhost", &name], vec!["set_permissions", "-p", &name, "guest", ".*", ".*", ".*"]] {
            let status = Command::new("rabbitmqctl").args(&args).stdout(Stdio::null()).status().expect("rabbitmqctl");
            assert!(status.success(), "rabbitmqctl {args:?} failed: is RabbitMQ running?");
        }
        Vhost(name)
    }

    fn url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:5672/{}", self.0)
    }
}

impl Drop for Vhost {
    fn drop(&mut self) {
        let _ = Command::new("rabbitmqctl").args(["delete_vhost", &self.0]).stdout(Stdio::null()).status();
    }
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
    let vhost = Vhost::create();
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
