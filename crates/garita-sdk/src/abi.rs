//! The stable C ABI between the Garita host and a connector built as a dynamic
//! library (`cdylib`).
//!
//! A plugin exports one function, [`ENTRY_SYMBOL`] (`garita_connector_entry`),
//! that returns a pointer to a static [`GaritaConnectorV1`]. Only plain C types
//! and byte buffers of UTF-8 JSON cross the boundary, so the host and the plugin
//! may be built by different compilers (or the plugin written in C). The full
//! contract, with C declarations, is in `docs/plugin-abi.md`.
//!
//! Rust authors never touch this module directly: [`export_connector!`]
//! generates the entry symbol and the table from a [`Connector`] value.
//!
//! Rules the types below encode:
//! - `abi_version` is the first field of every table version, so the host reads
//!   that `u32` alone and refuses a mismatch before reading anything else.
//! - Every buffer the host receives was allocated by the plugin and is given back
//!   to the plugin's own `free_buffer`: the two sides never share an allocator.
//! - Every exported function catches panics and reports them as
//!   [`STATUS_INTERNAL_ERROR`]: a panic never unwinds into the host.
//!
//! [`export_connector!`]: crate::export_connector

// This module is the SDK's only unsafe code: raw pointers are the ABI.
#![deny(unsafe_op_in_unsafe_fn)]

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::{Connector, InvokeContext};

/// The ABI version this SDK produces and a matching host accepts. It changes only
/// when [`GaritaConnectorV1`] or the meaning of its functions changes.
pub const ABI_VERSION: u32 = 1;

/// The name of the function every plugin exports (without the trailing NUL).
pub const ENTRY_SYMBOL: &str = "garita_connector_entry";

/// The call succeeded; the output buffer holds the result as JSON.
pub const STATUS_OK: i32 = 0;
/// The action failed; the output buffer holds an [`ActionError`](crate::ActionError) as JSON.
pub const STATUS_ACTION_ERROR: i32 = 1;
/// The plugin panicked or could not do its part of the protocol; the output
/// buffer holds a UTF-8 message for humans.
pub const STATUS_INTERNAL_ERROR: i32 = 2;

/// Bytes owned by the plugin and lent to the host until it calls
/// [`GaritaConnectorV1::free_buffer`] with the buffer unchanged.
///
/// C: `typedef struct { uint8_t *ptr; size_t len; size_t cap; } GaritaBuffer;`
/// The host reads `ptr[0..len]`; `cap` is the plugin's own bookkeeping (a Rust
/// plugin stores the `Vec` capacity there) and the host never reads it.
#[repr(C)]
#[derive(Debug)]
pub struct GaritaBuffer {
    /// Start of the bytes; may be null when `len` is 0.
    pub ptr: *mut u8,
    /// Number of bytes the host may read.
    pub len: usize,
    /// For the plugin that allocated the buffer; passed back unchanged.
    pub cap: usize,
}

impl GaritaBuffer {
    /// A buffer with no bytes and no allocation; what the host passes in as
    /// the `out` parameter before a call.
    pub const fn empty() -> Self {
        Self {
            ptr: std::ptr::null_mut(),
            len: 0,
            cap: 0,
        }
    }

    /// Hands the bytes of `bytes` over as a buffer; [`GaritaBuffer::into_vec`]
    /// takes them back.
    pub fn from_vec(bytes: Vec<u8>) -> Self {
        let mut bytes = std::mem::ManuallyDrop::new(bytes);
        Self {
            ptr: bytes.as_mut_ptr(),
            len: bytes.len(),
            cap: bytes.capacity(),
        }
    }

    /// Takes back the bytes of a buffer made by [`GaritaBuffer::from_vec`].
    ///
    /// # Safety
    /// `self` must come from [`GaritaBuffer::from_vec`] in this same library
    /// (same allocator), unchanged, and must not have been taken back before.
    pub unsafe fn into_vec(self) -> Vec<u8> {
        if self.ptr.is_null() {
            return Vec::new();
        }
        // SAFETY: the caller guarantees ptr/len/cap are exactly what
        // `from_vec` took from a live `Vec<u8>` allocated by this library.
        unsafe { Vec::from_raw_parts(self.ptr, self.len, self.cap) }
    }

    /// The bytes of the buffer.
    ///
    /// # Safety
    /// `ptr` must be null or point to `len` initialised bytes that stay valid
    /// and unchanged for the returned lifetime (until the buffer is freed).
    pub unsafe fn as_bytes<'a>(&self) -> &'a [u8] {
        // SAFETY: forwarded to the caller, see above.
        unsafe { bytes_from_raw(self.ptr, self.len) }
    }
}

/// A borrowed UTF-8 string that lives as long as the library: pointer and length,
/// no NUL terminator.
///
/// C: `typedef struct { const uint8_t *ptr; size_t len; } GaritaStr;`
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct GaritaStr {
    /// Start of the UTF-8 bytes.
    pub ptr: *const u8,
    /// Number of bytes.
    pub len: usize,
}

impl GaritaStr {
    /// Borrows a string literal (or any `'static` string).
    pub const fn from_static(text: &'static str) -> Self {
        Self {
            ptr: text.as_ptr(),
            len: text.len(),
        }
    }
}

/// `int32_t manifest(GaritaBuffer *out)`: writes the manifest JSON into `*out`.
pub type ManifestFn = unsafe extern "C" fn(out: *mut GaritaBuffer) -> i32;

/// `int32_t invoke(ctx, ctx_len, action, action_len, input, input_len, out)`:
/// runs one action. `ctx` is an [`InvokeContext`] as JSON, `action` the action
/// name in UTF-8 (without the connector prefix), `input` the input as JSON.
pub type InvokeFn = unsafe extern "C" fn(
    ctx_ptr: *const u8,
    ctx_len: usize,
    action_ptr: *const u8,
    action_len: usize,
    input_ptr: *const u8,
    input_len: usize,
    out: *mut GaritaBuffer,
) -> i32;

/// `void free_buffer(GaritaBuffer buf)`: releases a buffer the plugin produced.
pub type FreeBufferFn = unsafe extern "C" fn(buf: GaritaBuffer);

/// `const GaritaConnectorV1 *garita_connector_entry(void)`.
pub type EntryFn = unsafe extern "C" fn() -> *const GaritaConnectorV1;

/// The table a plugin publishes, version 1.
///
/// The host first reads `abi_version` alone (it is the first field of every
/// version, at offset 0) and reads the rest only when it equals
/// [`ABI_VERSION`]. Function pointers are nullable so that a hand-written
/// table with a missing function is refused instead of called.
#[repr(C)]
#[derive(Debug)]
pub struct GaritaConnectorV1 {
    /// Always [`ABI_VERSION`] for this layout.
    pub abi_version: u32,
    /// The version of garita-sdk the plugin was built with, e.g. `0.1.0`.
    pub sdk_version: GaritaStr,
    /// See [`ManifestFn`].
    pub manifest: Option<ManifestFn>,
    /// See [`InvokeFn`].
    pub invoke: Option<InvokeFn>,
    /// See [`FreeBufferFn`].
    pub free_buffer: Option<FreeBufferFn>,
}

// SAFETY: a table is immutable once built; its only pointer (`sdk_version`)
// refers to `'static` immutable bytes and its functions are thread-safe
// (`Connector: Send + Sync`), so sharing it between threads is sound. This is
// what lets `export_connector!` keep it in a `static`.
unsafe impl Sync for GaritaConnectorV1 {}

/// How the code generated by [`export_connector!`](crate::export_connector)
/// reaches the plugin's connector. Implemented by the macro; authors do not
/// implement it by hand.
pub trait ConnectorExport: 'static {
    /// The plugin's single connector instance, created on first use.
    fn connector() -> &'static dyn Connector;
}

/// The version-1 table whose functions call `E::connector()`. Used by
/// [`export_connector!`](crate::export_connector) to build the plugin's static table.
pub const fn connector_v1<E: ConnectorExport>() -> GaritaConnectorV1 {
    GaritaConnectorV1 {
        abi_version: ABI_VERSION,
        sdk_version: GaritaStr::from_static(crate::SDK_VERSION),
        manifest: Some(manifest_thunk::<E>),
        invoke: Some(invoke_thunk::<E>),
        free_buffer: Some(free_buffer_thunk),
    }
}

/// The text of a panic payload (`panic!("...")` gives a `&str` or a `String`).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "panic with a non-text payload".to_owned()
    }
}

/// Runs `body`, turning a panic into [`STATUS_INTERNAL_ERROR`] with its message.
fn guarded(body: impl FnOnce() -> (i32, Vec<u8>)) -> (i32, Vec<u8>) {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(payload) => {
            let message = format!("panicked: {}", panic_message(&*payload));
            // Dropping a payload can itself panic; that must not unwind either.
            let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
            (STATUS_INTERNAL_ERROR, message.into_bytes())
        }
    }
}

fn internal_error(message: String) -> (i32, Vec<u8>) {
    (STATUS_INTERNAL_ERROR, message.into_bytes())
}

/// `capacity` is a guess of the encoded size, to spare the buffer regrowing.
fn encode(status: i32, value: &impl serde::Serialize, capacity: usize) -> (i32, Vec<u8>) {
    let mut bytes = Vec::with_capacity(capacity);
    match serde_json::to_writer(&mut bytes, value) {
        Ok(()) => (status, bytes),
        Err(err) => internal_error(format!("cannot encode the result as JSON: {err}")),
    }
}

/// The safe half of `invoke`: bytes in, status and bytes out.
fn invoke_json(
    connector: &dyn Connector,
    ctx: &[u8],
    action: &[u8],
    input: &[u8],
) -> (i32, Vec<u8>) {
    // Each buffer is checked for UTF-8 once, then parsed with `from_str`:
    // `from_slice` would validate every string again as it parses, which
    // costs more than the single pass.
    let ctx: InvokeContext = match std::str::from_utf8(ctx).map(serde_json::from_str) {
        Ok(Ok(ctx)) => ctx,
        Ok(Err(err)) => {
            return internal_error(format!("the host sent an invalid invoke context: {err}"))
        }
        Err(_) => {
            return internal_error("the host sent an invoke context that is not UTF-8".to_owned())
        }
    };
    let Ok(action) = std::str::from_utf8(action) else {
        return internal_error("the host sent an action name that is not UTF-8".to_owned());
    };
    let input_len = input.len();
    let input: serde_json::Value = match std::str::from_utf8(input).map(serde_json::from_str) {
        Ok(Ok(input)) => input,
        Ok(Err(err)) => {
            return internal_error(format!("the host sent input that is not JSON: {err}"))
        }
        Err(_) => return internal_error("the host sent input that is not UTF-8".to_owned()),
    };
    match connector.invoke(&ctx, action, input) {
        Ok(output) => encode(STATUS_OK, &output, input_len + 128),
        Err(error) => encode(STATUS_ACTION_ERROR, &error, 256),
    }
}

/// Reads `len` bytes at `ptr`, accepting a null pointer for an empty slice.
///
/// # Safety
/// When `len > 0`, `ptr` must point to `len` initialised bytes valid for `'a`.
unsafe fn bytes_from_raw<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 || ptr.is_null() {
        return &[];
    }
    // SAFETY: non-null and, per the caller, valid for `len` bytes during `'a`.
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

/// Writes a result into the host's `out` parameter.
///
/// # Safety
/// `out` must be non-null and valid for a write of one `GaritaBuffer`.
unsafe fn write_out(out: *mut GaritaBuffer, bytes: Vec<u8>) {
    // SAFETY: per the caller; `write` does not drop the host's old value,
    // which is plain data anyway.
    unsafe { out.write(GaritaBuffer::from_vec(bytes)) }
}

/// # Safety
/// `out` is null or valid for a write of one `GaritaBuffer` (ABI contract).
unsafe extern "C" fn manifest_thunk<E: ConnectorExport>(out: *mut GaritaBuffer) -> i32 {
    if out.is_null() {
        return STATUS_INTERNAL_ERROR;
    }
    let (status, bytes) = guarded(|| encode(STATUS_OK, &E::connector().manifest(), 4096));
    // SAFETY: `out` is non-null and the host lends it for this call.
    unsafe { write_out(out, bytes) };
    status
}

/// # Safety
/// Each `(ptr, len)` pair is readable for the call; `out` is null or writable
/// (ABI contract, see `docs/plugin-abi.md`).
unsafe extern "C" fn invoke_thunk<E: ConnectorExport>(
    ctx_ptr: *const u8,
    ctx_len: usize,
    action_ptr: *const u8,
    action_len: usize,
    input_ptr: *const u8,
    input_len: usize,
    out: *mut GaritaBuffer,
) -> i32 {
    if out.is_null() {
        return STATUS_INTERNAL_ERROR;
    }
    // SAFETY: the host keeps the three byte ranges alive and unchanged for the
    // duration of this call, which outlives the borrows below.
    let (ctx, action, input) = unsafe {
        (
            bytes_from_raw(ctx_ptr, ctx_len),
            bytes_from_raw(action_ptr, action_len),
            bytes_from_raw(input_ptr, input_len),
        )
    };
    let (status, bytes) = guarded(|| invoke_json(E::connector(), ctx, action, input));
    // SAFETY: `out` is non-null and the host lends it for this call.
    unsafe { write_out(out, bytes) };
    status
}

/// # Safety
/// `buf` was returned by this library's `manifest` or `invoke` and is freed once.
unsafe extern "C" fn free_buffer_thunk(buf: GaritaBuffer) {
    // Freeing cannot panic in practice, but nothing may unwind into the host.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: per the ABI contract the host hands back, once and unchanged,
        // a buffer this library made with `GaritaBuffer::from_vec`.
        drop(unsafe { buf.into_vec() });
    }));
}

#[cfg(test)]
mod tests;
