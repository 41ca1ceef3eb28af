//! Async invocations: the outcome is published (with a retry after backoff, or a dead
//! letter after the last attempt) before the delivery is acknowledged, so a crash
//! anywhere means the invocation runs again rather than vanishing.

use updraft_broker::{
    BrokerError, DeliveryHandle, FailureKind, Invocation, InvocationResult, InvocationStatus, Outcome, MAX_ATTEMPTS,
    MESSAGE_VERSION,
};

use crate::Worker;

/// What becomes of an attempt's outcome.
pub(crate) fn next_status(outcome: &Outcome, attempt: u32) -> InvocationStatus {
    match outcome {
        Outcome::Response(_) => InvocationStatus::Succeeded,
        Outcome::Failed(failure) if failure.kind != FailureKind::NotFound && attempt < MAX_ATTEMPTS => {
            InvocationStatus::Failed
        }
        Outcome::Failed(_) => InvocationStatus::DeadLettered,
    }
}

pub(crate) async fn settle_async(worker: &Worker, invocation: Invocation, handle: Box<dyn DeliveryHandle>) {
    let broker = worker.inner.deps.broker.clone();
    let running = InvocationResult {
        version: MESSAGE_VERSION,
        invocation: invocation.clone(),
        status: InvocationStatus::Running,
        outcome: None,
    };
    if let Err(error) = broker.publish_result(running).await {
        tracing::debug!(invocation = %invocation.id, %error, "running status not published");
    }
    let reply = worker.execute(&invocation).await;
    let status = next_status(&reply.outcome, invocation.attempt);
    let published: Result<(), BrokerError> = async {
        match status {
            InvocationStatus::Failed => {
                let step = (invocation.attempt as usize).saturating_sub(1);
                let again = Invocation { attempt: invocation.attempt + 1, ..invocation.clone() };
                broker.retry(again, step).await?;
            }
            InvocationStatus::DeadLettered => broker.dead_letter(invocation.clone()).await?,
            _ => {}
        }
        let result = InvocationResult { version: MESSAGE_VERSION, invocation: invocation.clone(), status, outcome: Some(reply.outcome) };
        broker.publish_result(result).await
    }
    .await;
    let settled = match published {
        Ok(()) => handle.ack().await,
        Err(error) => {
            tracing::warn!(invocation = %invocation.id, %error, "outcome not published; the invocation will run again");
            handle.requeue(invocation.clone()).await
        }
    };
    if let Err(error) = settled {
        tracing::debug!(invocation = %invocation.id, %error, "delivery not settled; it will be redelivered");
    }
}

#[cfg(test)]
mod tests {
    use updraft_broker::{Failure, Outcome};

    use super::*;

    fn failed(kind: FailureKind) -> Outcome {
        Outcome::Failed(Failure { kind, message: String::new() })
    }

    #[test]
    fn retries_are_bounded() {
        let ok = Outcome::Response(updraft_abi::Response::default());
        let table = [
            (ok.clone(), 1, InvocationStatus::Succeeded),
            (ok, 3, InvocationStatus::Succeeded),
            (failed(FailureKind::Guest), 1, InvocationStatus::Failed),
            (failed(FailureKind::Timeout), 2, InvocationStatus::Failed),
            (failed(FailureKind::Guest), 3, InvocationStatus::DeadLettered),
            (failed(FailureKind::Unavailable), 3, InvocationStatus::DeadLettered),
            (failed(FailureKind::NotFound), 1, InvocationStatus::DeadLettered),
        ];
        for (outcome, attempt, expected) in table {
            assert_eq!(next_status(&outcome, attempt), expected, "{outcome:?} at attempt {attempt}");
        }
    }
}
