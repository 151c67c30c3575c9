//! `core.sleep`: blocks the call for a while, so tests can kill the process
//! while a step is in flight. The host runs it on a blocking thread.

use std::time::Duration;

use garita_sdk::serde_json::{json, Value};
use garita_sdk::{ActionError, ActionSpec};

use crate::input;

pub const NAME: &str = "sleep";

/// Longest sleep accepted, so a typo cannot park a worker thread for hours.
pub const MAX_MS: u64 = 60_000;

pub fn spec() -> ActionSpec {
    ActionSpec::new(
        NAME,
        "Sleeps `ms` milliseconds (at most 60000), then returns {slept_ms}.",
    )
    .input_schema(json!({
        "type": "object",
        "properties": {
            "ms": {"type": "integer", "minimum": 0, "maximum": MAX_MS}
        },
        "required": ["ms"],
        "additionalProperties": false
    }))
    .output_schema(json!({
        "type": "object",
        "properties": {"slept_ms": {"type": "integer"}},
        "required": ["slept_ms"]
    }))
}

pub fn run(input: &Value) -> Result<Value, ActionError> {
    let fields = input::object(NAME, input)?;
    input::only_known(NAME, fields, &["ms"])?;
    let ms = input::required_u64(NAME, fields, "ms")?;
    if ms > MAX_MS {
        return Err(input::invalid(
            NAME,
            "/ms",
            &format!("must be at most {MAX_MS}"),
        ));
    }
    std::thread::sleep(Duration::from_millis(ms));
    Ok(json!({"slept_ms": ms}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_what_it_slept() {
        assert_eq!(run(&json!({"ms": 0})).unwrap(), json!({"slept_ms": 0}));
    }

    #[test]
    fn refuses_long_sleeps() {
        assert!(matches!(
            run(&json!({"ms": MAX_MS + 1})),
            Err(ActionError::InvalidInput { .. })
        ));
    }
}
