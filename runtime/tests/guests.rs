//! The runtime against hand-written guests: well-behaved ones, and every way a hostile
//! one can fail. Each failure must be a typed error within its deadline.

use std::sync::Arc;
use std::time::{Duration, Instant};

use updraft_host::{CallContext, HostState, LogCollector, ServiceRegistry};
use updraft_runtime::{FunctionModule, InvokeError, InvokeInput, Runtime, RuntimeConfig};

/// MessagePack of Response { status: 200, headers: [], body: "ok" }.
const OK_RESPONSE: &str = r#"\83\a6status\cc\c8\a7headers\90\a4body\c4\02ok"#;
const OK_RESPONSE_LEN: usize = 1 + 7 + 2 + 8 + 1 + 5 + 4;

/// A guest with a bump allocator whose handler runs `body` and returns the OK response.
fn guest(body: &str, extra: &str) -> String {
    format!(
        r#"(module
            (import "updraft" "log" (func $log (param i32 i32 i32)))
            (memory (export "memory") 1)
            (global $next (mut i32) (i32.const 4096))
            (data (i32.const 1024) "{OK_RESPONSE}")
            (data (i32.const 2048) "hello from the guest")
            (func (export "updraft_alloc") (param $size i32) (result i32)
                (local $at i32)
                (local.set $at (global.get $next))
                (global.set $next (i32.add (global.get $next) (local.get $size)))
                (local.get $at))
            (func (export "updraft_handle") (param $ptr i32) (param $len i32) (result i64)
                {body}
                (i64.or (i64.shl (i64.const 1024) (i64.const 32)) (i64.const {OK_RESPONSE_LEN})))
            {extra})"#
    )
}

fn runtime() -> (Runtime, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = RuntimeConfig::new(dir.path());
    config.max_instances = 64;
    (Runtime::new(config).unwrap(), dir)
}

async fn load(runtime: &Runtime, wat: &str) -> Arc<FunctionModule> {
    let wasm = wat::parse_str(wat).unwrap();
    let sha = hex_sha(&wasm);
    runtime.load(&sha, || async move { Ok(wasm) }).await.unwrap()
}

fn hex_sha(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn input(timeout: Duration) -> (InvokeInput, LogCollector) {
    let logs = LogCollector::new(1024);
    let deadline = Instant::now() + timeout;
    let ctx = CallContext {
        app: "app".into(),
        function: "f".into(),
        revision: 1,
        invocation_id: "id".into(),
        user: None,
        session_id: None,
        deadline,
        depth: 0,
    };
    let host = HostState::new(Arc::new(ctx), Arc::new(ServiceRegistry::default()), logs.clone());
    let request = updraft_abi::encode(&updraft_abi::Request::default()).unwrap();
    (InvokeInput { request, env: Arc::from(vec![]), deadline, memory_limit: 16 << 20, host }, logs)
}

async fn run(runtime: &Runtime, module: &FunctionModule, timeout: Duration) -> Result<updraft_abi::Response, InvokeError> {
    runtime.invoke(module, input(timeout).0).await.map(|out| out.response)
}

#[tokio::test]
async fn a_good_guest_answers_and_logs() {
    let (runtime, _dir) = runtime();
    let module = load(&runtime, &guest("(call $log (i32.const 2) (i32.const 2048) (i32.const 20))", "")).await;
    let (input, logs) = input(Duration::from_secs(5));
    let response = runtime.invoke(&module, input).await.unwrap().response;
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"ok");
    let (lines, _) = logs.finish();
    assert_eq!(lines[0].message, "hello from the guest");
}

#[tokio::test]
async fn a_trap_is_a_typed_error() {
    let (runtime, _dir) = runtime();
    let module = load(&runtime, &guest("unreachable", "")).await;
    assert!(matches!(run(&runtime, &module, Duration::from_secs(5)).await, Err(InvokeError::Trap(_))));
}

#[tokio::test]
async fn an_infinite_loop_times_out_at_its_deadline() {
    let (runtime, _dir) = runtime();
    let module = load(&runtime, &guest("(loop $l (br $l))", "")).await;
    let started = Instant::now();
    let result = run(&runtime, &module, Duration::from_millis(300)).await;
    assert!(matches!(result, Err(InvokeError::Timeout)), "{result:?}");
    assert!(started.elapsed() < Duration::from_millis(300 + 500), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn a_memory_bomb_is_refused_past_the_limit() {
    let (runtime, _dir) = runtime();
    let bomb = "(block $done (loop $grow (br_if $done (i32.eq (memory.grow (i32.const 16)) (i32.const -1))) (br $grow))) unreachable";
    let module = load(&runtime, &guest(bomb, "")).await;
    assert!(matches!(run(&runtime, &module, Duration::from_secs(5)).await, Err(InvokeError::Trap(_))));
}

#[tokio::test]
async fn unbounded_recursion_traps() {
    let (runtime, _dir) = runtime();
    let module = load(&runtime, &guest("(call $down)", "(func $down (call $down))")).await;
    match run(&runtime, &module, Duration::from_secs(5)).await {
        Err(InvokeError::Trap(message)) => assert!(message.contains("stack"), "{message}"),
        other => panic!("expected a stack overflow trap, got {other:?}"),
    }
}

#[tokio::test]
async fn a_looping_start_function_times_out() {
    let (runtime, _dir) = runtime();
    let module = load(&runtime, &guest("", "(func $start (loop $l (br $l))) (start $start)")).await;
    let result = run(&runtime, &module, Duration::from_millis(200)).await;
    assert!(matches!(result, Err(InvokeError::Timeout)), "{result:?}");
}

#[tokio::test]
async fn a_result_outside_memory_is_a_bad_response() {
    let (runtime, _dir) = runtime();
    let wat = guest("", "").replace("(i64.const 1024) (i64.const 32)", "(i64.const 65530) (i64.const 32)");
    let module = load(&runtime, &wat).await;
    assert!(matches!(run(&runtime, &module, Duration::from_secs(5)).await, Err(InvokeError::BadResponse(_))));
    let huge = guest("", "").replace(&format!("(i64.const {OK_RESPONSE_LEN})"), "(i64.const 4294967295)");
    let module = load(&runtime, &huge).await;
    assert!(matches!(run(&runtime, &module, Duration::from_secs(5)).await, Err(InvokeError::BadResponse(_))));
}

#[tokio::test]
async fn a_response_that_is_not_messagepack_is_a_bad_response() {
    let (runtime, _dir) = runtime();
    let wat = guest("", "").replace("(i64.const 1024) (i64.const 32)", "(i64.const 2048) (i64.const 32)");
    let module = load(&runtime, &wat).await;
    assert!(matches!(run(&runtime, &module, Duration::from_secs(5)).await, Err(InvokeError::BadResponse(_))));
}

#[tokio::test]
async fn a_log_pointer_outside_memory_traps_cleanly() {
    let (runtime, _dir) = runtime();
    let module = load(&runtime, &guest("(call $log (i32.const 2) (i32.const -16) (i32.const 64))", "")).await;
    assert!(matches!(run(&runtime, &module, Duration::from_secs(5)).await, Err(InvokeError::Abi(_))));
}

/// A fresh instance never sees what a previous invocation wrote.
#[tokio::test]
async fn every_invocation_gets_clean_memory() {
    let (runtime, _dir) = runtime();
    let body = "(if (i32.ne (i32.load (i32.const 8192)) (i32.const 0)) (then unreachable))
                (i32.store (i32.const 8192) (i32.const 0xdeadbeef))";
    let module = load(&runtime, &guest(body, "")).await;
    for _ in 0..200 {
        run(&runtime, &module, Duration::from_secs(5)).await.unwrap();
    }
}

#[tokio::test]
async fn compiled_modules_are_reused_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let wat = guest("", "");
    let wasm = wat::parse_str(&wat).unwrap();
    let sha = hex_sha(&wasm);
    {
        let runtime = Runtime::new(RuntimeConfig::new(dir.path())).unwrap();
        let bytes = wasm.clone();
        runtime.load(&sha, || async move { Ok(bytes) }).await.unwrap();
        assert!(runtime.is_compiled(&sha));
    }
    let runtime = Runtime::new(RuntimeConfig::new(dir.path())).unwrap();
    let module = runtime
        .load(&sha, || async { panic!("a cached module must not be fetched or recompiled") })
        .await
        .unwrap();
    assert_eq!(run(&runtime, &module, Duration::from_secs(5)).await.unwrap().status, 200);
}

#[tokio::test]
async fn bytes_that_do_not_match_their_hash_are_refused() {
    let (runtime, _dir) = runtime();
    let wasm = wat::parse_str(guest("", "")).unwrap();
    let result = runtime.load(&"0".repeat(64), || async move { Ok(wasm) }).await;
    assert!(result.is_err());
}
