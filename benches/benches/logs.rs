//! Writing invocation logs to the store, as the gateway's log writer does: one summary
//! record per invocation, a transaction per batch. At 16,000 calls a second and a 50 ms
//! gathering window, a batch holds 800 records.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use updraft_store::{Db, NewLogLine};

const BATCH: usize = 800;

/// A batch of summary records of `hello`, with time-ordered invocation ids.
fn batch(start: u64) -> Vec<NewLogLine> {
    (0..BATCH as u64)
        .map(|i| {
            let n = start + i;
            NewLogLine {
                app: "bench".into(),
                function: "hello".into(),
                revision: 1,
                invocation_id: format!("{:012x}{:020x}", n, n.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
                time_us: 1_800_000_000_000_000 + n as i64 * 60,
                level: 2,
                message: "invocation status 200 in 0.031 ms (warm)".into(),
            }
        })
        .collect()
}

fn insert_logs(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(&dir.path().join("updraft.db")).expect("open the store");
    let mut next = 0u64;
    let mut group = c.benchmark_group("logs");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("insert a batch of 800 summary records", |b| {
        b.iter_batched(
            || {
                next += BATCH as u64;
                batch(next)
            },
            |lines| db.insert_logs(&lines).expect("insert"),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, insert_logs);
criterion_main!(benches);
