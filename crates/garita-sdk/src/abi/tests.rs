//! The generated table driven through its raw function pointers, as a host would.

use super::*;
use crate::{ActionError, ActionSpec, Manifest};
use serde_json::{json, Value};

struct Probe;

impl Connector for Probe {
    fn manifest(&self) -> Manifest {
        Manifest::new("probe", "1.2.3", "Test connector.").action(ActionSpec::new("echo", "Echo."))
    }

    fn invoke(
        &self,
        ctx: &InvokeContext,
        action: &str,
        input: Value,
    ) -> Result<Value, ActionError> {
        match action {
            "echo" => Ok(json!({"input": input, "run": ctx.idempotency_key.run_id})),
            "boom" => panic!("probe exploded"),
            other => Err(ActionError::unknown_action(other)),
        }
    }
}

struct ProbeExport;

impl ConnectorExport for ProbeExport {
    fn connector() -> &'static dyn Connector {
        &Probe
    }
}

static TABLE: GaritaConnectorV1 = connector_v1::<ProbeExport>();

/// Calls `invoke` from the table and returns the status and the copied bytes,
/// freeing the buffer with the table's `free_buffer`.
fn call(ctx: &[u8], action: &str, input: &[u8]) -> (i32, Vec<u8>) {
    let invoke = TABLE.invoke.expect("invoke is set");
    let free = TABLE.free_buffer.expect("free_buffer is set");
    let mut out = GaritaBuffer::empty();
    // SAFETY: all three ranges are live slices; `out` is a live local.
    let status = unsafe {
        invoke(
            ctx.as_ptr(),
            ctx.len(),
            action.as_ptr(),
            action.len(),
            input.as_ptr(),
            input.len(),
            &mut out,
        )
    };
    // SAFETY: the table just filled `out`; it is read, then freed once.
    let bytes = unsafe { out.as_bytes() }.to_vec();
    // SAFETY: `out` came from this table's functions and is freed once.
    unsafe { free(out) };
    (status, bytes)
}

fn test_ctx() -> Vec<u8> {
    serde_json::to_vec(&InvokeContext::for_test()).unwrap()
}

#[test]
fn abi_version_is_the_first_field() {
    assert_eq!(std::mem::offset_of!(GaritaConnectorV1, abi_version), 0);
    // SAFETY: TABLE is a live static; its first field is a u32.
    let first = unsafe { (&TABLE as *const GaritaConnectorV1).cast::<u32>().read() };
    assert_eq!(first, ABI_VERSION);
}

#[test]
fn sdk_version_is_published() {
    // SAFETY: the table's string points to a `'static` str.
    let bytes = unsafe { bytes_from_raw(TABLE.sdk_version.ptr, TABLE.sdk_version.len) };
    assert_eq!(std::str::from_utf8(bytes).unwrap(), crate::SDK_VERSION);
}

#[test]
fn manifest_round_trips_as_json() {
    let mut out = GaritaBuffer::empty();
    // SAFETY: `out` is a live local.
    let status = unsafe { (TABLE.manifest.unwrap())(&mut out) };
    // SAFETY: filled by the call above.
    let manifest: Manifest = serde_json::from_slice(unsafe { out.as_bytes() }).unwrap();
    // SAFETY: freed once.
    unsafe { (TABLE.free_buffer.unwrap())(out) };
    assert_eq!(status, STATUS_OK);
    assert_eq!(manifest, Probe.manifest());
}

#[test]
fn invoke_returns_output_json() {
    let (status, bytes) = call(&test_ctx(), "echo", br#"{"a":1}"#);
    assert_eq!(status, STATUS_OK);
    let output: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(output, json!({"input": {"a": 1}, "run": "test"}));
}

#[test]
fn invoke_returns_action_errors_as_json() {
    let (status, bytes) = call(&test_ctx(), "nope", b"{}");
    assert_eq!(status, STATUS_ACTION_ERROR);
    let error: ActionError = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(error, ActionError::unknown_action("nope"));
}

#[test]
fn a_panic_becomes_status_2_with_its_message() {
    let (status, bytes) = call(&test_ctx(), "boom", b"{}");
    assert_eq!(status, STATUS_INTERNAL_ERROR);
    let message = String::from_utf8(bytes).unwrap();
    assert!(message.contains("probe exploded"), "{message}");
}

#[test]
fn bad_context_is_an_internal_error_not_a_panic() {
    let (status, bytes) = call(b"{not json", "echo", b"{}");
    assert_eq!(status, STATUS_INTERNAL_ERROR);
    assert!(String::from_utf8(bytes).unwrap().contains("invoke context"));
}

#[test]
fn bytes_that_are_not_utf8_are_internal_errors_naming_the_part() {
    let (status, bytes) = call(b"{\"run\":\"\xff\"}", "echo", b"{}");
    assert_eq!(status, STATUS_INTERNAL_ERROR);
    assert!(String::from_utf8(bytes)
        .unwrap()
        .contains("invoke context that is not UTF-8"));
    let (status, bytes) = call(&test_ctx(), "echo", b"{\"a\":\"\xc3\"}");
    assert_eq!(status, STATUS_INTERNAL_ERROR);
    assert!(String::from_utf8(bytes)
        .unwrap()
        .contains("input that is not UTF-8"));
    let (status, bytes) = call(&test_ctx(), "echo", b"{\"a\":");
    assert_eq!(status, STATUS_INTERNAL_ERROR);
    assert!(String::from_utf8(bytes)
        .unwrap()
        .contains("input that is not JSON"));
}

#[test]
fn empty_ranges_may_be_null() {
    let invoke = TABLE.invoke.unwrap();
    let mut out = GaritaBuffer::empty();
    // SAFETY: null pointers with length 0 are allowed by the ABI; `out` is live.
    let status = unsafe {
        invoke(
            std::ptr::null(),
            0,
            std::ptr::null(),
            0,
            std::ptr::null(),
            0,
            &mut out,
        )
    };
    assert_eq!(status, STATUS_INTERNAL_ERROR);
    // SAFETY: freed once.
    unsafe { (TABLE.free_buffer.unwrap())(out) };
}

#[test]
fn null_out_is_refused_without_writing() {
    // SAFETY: a null `out` is checked before any write.
    let status = unsafe { (TABLE.manifest.unwrap())(std::ptr::null_mut()) };
    assert_eq!(status, STATUS_INTERNAL_ERROR);
}

#[test]
fn panic_message_reads_str_and_string_payloads() {
    let payload = std::panic::catch_unwind(|| panic!("plain")).unwrap_err();
    assert_eq!(panic_message(&*payload), "plain");
    let payload = std::panic::catch_unwind(|| panic!("formatted {}", 7)).unwrap_err();
    assert_eq!(panic_message(&*payload), "formatted 7");
}

/// The offsets docs/plugin-abi.md promises to C authors on 64-bit targets.
#[cfg(target_pointer_width = "64")]
#[test]
fn layout_matches_the_documented_c_layout() {
    use std::mem::{offset_of, size_of};
    assert_eq!(size_of::<GaritaBuffer>(), 24);
    assert_eq!(size_of::<GaritaStr>(), 16);
    assert_eq!(offset_of!(GaritaConnectorV1, sdk_version), 8);
    assert_eq!(offset_of!(GaritaConnectorV1, manifest), 24);
    assert_eq!(offset_of!(GaritaConnectorV1, invoke), 32);
    assert_eq!(offset_of!(GaritaConnectorV1, free_buffer), 40);
    assert_eq!(size_of::<GaritaConnectorV1>(), 48);
}
