//! `core.set`: returns its input object, so a workflow can name values
//! (`steps.ID.output.FIELD`) computed from expressions.

use garita_sdk::serde_json::{json, Value};
use garita_sdk::{ActionError, ActionSpec};

use crate::input;

pub const NAME: &str = "set";

pub fn spec() -> ActionSpec {
    ActionSpec::new(
        NAME,
        "Returns its input object unchanged; use it to name computed values.",
    )
    .input_schema(json!({"type": "object"}))
    .output_schema(json!({"type": "object"}))
}

pub fn run(input: Value) -> Result<Value, ActionError> {
    input::object(NAME, &input)?;
    Ok(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_the_input() {
        let value = json!({"a": [1, 2], "b": {"c": null}});
        assert_eq!(run(value.clone()).unwrap(), value);
    }

    #[test]
    fn refuses_non_objects() {
        assert!(matches!(
            run(json!("x")),
            Err(ActionError::InvalidInput { .. })
        ));
    }
}
