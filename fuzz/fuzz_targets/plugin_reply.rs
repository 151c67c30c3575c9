//! Any bytes as what a plugin library hands back (first byte: the status
//! code, the rest: the buffer), through the host's decoding of `invoke`
//! replies and of manifests. No panic; a decoded output re-encodes to JSON
//! that decodes again; a decoded manifest can be judged.
#![no_main]

use garita_host::{decode_invoke_reply, decode_manifest, manifest_problems, InvokeReply};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&status, bytes)) = data.split_first() else {
        return;
    };
    // Statuses 0..=2 are the ABI's; a few others exercise the "unknown" path.
    let status = i32::from(status % 5) - 1;
    if let InvokeReply::Output(value) = decode_invoke_reply(status, bytes) {
        // Decoded output re-encodes to JSON the host reads back. (Not always
        // the identical value: serde_json's default float parsing may be off
        // by one ulp, found by this target; docs/testing.md.)
        let again = serde_json::to_vec(&value).expect("a JSON value encodes");
        assert!(matches!(
            decode_invoke_reply(0, &again),
            InvokeReply::Output(_)
        ));
    }
    if let Ok(manifest) = decode_manifest(status, bytes) {
        let _ = manifest_problems(&manifest);
    }
});
