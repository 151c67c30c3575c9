//! `hello`: the smallest useful Garita connector, and the example of
//! docs/plugin-authors.md. One action, `hello.greet`, turns `{name}` into
//! `{greeting}` in the run's language.

use garita_sdk::serde_json::{json, Value};
use garita_sdk::{
    export_connector, ActionError, ActionSpec, Connector, FieldError, InvokeContext, Manifest,
};

/// The connector. It holds no state, so a unit struct is enough.
pub struct Hello;

impl Connector for Hello {
    fn manifest(&self) -> Manifest {
        Manifest::new("hello", env!("CARGO_PKG_VERSION"), "Greets people by name.").action(
            ActionSpec::new(
                "greet",
                "Returns a greeting for `name` in the run's locale.",
            )
            .input_schema(json!({
                "type": "object",
                "properties": {"name": {"type": "string", "minLength": 1}},
                "required": ["name"],
                "additionalProperties": false
            }))
            .output_schema(json!({
                "type": "object",
                "properties": {"greeting": {"type": "string"}},
                "required": ["greeting"]
            })),
        )
    }

    fn invoke(
        &self,
        ctx: &InvokeContext,
        action: &str,
        input: Value,
    ) -> Result<Value, ActionError> {
        match action {
            "greet" => greet(ctx, &input),
            other => Err(ActionError::unknown_action(other)),
        }
    }
}

fn greet(ctx: &InvokeContext, input: &Value) -> Result<Value, ActionError> {
    // The host checks input against the schema before calling, but a
    // connector must not rely on it: say exactly which field is wrong.
    let Some(fields) = input.as_object() else {
        return Err(invalid("", "the input must be an object"));
    };
    if let Some(unknown) = fields.keys().find(|key| key.as_str() != "name") {
        return Err(invalid(&format!("/{unknown}"), "unknown field"));
    }
    let name = match fields.get("name") {
        Some(Value::String(name)) if !name.trim().is_empty() => name.trim(),
        Some(_) => return Err(invalid("/name", "must be a non-empty string")),
        None => return Err(invalid("/name", "is required")),
    };
    let greeting = if ctx.is_english() {
        format!("Hello, {name}!")
    } else {
        format!("¡Hola, {name}!")
    };
    Ok(json!({ "greeting": greeting }))
}

fn invalid(path: &str, message: &str) -> ActionError {
    ActionError::invalid(
        "invalid input for hello.greet",
        vec![FieldError::new(path, message)],
    )
}

// Generates the `garita_connector_entry` symbol the host looks for.
export_connector!(Hello);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greets_in_the_run_locale() {
        let mut ctx = InvokeContext::for_test();
        let out = Hello.invoke(&ctx, "greet", json!({"name": "Ana"})).unwrap();
        assert_eq!(out, json!({"greeting": "¡Hola, Ana!"}));
        ctx.locale = "en".into();
        let out = Hello.invoke(&ctx, "greet", json!({"name": "Ana"})).unwrap();
        assert_eq!(out, json!({"greeting": "Hello, Ana!"}));
    }

    #[test]
    fn names_the_bad_field() {
        let err = Hello
            .invoke(&InvokeContext::for_test(), "greet", json!({"name": 7}))
            .unwrap_err();
        let ActionError::InvalidInput { fields, .. } = err else {
            panic!("expected InvalidInput")
        };
        assert_eq!(fields[0].path, "/name");
    }
}
