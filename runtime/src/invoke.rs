//! One invocation: a fresh Store and instance, the request written in, the response read
//! back, all under the invocation's deadline and memory limit.

use std::time::{Duration, Instant};

use wasmtime::{Engine, Instance, Memory, Store, Trap, UpdateDeadline};
use wasmtime_wasi::WasiCtxBuilder;

use updraft_abi::{Response, EXPORT_ALLOC};
use updraft_host::HostState;

use crate::store::{limits, StoreState};
use crate::{FunctionModule, InvokeError, RuntimeConfig};

/// How long past the deadline the outer timeout waits for the epoch check to fire,
/// before it abandons the invocation (a guest blocked in a host call such as a sleep).
const DEADLINE_GRACE: Duration = Duration::from_millis(50);

/// Everything one invocation needs.
pub struct InvokeInput {
    /// The Request, already MessagePack-encoded.
    pub request: Vec<u8>,
    /// Environment variables the guest sees.
    pub env: std::sync::Arc<[(String, String)]>,
    /// Absolute deadline.
    pub deadline: Instant,
    /// Linear memory limit of this instance in bytes.
    pub memory_limit: usize,
    /// Host imports state (context, services, log collector).
    pub host: HostState,
}

/// What a successful invocation produced.
#[derive(Debug)]
pub struct InvokeOutput {
    /// The decoded Response (status and headers not yet validated for HTTP).
    pub response: Response,
}

pub(crate) async fn invoke(
    engine: &Engine,
    config: &RuntimeConfig,
    module: &FunctionModule,
    input: InvokeInput,
) -> Result<InvokeOutput, InvokeError> {
    let deadline = input.deadline;
    let mut store = new_store(engine, config, input.host, &input.env, input.memory_limit, deadline);
    let request = input.request;
    let max_response = config.max_response_bytes;
    let run = async move {
        let instance = instantiate(&mut store, module).await?;
        call_handler(&mut store, module, &instance, &request, max_response).await
    };
    match tokio::time::timeout_at((deadline + DEADLINE_GRACE).into(), run).await {
        Ok(result) => result.map(|response| InvokeOutput { response }),
        Err(_) => Err(InvokeError::Timeout),
    }
}

pub(crate) async fn trial(
    engine: &Engine,
    config: &RuntimeConfig,
    module: &FunctionModule,
    host: HostState,
    memory_limit: usize,
    deadline: Instant,
) -> Result<(), InvokeError> {
    let mut store = new_store(engine, config, host, &[], memory_limit, deadline);
    let run = async move { instantiate(&mut store, module).await.map(drop) };
    match tokio::time::timeout_at((deadline + DEADLINE_GRACE).into(), run).await {
        Ok(result) => result,
        Err(_) => Err(InvokeError::Timeout),
    }
}

fn new_store(
    engine: &Engine,
    config: &RuntimeConfig,
    host: HostState,
    env: &[(String, String)],
    memory_limit: usize,
    deadline: Instant,
) -> Store<StoreState> {
    let mut wasi = WasiCtxBuilder::new();
    wasi.envs(env).args(&[host.ctx.function.as_str()]).stdout(host.logs.pipe(false)).stderr(host.logs.pipe(true));
    let state = StoreState {
        wasi: wasi.build_p1(),
        host,
        limits: limits(memory_limit.min(config.max_memory_bytes), config.max_table_elements),
    };
    let mut store = Store::new(engine, state);
    store.limiter(|s| &mut s.limits);
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |_| {
        if Instant::now() >= deadline {
            Ok(UpdateDeadline::Interrupt)
        } else {
            Ok(UpdateDeadline::YieldCustom(1, Box::pin(tokio::task::yield_now())))
        }
    });
    store
}

async fn instantiate(store: &mut Store<StoreState>, module: &FunctionModule) -> Result<Instance, InvokeError> {
    let instance = module.pre.instantiate_async(&mut *store).await.map_err(classify)?;
    if let Some(init) = module.exports.initialize(&mut *store, &instance).map_err(InvokeError::Abi)? {
        init.call_async(&mut *store, ()).await.map_err(classify)?;
    }
    Ok(instance)
}

async fn call_handler(
    store: &mut Store<StoreState>,
    module: &FunctionModule,
    instance: &Instance,
    request: &[u8],
    max_response: usize,
) -> Result<Response, InvokeError> {
    let exports = &module.exports;
    let memory = exports.memory(&mut *store, instance).map_err(InvokeError::Abi)?;
    let alloc = exports.alloc(&mut *store, instance).map_err(InvokeError::Abi)?;
    let handle = exports.handle(&mut *store, instance).map_err(InvokeError::Abi)?;

    let len = i32::try_from(request.len()).map_err(|_| InvokeError::Abi("request too large".into()))?;
    let ptr = alloc.call_async(&mut *store, len).await.map_err(classify)?;
    if ptr == 0 && len > 0 {
        return Err(InvokeError::Abi(format!("{EXPORT_ALLOC}({len}) returned 0")));
    }
    write_guest(store, memory, ptr, request)?;

    let packed = handle.call_async(&mut *store, (ptr, len)).await.map_err(classify)?;
    let (resp_ptr, resp_len) = updraft_abi::unpack_pair(packed);
    if resp_len as usize > max_response {
        return Err(InvokeError::BadResponse(format!("response of {resp_len} bytes exceeds {max_response}")));
    }
    let data = memory.data(&*store);
    let start = resp_ptr as usize;
    let bytes = start
        .checked_add(resp_len as usize)
        .and_then(|end| data.get(start..end))
        .ok_or_else(|| InvokeError::BadResponse(format!("response at {resp_ptr:#x}+{resp_len} is outside memory")))?;
    updraft_abi::decode::<Response>(bytes).map_err(|e| InvokeError::BadResponse(format!("not a MessagePack Response: {e}")))
}

fn write_guest(store: &mut Store<StoreState>, memory: Memory, ptr: i32, bytes: &[u8]) -> Result<(), InvokeError> {
    let start = ptr as u32 as usize;
    let data = memory.data_mut(&mut *store);
    let end = start.checked_add(bytes.len()).filter(|end| *end <= data.len());
    match end {
        Some(end) => {
            data[start..end].copy_from_slice(bytes);
            Ok(())
        }
        None => Err(InvokeError::Abi(format!("{EXPORT_ALLOC} returned {start:#x}, outside memory"))),
    }
}

/// Maps a wasmtime error from guest code to what the caller should see.
fn classify(error: wasmtime::Error) -> InvokeError {
    if error.downcast_ref::<wasmtime::PoolConcurrencyLimitError>().is_some() {
        return InvokeError::PoolExhausted;
    }
    if let Some(trap) = error.downcast_ref::<Trap>() {
        return match trap {
            Trap::Interrupt => InvokeError::Timeout,
            other => InvokeError::Trap(other.to_string()),
        };
    }
    if let Some(host) = error.downcast_ref::<updraft_host::HostError>() {
        return InvokeError::Abi(host.to_string());
    }
    if let Some(exit) = error.downcast_ref::<wasmtime_wasi::I32Exit>() {
        return InvokeError::Trap(format!("guest exited with status {}", exit.0));
    }
    InvokeError::Trap(format!("{error:#}"))
}
