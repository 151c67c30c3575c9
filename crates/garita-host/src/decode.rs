//! What a plugin library hands back, as bytes plus a status code, turned into
//! Rust values. Pure functions, apart from the ABI calls in `library.rs`, so
//! every byte string a plugin could return can be tested and fuzzed without a
//! library: none of them may panic the host.

use garita_sdk::abi::{STATUS_ACTION_ERROR, STATUS_INTERNAL_ERROR, STATUS_OK};
use garita_sdk::{ActionError, Manifest};

/// What an `invoke` call returned, decoded.
#[derive(Debug, Clone, PartialEq)]
pub enum InvokeReply {
    /// Status 0 with a JSON value: the action's output.
    Output(serde_json::Value),
    /// Status 1 with `ActionError` JSON: the action failed as connectors do.
    ActionError(ActionError),
    /// Status 2: the plugin failed internally; its (lossily decoded) text.
    Internal(String),
    /// Anything else: the plugin broke the ABI; says how.
    Broken(String),
}

/// Decodes the bytes and status of one `invoke` call.
pub fn decode_invoke_reply(status: i32, bytes: &[u8]) -> InvokeReply {
    match status {
        // One pass: `from_slice` rejects bytes that are not UTF-8 as it
        // parses; only a failed parse looks again to say which it was.
        STATUS_OK => match serde_json::from_slice(bytes) {
            Ok(value) => InvokeReply::Output(value),
            Err(_) if std::str::from_utf8(bytes).is_err() => {
                InvokeReply::Broken("returned output that is not UTF-8".into())
            }
            Err(err) => {
                InvokeReply::Broken(format!("returned output that is not valid JSON ({err})"))
            }
        },
        STATUS_ACTION_ERROR => match serde_json::from_slice::<ActionError>(bytes) {
            Ok(error) => InvokeReply::ActionError(error),
            Err(err) => InvokeReply::Broken(format!(
                "returned an error that is not ActionError JSON ({err})"
            )),
        },
        STATUS_INTERNAL_ERROR => InvokeReply::Internal(String::from_utf8_lossy(bytes).into_owned()),
        other => InvokeReply::Broken(format!("returned the unknown status code {other}")),
    }
}

/// Decodes the bytes and status of the `manifest` call; `Err` says what is
/// wrong with them. The manifest's content is judged separately
/// ([`manifest_problems`](crate::manifest_problems)).
pub fn decode_manifest(status: i32, bytes: &[u8]) -> Result<Manifest, String> {
    match status {
        STATUS_OK => {}
        STATUS_INTERNAL_ERROR => {
            return Err(format!(
                "`manifest` failed: {}",
                String::from_utf8_lossy(bytes)
            ));
        }
        other => return Err(format!("`manifest` returned status {other}, expected 0")),
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "the manifest is not UTF-8".to_owned())?;
    serde_json::from_str(text)
        .map_err(|err| format!("the manifest is not valid manifest JSON: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_is_decoded_or_called_broken() {
        assert_eq!(
            decode_invoke_reply(STATUS_OK, br#"{"ok":true}"#),
            InvokeReply::Output(serde_json::json!({"ok": true}))
        );
        assert!(matches!(
            decode_invoke_reply(STATUS_OK, b"\xff"),
            InvokeReply::Broken(m) if m.contains("not UTF-8")
        ));
        assert!(matches!(
            decode_invoke_reply(STATUS_OK, b"{"),
            InvokeReply::Broken(m) if m.contains("not valid JSON")
        ));
        assert_eq!(
            decode_invoke_reply(
                STATUS_ACTION_ERROR,
                br#"{"kind":"permanent","message":"no"}"#
            ),
            InvokeReply::ActionError(ActionError::permanent("no"))
        );
        assert!(matches!(
            decode_invoke_reply(STATUS_ACTION_ERROR, br#"{"kind":"sideways"}"#),
            InvokeReply::Broken(m) if m.contains("not ActionError JSON")
        ));
        assert_eq!(
            decode_invoke_reply(STATUS_INTERNAL_ERROR, b"bad \xff"),
            InvokeReply::Internal("bad \u{fffd}".into())
        );
        assert!(matches!(
            decode_invoke_reply(-7, b""),
            InvokeReply::Broken(m) if m.contains("unknown status code -7")
        ));
    }

    #[test]
    fn deeply_nested_json_is_refused_not_overflowed() {
        let deep = "[".repeat(100_000);
        assert!(matches!(
            decode_invoke_reply(STATUS_OK, deep.as_bytes()),
            InvokeReply::Broken(m) if m.contains("recursion limit")
        ));
        assert!(decode_manifest(STATUS_OK, deep.as_bytes())
            .unwrap_err()
            .contains("not valid manifest JSON"));
    }

    #[test]
    fn fuzz_regression_a_long_float_decodes_and_decodes_again() {
        // fuzz/artifacts plugin_reply crash-55cbf568: status byte 1 (OK), a
        // tab, then a 43-digit integer. serde_json reads it as a float that
        // may be one ulp off; decoding must still give an output, twice.
        let bytes = b"\t2222288882222222222222222222222222222222223";
        let InvokeReply::Output(value) = decode_invoke_reply(STATUS_OK, bytes) else {
            panic!("not an output");
        };
        assert!(value.is_f64(), "{value}");
        let again = serde_json::to_vec(&value).unwrap();
        assert!(matches!(
            decode_invoke_reply(STATUS_OK, &again),
            InvokeReply::Output(v) if v.is_f64()
        ));
    }

    #[test]
    fn manifests_must_be_utf8_json_with_status_zero() {
        assert!(decode_manifest(STATUS_OK, b"\xfe")
            .unwrap_err()
            .contains("not UTF-8"));
        assert!(decode_manifest(STATUS_ACTION_ERROR, b"{}")
            .unwrap_err()
            .contains("expected 0"));
        assert!(decode_manifest(STATUS_INTERNAL_ERROR, b"boom")
            .unwrap_err()
            .contains("failed: boom"));
        let manifest = garita_sdk::Manifest::new("x", "1.0.0", "X");
        let bytes = serde_json::to_vec(&manifest).unwrap();
        assert_eq!(decode_manifest(STATUS_OK, &bytes).unwrap().name, "x");
    }
}
