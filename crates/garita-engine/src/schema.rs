//! The JSON Schema of workflow files (`garita schema workflow`) and JSON Schema
//! checks of values against connector schemas.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::Validator;
use serde_json::Value;

/// Most compiled validators kept at once: every built-in action's input and
/// output schema with room to spare; past it the cache starts over.
const MAX_CACHED_VALIDATORS: usize = 512;

/// Compiles `schema` once per process. Validating a workflow checks each
/// step's `with:` against its action's schema, and the daemon validates
/// every workflow on every reload: compiling the same schema per step cost
/// tens of MiB of peak memory and most of the time (docs/performance.md).
fn validator(schema: &Value) -> Result<Arc<Validator>, jsonschema::ValidationError<'static>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Validator>>>> = OnceLock::new();
    let key = schema.to_string();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(found) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Ok(found.clone());
    }
    let compiled = Arc::new(jsonschema::validator_for(schema)?);
    let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
    if cache.len() >= MAX_CACHED_VALIDATORS {
        cache.clear();
    }
    cache.insert(key, compiled.clone());
    Ok(compiled)
}

/// Starts building the JSON Schema meta-schema validator on a spare thread.
///
/// The first schema compiled in a process is itself checked against the
/// draft 2020-12 meta-schema, whose validator jsonschema builds on first use:
/// about 2 ms on the development VM, a tenth of a whole `garita run`. A
/// command that will check workflow steps or action inputs calls this first,
/// so that the build overlaps with reading its configuration and connectors;
/// the first real check then finds the validator ready (or waits for the
/// build already under way, never repeating it). Calling it again does nothing.
pub fn prewarm() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        // A failed spawn only means the first check builds it, as before.
        let _ = std::thread::Builder::new()
            .name("garita-schema".into())
            .spawn(|| drop(validator(&serde_json::json!({"type": "object"}))));
    });
}

/// The JSON Schema (draft 2020-12) describing workflow files, for editors
/// (`garita schema workflow`). It mirrors the parser's rules as far as JSON
/// Schema can; `garita validate` also checks references, templates, cron
/// expressions and connector inputs.
pub fn workflow_json_schema() -> serde_json::Value {
    crate::parse::workflow_file_schema()
}

/// Checks `value` against `schema`; on failure, every problem as `(json pointer, message)`.
///
/// The pointer locates the offending part of `value` (`""` is the whole value,
/// `/to/0` the first item of its `to` property). When `schema` is not itself a
/// valid JSON Schema the result is a single entry whose message says so, so a
/// broken connector schema is never mistaken for bad input.
pub fn check_value(schema: &Value, value: &Value) -> Result<(), Vec<(String, String)>> {
    let validator = match validator(schema) {
        Ok(validator) => validator,
        Err(err) => {
            let location = err.instance_path().to_string();
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
    let mut problems: Vec<(String, String)> = validator
        .iter_errors(value)
        .map(|err| (err.instance_path().to_string(), err.to_string()))
        .collect();
    // In document order, whatever order the validator's keywords ran in.
    problems.sort_by(|a, b| a.0.cmp(&b.0));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Checks that `schema` is a valid JSON Schema (draft 2020-12 unless its
/// `$schema` says otherwise); on failure, what is wrong and where.
pub fn check_schema(schema: &Value) -> Result<(), String> {
    match validator(schema) {
        Ok(_) => Ok(()),
        Err(err) => {
            let location = err.instance_path().to_string();
            let at = if location.is_empty() {
                "its root".to_owned()
            } else {
                format!("`{location}`")
            };
            Err(format!("not a valid JSON Schema at {at}: {err}"))
        }
    }
}

/// Like [`check_value`], for a value some of whose parts are only known at
/// run time: `dynamic` holds the JSON pointers of those parts (templated
/// strings). Problems at or below a dynamic part are dropped, and so are
/// problems of an enclosing value that could depend on it (`anyOf`, `enum`,
/// …); structural problems of enclosing values (a missing required property,
/// an unexpected property) are kept, since no run-time value can fix them.
/// An unexpected property is reported at its own pointer, not its object's.
pub(crate) fn check_static_parts(
    schema: &Value,
    value: &Value,
    dynamic: &[String],
) -> Result<(), Vec<(String, String)>> {
    use jsonschema::error::ValidationErrorKind as Kind;

    let validator = match validator(schema) {
        Ok(validator) => validator,
        Err(_) => return check_value(schema, value),
    };
    let mut problems: Vec<(String, String)> = validator
        .iter_errors(value)
        .filter(|err| {
            let at = err.instance_path().as_str();
            let inside_dynamic = dynamic.iter().any(|d| is_at_or_below(at, d));
            let encloses_dynamic = dynamic.iter().any(|d| is_at_or_below(d, at));
            let structural = matches!(
                err.kind(),
                Kind::Required { .. }
                    | Kind::AdditionalProperties { .. }
                    | Kind::MinProperties { .. }
                    | Kind::MaxProperties { .. }
                    | Kind::MinItems { .. }
                    | Kind::MaxItems { .. }
                    | Kind::PropertyNames { .. }
            );
            !inside_dynamic && (!encloses_dynamic || structural)
        })
        .map(|err| {
            // Point at the first unexpected property rather than at the
            // object holding it: that is the line the author has to change.
            let mut pointer = err.instance_path().to_string();
            if let Kind::AdditionalProperties { unexpected } = err.kind() {
                if let Some(first) = unexpected.first() {
                    pointer = format!("{pointer}/{}", first.replace('~', "~0").replace('/', "~1"));
                }
            }
            (pointer, err.to_string())
        })
        .collect();
    problems.sort_by(|a, b| a.0.cmp(&b.0));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Whether JSON pointer `path` is `base` or inside it.
fn is_at_or_below(path: &str, base: &str) -> bool {
    path == base || (path.starts_with(base) && path.as_bytes().get(base.len()) == Some(&b'/'))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn checks_after_prewarm_agree_with_checks_without() {
        prewarm();
        prewarm();
        let schema = json!({"type": "object", "required": ["ruc"]});
        assert_eq!(check_value(&schema, &json!({"ruc": "x"})), Ok(()));
        let problems = check_value(&schema, &json!({})).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].1.contains("ruc"), "{problems:?}");
        assert!(check_schema(&json!({"type": 12})).is_err());
    }

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

    #[test]
    fn dynamic_parts_are_skipped_but_structure_is_checked() {
        let schema = json!({
            "type": "object",
            "required": ["ruc", "kind"],
            "properties": {
                "ruc": {"type": "string", "pattern": "^[0-9]{13}$"},
                "n": {"type": "integer"},
                "kind": {"enum": ["a", "b"]},
                "to": {"type": "array", "items": {"type": "string"}}
            },
            "additionalProperties": false
        });
        let dynamic = vec!["/n".to_owned(), "/to/0".to_owned()];
        let value = json!({"ruc": "123", "n": "${{ inputs.n }}", "to": ["${{ x }}"], "other": 1});
        let problems = check_static_parts(&schema, &value, &dynamic).unwrap_err();
        let pointers: Vec<&str> = problems.iter().map(|(p, _)| p.as_str()).collect();
        // `ruc` is a bad literal, `kind` is missing, `other` is unexpected;
        // the templated `n` and `to/0` are not judged.
        assert_eq!(pointers, vec!["", "/other", "/ruc"], "{problems:?}");
        assert!(
            problems[0].1.contains("\"kind\" is a required property"),
            "{problems:?}"
        );
        assert_eq!(problems.len(), 3, "{problems:?}");
    }

    #[test]
    fn pointer_prefixes() {
        assert!(is_at_or_below("/a/b", "/a"));
        assert!(is_at_or_below("/a", "/a"));
        assert!(!is_at_or_below("/ab", "/a"));
        assert!(is_at_or_below("/a", ""));
    }
}
