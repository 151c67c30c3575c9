//! The JSON Schema of workflow files (`garita schema workflow`) and JSON Schema
//! checks of values against connector schemas.

use serde_json::Value;

/// The JSON Schema describing workflow files.
pub fn workflow_json_schema() -> serde_json::Value {
    serde_json::json!({})
}

/// Checks `value` against `schema`; on failure, every problem as `(json pointer, message)`.
///
/// The pointer locates the offending part of `value` (`""` is the whole value,
/// `/to/0` the first item of its `to` property). When `schema` is not itself a
/// valid JSON Schema the result is a single entry whose message says so, so a
/// broken connector schema is never mistaken for bad input.
pub fn check_value(schema: &Value, value: &Value) -> Result<(), Vec<(String, String)>> {
    let validator = match jsonschema::validator_for(schema) {
        Ok(validator) => validator,
        Err(err) => {
            let location = err.instance_path.to_string();
            let at = if location.is_empty() {
                "its root".to_owned()
            } else {
                format!("`{location}`")
            };
            return Err(vec![(
                String::new(),
                format!("the JSON Schema itself is invalid at {at}: {err}; fix the schema before checking values against it"),
            )]);
        }
    };
    let problems: Vec<(String, String)> = validator
        .iter_errors(value)
        .map(|err| (err.instance_path.to_string(), err.to_string()))
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn valid_value_passes() {
        let schema = json!({"type": "object", "required": ["ruc"], "properties": {"ruc": {"type": "string"}}});
        assert_eq!(
            check_value(&schema, &json!({"ruc": "0990000000001"})),
            Ok(())
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_pointer() {
        let schema = json!({
            "type": "object",
            "properties": {"to": {"type": "array", "items": {"type": "string"}}, "n": {"type": "integer"}},
            "additionalProperties": false
        });
        let problems =
            check_value(&schema, &json!({"to": ["a", 3], "n": "x", "extra": true})).unwrap_err();
        let pointers: Vec<&str> = problems.iter().map(|(p, _)| p.as_str()).collect();
        assert!(pointers.contains(&"/to/1"), "{problems:?}");
        assert!(pointers.contains(&"/n"), "{problems:?}");
        assert!(
            problems.iter().any(|(_, m)| m.contains("extra")),
            "{problems:?}"
        );
        assert_eq!(problems.len(), 3, "{problems:?}");
    }

    #[test]
    fn invalid_schema_is_reported_as_such() {
        let problems = check_value(&json!({"type": 12}), &json!("x")).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].1.contains("JSON Schema itself is invalid"),
            "{problems:?}"
        );
    }

    #[test]
    fn empty_schema_accepts_anything() {
        assert_eq!(check_value(&json!({}), &json!([1, "a", null])), Ok(()));
        assert_eq!(check_value(&json!(true), &json!({"a": 1})), Ok(()));
    }
}
