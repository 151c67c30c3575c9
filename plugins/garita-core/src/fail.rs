//! `core.fail`: fails on purpose, to test retry policies and failure paths.

use garita_sdk::serde_json::{json, Value};
use garita_sdk::{ActionError, ActionSpec};

use crate::input;

pub const NAME: &str = "fail";

pub fn spec() -> ActionSpec {
    ActionSpec::new(NAME, "Fails with `message`; a retryable failure when `retryable` is true.")
        .input_schema(json!({
            "type": "object",
            "properties": {
                "message": {"type": "string", "description": "The error message."},
                "retryable": {"type": "boolean", "description": "Fail with a retryable error (default false)."}
            },
            "required": ["message"],
            "additionalProperties": false
        }))
        // The action never succeeds, so no output value is valid.
        .output_schema(json!({"not": {}}))
}

pub fn run(input: &Value) -> Result<Value, ActionError> {
    let fields = input::object(NAME, input)?;
    input::only_known(NAME, fields, &["message", "retryable"])?;
    let message = input::required_str(NAME, fields, "message")?;
    if input::optional_bool(NAME, fields, "retryable")?.unwrap_or(false) {
        Err(ActionError::retryable(message))
    } else {
        Err(ActionError::permanent(message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fails_permanently_by_default() {
        assert_eq!(
            run(&json!({"message": "no"})),
            Err(ActionError::permanent("no"))
        );
    }

    #[test]
    fn fails_retryably_on_request() {
        assert_eq!(
            run(&json!({"message": "later", "retryable": true})),
            Err(ActionError::retryable("later"))
        );
    }

    #[test]
    fn requires_a_message() {
        assert!(matches!(
            run(&json!({})),
            Err(ActionError::InvalidInput { .. })
        ));
    }
}
