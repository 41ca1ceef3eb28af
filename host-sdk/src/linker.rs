//! The `updraft` import module of guest ABI v1.

use wasmtime::{Caller, Linker};

use updraft_abi::{
    pack_ptr_len, LogLevel, ServiceError, HOST_CALL_ERROR, HOST_CALL_OK, IMPORT_HOST_CALL, IMPORT_HOST_RESULT,
    IMPORT_LOG, IMPORT_MODULE,
};

use crate::guest_memory::{memory, read_bytes, write_bytes};
use crate::{HostError, HostState};

/// Adds `log`, `host_call` and `host_result` to `linker`, reading the per-invocation
/// [`HostState`] out of the store data with `state`.
pub fn add_to_linker<T: Send + 'static>(
    linker: &mut Linker<T>,
    state: fn(&mut T) -> &mut HostState,
) -> wasmtime::Result<()> {
    linker.func_wrap(IMPORT_MODULE, IMPORT_LOG, move |mut caller: Caller<'_, T>, level: i32, ptr: i32, len: i32| {
        log(&mut caller, state, level, ptr, len)
    })?;
    linker.func_wrap(IMPORT_MODULE, IMPORT_HOST_RESULT, move |mut caller: Caller<'_, T>, ptr: i32| {
        host_result(&mut caller, state, ptr)
    })?;
    linker.func_wrap_async(
        IMPORT_MODULE,
        IMPORT_HOST_CALL,
        move |mut caller: Caller<'_, T>, (name_ptr, name_len, arg_ptr, arg_len): (i32, i32, i32, i32)| {
            Box::new(async move { host_call(&mut caller, state, [name_ptr, name_len, arg_ptr, arg_len]).await })
        },
    )?;
    Ok(())
}

fn log<T>(
    caller: &mut Caller<'_, T>,
    state: fn(&mut T) -> &mut HostState,
    level: i32,
    ptr: i32,
    len: i32,
) -> wasmtime::Result<()> {
    let memory = memory(caller)?;
    let data = memory.data(&caller);
    let range = crate::guest_memory::checked_range("log message", ptr, len, data.len())?;
    let logs = state(caller.data_mut()).logs.clone();
    let data = memory.data(&caller);
    logs.push(LogLevel::from_i32(level), &data[range]);
    Ok(())
}

fn host_result<T>(caller: &mut Caller<'_, T>, state: fn(&mut T) -> &mut HostState, ptr: i32) -> wasmtime::Result<()> {
    let memory = memory(caller)?;
    let Some(pending) = state(caller.data_mut()).pending.take() else {
        return Err(HostError::NothingPending.into());
    };
    let written = write_bytes(&mut *caller, memory, "host_result destination", ptr, &pending);
    // The result stays pending until the next host_call, even if it is read again.
    state(caller.data_mut()).pending = Some(pending);
    written?;
    Ok(())
}

async fn host_call<T: Send>(
    caller: &mut Caller<'_, T>,
    state: fn(&mut T) -> &mut HostState,
    [name_ptr, name_len, arg_ptr, arg_len]: [i32; 4],
) -> wasmtime::Result<i64> {
    let memory = memory(caller)?;
    let host = state(caller.data_mut());
    let (ctx, services) = (host.ctx.clone(), host.services.clone());
    host.pending = None;
    let name = read_bytes(&mut *caller, memory, "service name", name_ptr, name_len)?;
    let outcome = if arg_len as u32 as usize > services.max_payload() {
        // Bounds are still checked: a bad pointer is a guest bug, a big argument is not.
        crate::guest_memory::checked_range("service argument", arg_ptr, arg_len, memory.data_size(&caller))?;
        Err(ServiceError::new(
            updraft_abi::ErrorCode::TooLarge,
            format!("argument over {} bytes", services.max_payload()),
        ))
    } else {
        let arg = read_bytes(&mut *caller, memory, "service argument", arg_ptr, arg_len)?;
        match std::str::from_utf8(&name) {
            Ok(name) => services.dispatch(&ctx, name, &arg).await,
            Err(_) => Err(ServiceError::new(updraft_abi::ErrorCode::NotFound, "service name is not UTF-8")),
        }
    };
    let (status, bytes) = match outcome {
        Ok(bytes) => (HOST_CALL_OK, bytes),
        Err(error) => (HOST_CALL_ERROR, updraft_abi::encode(&error).unwrap_or_default()),
    };
    let len = bytes.len() as u32;
    state(caller.data_mut()).pending = Some(bytes);
    Ok(pack_ptr_len(status, len))
}
