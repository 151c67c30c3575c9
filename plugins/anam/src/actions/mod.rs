//! The connector's actions: input reading, JSON Schemas and output shaping
//! around the plain functions of the crate.

mod input;
mod password_recovery;
mod registration;
use garita_portal_kit::schemas;
mod validate;

use garita_sdk::{ActionError, ActionSpec, InvokeContext};
use serde_json::{Map, Value};

use crate::guides::Guide;

/// Every action the connector offers.
pub(crate) fn specs() -> Vec<ActionSpec> {
    let mut specs = validate::specs();
    specs.push(registration::spec());
    specs.push(password_recovery::spec());
    specs
}

/// Runs `action` on `input`.
pub(crate) fn invoke(
    ctx: &InvokeContext,
    action: &str,
    input: &Value,
) -> Result<Value, ActionError> {
    let english = ctx.is_english();
    match action {
        registration::ACTION => registration::invoke(input, english),
        password_recovery::ACTION => password_recovery::invoke(input, english),
        other => match validate::find(other) {
            Some(validator) => validate::invoke(validator, input, english),
            None => Err(ActionError::unknown_action(other)),
        },
    }
}

/// The fields every guide action returns: the guide itself, its Markdown and the locale.
fn guide_fields(guide: &Guide, english: bool) -> Map<String, Value> {
    let mut fields = match serde_json::to_value(guide) {
        Ok(Value::Object(map)) => map,
        // A Guide is a plain struct of strings and vectors; it always serialises to an object.
        _ => Map::new(),
    };
    fields.insert("markdown".into(), Value::String(guide.to_markdown(english)));
    fields.insert(
        "locale".into(),
        Value::String(if english { "en" } else { "es" }.into()),
    );
    fields
}
