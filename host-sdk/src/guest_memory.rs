//! Bounds-checked access to guest linear memory. A guest pointer is never trusted.

use wasmtime::{AsContext, AsContextMut, Caller, Extern, Memory};

use crate::HostError;

/// The guest's exported memory.
pub(crate) fn memory<T>(caller: &mut Caller<'_, T>) -> Result<Memory, HostError> {
    match caller.get_export(updraft_abi::EXPORT_MEMORY) {
        Some(Extern::Memory(memory)) => Ok(memory),
        _ => Err(HostError::NoMemory),
    }
}

/// The byte range `ptr..ptr+len` (both read as unsigned 32-bit) if it lies inside `size`.
pub(crate) fn checked_range(
    what: &'static str,
    ptr: i32,
    len: i32,
    size: usize,
) -> Result<std::ops::Range<usize>, HostError> {
    let (p, l) = (ptr as u32, len as u32);
    let start = p as usize;
    match start.checked_add(l as usize) {
        Some(end) if end <= size => Ok(start..end),
        _ => Err(HostError::OutOfBounds { what, ptr: p, len: l, size }),
    }
}

/// Copies `len` bytes at `ptr` out of guest memory.
pub(crate) fn read_bytes(
    store: impl AsContext,
    memory: Memory,
    what: &'static str,
    ptr: i32,
    len: i32,
) -> Result<Vec<u8>, HostError> {
    let data = memory.data(&store);
    let range = checked_range(what, ptr, len, data.len())?;
    Ok(data[range].to_vec())
}

/// Writes `bytes` into guest memory at `ptr`.
pub(crate) fn write_bytes(
    mut store: impl AsContextMut,
    memory: Memory,
    what: &'static str,
    ptr: i32,
    bytes: &[u8],
) -> Result<(), HostError> {
    let data = memory.data_mut(&mut store);
    let len = i32::try_from(bytes.len()).unwrap_or(i32::MAX);
    let range = checked_range(what, ptr, len, data.len())?;
    if range.len() != bytes.len() {
        return Err(HostError::OutOfBounds { what, ptr: ptr as u32, len: len as u32, size: data.len() });
    }
    data[range].copy_from_slice(bytes);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_checked_as_unsigned_without_overflow() {
        assert_eq!(checked_range("x", 0, 10, 10).unwrap(), 0..10);
        assert!(checked_range("x", 1, 10, 10).is_err());
        assert!(checked_range("x", -1, 2, 1 << 20).is_err(), "0xffffffff is far outside");
        assert!(checked_range("x", 8, -1, 1 << 20).is_err(), "length 0xffffffff");
        assert_eq!(checked_range("x", 10, 0, 10).unwrap(), 10..10);
    }
}
