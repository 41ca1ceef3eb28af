//! Invocation logs into the store: queued without blocking the invocation, written in
//! batches by one task, pruned by age and count so a flooding guest cannot fill the disk.

use std::time::Duration;

use tokio::sync::mpsc;
use updraft_host::{gather_logs, InvocationLogs, LogSink};
use updraft_store::{Db, NewLogLine};

/// Records waiting to be written; past this, new logs are dropped (and counted).
const QUEUE_CAPACITY: usize = 16 * 1024;
/// Most records per write transaction.
const BATCH: usize = 4096;
/// How long the writer gathers records before a write: logs appear at most this late.
const GATHER: Duration = Duration::from_millis(50);
/// How long records are kept.
pub const LOG_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);
/// Most records kept per function.
pub const LOG_RECORDS_PER_FUNCTION: u64 = 100_000;

/// A [`LogSink`] writing to the store.
pub struct StoreLogSink {
    queue: mpsc::Sender<InvocationLogs>,
}

impl StoreLogSink {
    /// Starts the writer task (and hourly pruning) on the current runtime.
    pub fn start(db: Db) -> StoreLogSink {
        let (queue, receiver) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(write_loop(db.clone(), receiver));
        tokio::spawn(prune_loop(db));
        StoreLogSink { queue }
    }
}

impl LogSink for StoreLogSink {
    fn write(&self, logs: InvocationLogs) {
        if self.queue.try_send(logs).is_err() {
            tracing::warn!("log queue full; an invocation's logs were dropped");
        }
    }
}

async fn write_loop(db: Db, mut receiver: mpsc::Receiver<InvocationLogs>) {
    let mut batch = Vec::with_capacity(256);
    while gather_logs(&mut receiver, &mut batch, BATCH, GATHER).await > 0 {
        let lines: Vec<NewLogLine> = batch.drain(..).flat_map(rows).collect();
        let db = db.clone();
        let written = tokio::task::spawn_blocking(move || {
            lines.chunks(BATCH).try_for_each(|chunk| db.insert_logs(chunk))
        })
        .await;
        match written {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::error!(%error, "writing logs failed"),
            Err(error) => tracing::error!(%error, "log writer task failed"),
        }
    }
}

fn rows(logs: InvocationLogs) -> impl Iterator<Item = NewLogLine> {
    let InvocationLogs { app, function, revision, invocation_id, lines } = logs;
    lines.into_iter().map(move |line| NewLogLine {
        app: app.clone(),
        function: function.clone(),
        revision,
        invocation_id: invocation_id.clone(),
        time_us: line.time_us,
        level: line.level as u8,
        message: line.message,
    })
}

async fn prune_loop(db: Db) {
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every.tick().await;
        let db = db.clone();
        let cutoff = updraft_host::unix_micros_now() - LOG_RETENTION.as_micros() as i64;
        let pruned = tokio::task::spawn_blocking(move || db.prune_logs(cutoff, LOG_RECORDS_PER_FUNCTION)).await;
        if let Ok(Err(error)) = pruned {
            tracing::warn!(%error, "pruning logs failed");
        }
    }
}
