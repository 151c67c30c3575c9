//! `core.panic`: panics on purpose. It exists only to prove that a panicking
//! connector fails its step and nothing else; never use it in real workflows.

use garita_sdk::serde_json::{json, Value};
use garita_sdk::{ActionError, ActionSpec};

use crate::input;

pub const NAME: &str = "panic";

pub fn spec() -> ActionSpec {
    ActionSpec::new(
        NAME,
        "Panics with `message` (testing only: proves panics are contained).",
    )
    .input_schema(json!({
        "type": "object",
        "properties": {"message": {"type": "string"}},
        "additionalProperties": false
    }))
    .output_schema(json!({"not": {}}))
}

pub fn run(input: &Value) -> Result<Value, ActionError> {
    let fields = input::object(NAME, input)?;
    input::only_known(NAME, fields, &["message"])?;
    let message = input::optional_str(NAME, fields, "message")?.unwrap_or("core.panic was called");
    panic!("{message}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_with_the_message() {
        let payload = std::panic::catch_unwind(|| run(&json!({"message": "kaboom"}))).unwrap_err();
        assert_eq!(garita_sdk::abi::panic_message(&*payload), "kaboom");
    }
}
