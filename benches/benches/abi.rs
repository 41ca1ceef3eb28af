//! Encode and decode of the guest ABI's Request and Response.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use updraft_abi::{decode, encode, Request, Response};

fn request(body: usize) -> Request {
    Request {
        method: "POST".into(),
        path: "/orders/42".into(),
        query: "expand=items".into(),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("user-agent".into(), "bench/1.0".into()),
            ("accept".into(), "*/*".into()),
        ],
        body: vec![b'x'; body],
        invocation_id: "0123456789abcdef0123456789abcdef".into(),
        user: None,
    }
}

fn abi(c: &mut Criterion) {
    let mut group = c.benchmark_group("abi");
    for body in [0usize, 1024, 64 * 1024] {
        let req = request(body);
        let bytes = encode(&req).unwrap();
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(BenchmarkId::new("encode_request", body), &req, |b, req| b.iter(|| encode(req).unwrap()));
        group.bench_with_input(BenchmarkId::new("decode_request", body), &bytes, |b, bytes| {
            b.iter(|| decode::<Request>(bytes).unwrap())
        });
    }
    let resp = Response { status: 200, headers: vec![("content-type".into(), "text/plain".into())], body: b"Hello, world!\n".to_vec() };
    let bytes = encode(&resp).unwrap();
    group.bench_function("decode_response_small", |b| b.iter(|| decode::<Response>(&bytes).unwrap()));
    group.finish();
}

criterion_group!(benches, abi);
criterion_main!(benches);
