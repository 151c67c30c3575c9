//! Reading fields out of an action's input with field-level errors, so a bad
//! input is reported as `InvalidInput` with the path of each problem even when
//! the connector is called without the host's schema check.

use garita_sdk::serde_json::{Map, Value};
use garita_sdk::{ActionError, FieldError};

/// The input as an object, or `InvalidInput` at the root path.
pub fn object<'a>(action: &str, input: &'a Value) -> Result<&'a Map<String, Value>, ActionError> {
    input
        .as_object()
        .ok_or_else(|| invalid(action, "", "the input must be a JSON object"))
}

/// A required string field.
pub fn required_str<'a>(
    action: &str,
    fields: &'a Map<String, Value>,
    name: &str,
) -> Result<&'a str, ActionError> {
    match fields.get(name) {
        Some(Value::String(text)) => Ok(text),
        Some(_) => Err(invalid(action, &pointer(name), "must be a string")),
        None => Err(invalid(action, &pointer(name), "is required")),
    }
}

/// An optional string field.
pub fn optional_str<'a>(
    action: &str,
    fields: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, ActionError> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(invalid(action, &pointer(name), "must be a string")),
    }
}

/// An optional boolean field.
pub fn optional_bool(
    action: &str,
    fields: &Map<String, Value>,
    name: &str,
) -> Result<Option<bool>, ActionError> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(flag)) => Ok(Some(*flag)),
        Some(_) => Err(invalid(action, &pointer(name), "must be true or false")),
    }
}

/// A required non-negative integer field.
pub fn required_u64(
    action: &str,
    fields: &Map<String, Value>,
    name: &str,
) -> Result<u64, ActionError> {
    match fields.get(name) {
        Some(value) => value
            .as_u64()
            .ok_or_else(|| invalid(action, &pointer(name), "must be a non-negative integer")),
        None => Err(invalid(action, &pointer(name), "is required")),
    }
}

/// Refuses fields the action's schema does not declare (schemas say
/// `additionalProperties: false`), so a misspelt field is an error, not ignored.
pub fn only_known(
    action: &str,
    fields: &Map<String, Value>,
    known: &[&str],
) -> Result<(), ActionError> {
    let unknown: Vec<FieldError> = fields
        .keys()
        .filter(|key| !known.contains(&key.as_str()))
        .map(|key| {
            FieldError::new(
                pointer(key),
                format!("unknown field; expected one of: {}", known.join(", ")),
            )
        })
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(ActionError::invalid(
            format!("invalid input for core.{action}"),
            unknown,
        ))
    }
}

/// One field error as an `InvalidInput`.
pub fn invalid(action: &str, path: &str, message: &str) -> ActionError {
    ActionError::invalid(
        format!("invalid input for core.{action}"),
        vec![FieldError::new(path, message)],
    )
}

/// The JSON Pointer of a top-level field (`~` and `/` escaped as RFC 6901 says).
fn pointer(name: &str) -> String {
    format!("/{}", name.replace('~', "~0").replace('/', "~1"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use garita_sdk::serde_json::json;

    #[test]
    fn errors_carry_json_pointer_paths() {
        let input = json!({"a": 1, "x/y": true});
        let fields = object("t", &input).unwrap();
        let ActionError::InvalidInput { fields: errors, .. } =
            required_str("t", fields, "a").unwrap_err()
        else {
            panic!("expected InvalidInput")
        };
        assert_eq!(errors[0].path, "/a");
        let ActionError::InvalidInput { fields: errors, .. } =
            only_known("t", fields, &["a"]).unwrap_err()
        else {
            panic!("expected InvalidInput")
        };
        assert_eq!(errors[0].path, "/x~1y");
    }

    #[test]
    fn non_objects_fail_at_the_root() {
        let ActionError::InvalidInput { fields, .. } = object("t", &json!([1])).unwrap_err() else {
            panic!("expected InvalidInput")
        };
        assert_eq!(fields[0].path, "");
    }
}
