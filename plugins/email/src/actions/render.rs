//! `email.render`: the message as text, without sending it.

use garita_sdk::serde_json::{json, Value};
use garita_sdk::{ActionError, ActionSpec, InvokeContext};

use super::{envelope_json, prepare};
use crate::compose::BccHeader;
use crate::config::EmailConfig;
use crate::schema;

/// The action's name after the dot.
pub const NAME: &str = "render";

/// The action's manifest entry.
pub fn spec() -> ActionSpec {
    ActionSpec::new(NAME, "Builds the RFC 5322 message (headers, text and HTML parts, attachments) and returns it as text with its Message-ID; sends nothing.")
        .input_schema(schema::message_input())
        .output_schema(schema::render_output())
}

/// Runs the action.
pub fn run(ctx: &InvokeContext, input: &Value) -> Result<Value, ActionError> {
    let config = EmailConfig::from_context(ctx)?;
    let prepared = prepare(ctx, config, input, BccHeader::Drop)?;
    let raw = String::from_utf8_lossy(&crate::compose::wire_bytes(&prepared.message)).into_owned();
    Ok(json!({
        "message_id": prepared.message_id,
        "raw": raw,
        "envelope": envelope_json(&prepared.message),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use garita_sdk::IdempotencyKey;

    fn ctx(attempt: u32) -> InvokeContext {
        InvokeContext {
            idempotency_key: IdempotencyKey {
                run_id: "run-7".into(),
                step_id: "notify".into(),
                attempt,
            },
            config: json!({"from": "Garita <robot@example.com>"}),
            ..InvokeContext::for_test()
        }
    }

    #[test]
    fn the_message_id_ignores_the_attempt() {
        let input = json!({"to": "a@example.com", "subject": "s", "body": "b"});
        let first = run(&ctx(1), &input).unwrap();
        let retry = run(&ctx(2), &input).unwrap();
        assert_eq!(first, retry);
        assert_eq!(
            first["message_id"],
            crate::message_id_for("run-7", "notify", "garita.local")
        );
    }

    #[test]
    fn the_envelope_lists_blind_copies_the_headers_hide() {
        let input = json!({"to": "a@example.com", "bcc": "hidden@example.com", "subject": "s", "body": "b"});
        let out = run(&ctx(1), &input).unwrap();
        assert_eq!(
            out["envelope"],
            json!({"from": "robot@example.com", "to": ["a@example.com", "hidden@example.com"]})
        );
        assert!(!out["raw"].as_str().unwrap().contains("hidden@"));
    }

    #[test]
    fn needs_a_sender() {
        let input = json!({"to": "a@example.com", "subject": "s", "body": "b"});
        let err = run(&InvokeContext::for_test(), &input).unwrap_err();
        assert!(err.to_string().contains("/from"), "{err}");
    }

    #[test]
    fn names_a_missing_attachment() {
        let input = json!({"to": "a@example.com", "subject": "s", "body": "b", "attachments": [{"path": "/nonexistent/constancia.pdf"}]});
        let err = run(&ctx(1), &input).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("/attachments/0/path") && text.contains("/nonexistent/constancia.pdf"),
            "{text}"
        );
    }
}
