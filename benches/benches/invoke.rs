//! Instantiate + invoke through the runtime (fresh Store, WASI context and instance per
//! call, as in production), no HTTP. Setup is outside `b.iter`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use updraft_host::{CallContext, HostState, LogCollector, ServiceRegistry};
use updraft_runtime::{FunctionModule, InvokeInput, Runtime, RuntimeConfig};

/// The smallest module honouring the ABI: returns a fixed MessagePack Response.
const MINIMAL: &str = r#"(module (memory (export "memory") 1)
    (data (i32.const 1024) "\83\a6status\cc\c8\a7headers\90\a4body\c4\02ok")
    (func (export "updraft_alloc") (param i32) (result i32) i32.const 4096)
    (func (export "updraft_handle") (param i32 i32) (result i64)
        (i64.or (i64.shl (i64.const 1024) (i64.const 32)) (i64.const 28))))"#;

fn input(services: &Arc<ServiceRegistry>, request: &[u8], env: &Arc<[(String, String)]>) -> InvokeInput {
    let deadline = Instant::now() + Duration::from_secs(10);
    let ctx = CallContext {
        app: "bench".into(),
        function: "hello".into(),
        revision: 1,
        invocation_id: "0123456789abcdef0123456789abcdef".into(),
        user: None,
        session_id: None,
        deadline,
        depth: 0,
    };
    let host = HostState::new(Arc::new(ctx), services.clone(), LogCollector::new(256 * 1024));
    InvokeInput { request: request.to_vec(), env: env.clone(), deadline, memory_limit: 128 << 20, host }
}

fn load(rt: &tokio::runtime::Runtime, runtime: &Runtime, wasm: Vec<u8>) -> Arc<FunctionModule> {
    let sha = updraft_benches::sha256_hex(&wasm);
    rt.block_on(runtime.load(&sha, || async move { Ok(wasm) })).unwrap()
}

fn invoke(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let runtime = Runtime::new(RuntimeConfig::new(dir.path())).unwrap();
    let services = Arc::new(ServiceRegistry::default());
    let env: Arc<[(String, String)]> = Arc::from(vec![]);
    let request = updraft_abi::encode(&updraft_abi::Request {
        method: "GET".into(),
        path: "/".into(),
        invocation_id: "0123456789abcdef0123456789abcdef".into(),
        ..Default::default()
    })
    .unwrap();

    let mut group = c.benchmark_group("invoke");
    let minimal = load(&rt, &runtime, wat::parse_str(MINIMAL).unwrap());
    group.bench_function("minimal_wat", |b| {
        b.iter(|| rt.block_on(runtime.invoke(&minimal, input(&services, &request, &env))).unwrap())
    });
    match updraft_benches::example_module("hello") {
        Ok(wasm) => {
            let hello = load(&rt, &runtime, wasm);
            group.bench_function("hello_example", |b| {
                b.iter(|| rt.block_on(runtime.invoke(&hello, input(&services, &request, &env))).unwrap())
            });
            // 64 invocations in flight at once on one thread, as under load: per-call cost.
            group.throughput(criterion::Throughput::Elements(64));
            group.bench_function("hello_example_64_concurrent", |b| {
                b.iter(|| {
                    rt.block_on(futures::future::join_all(
                        (0..64).map(|_| runtime.invoke(&hello, input(&services, &request, &env))),
                    ))
                })
            });
        }
        Err(error) => eprintln!("skipping hello_example: {error}"),
    }
    group.finish();
}

criterion_group!(benches, invoke);
criterion_main!(benches);
