//! The connector's actions: input reading, JSON Schemas and output shaping
//! around the plain functions of the crate.

mod annual_update;
mod annual_update_role;
mod input;
mod password_reset;
use garita_portal_kit::schemas;
mod validate;

use garita_sdk::{ActionError, ActionSpec, InvokeContext};
use serde_json::{Map, Value};

use crate::guides::Guide;

/// Every action the connector offers.
pub(crate) fn specs() -> Vec<ActionSpec> {
    vec![
        validate::cedula_spec(),
        validate::ruc_spec(),
        annual_update::spec(),
        annual_update_role::spec(),
        password_reset::spec(),
    ]
}

/// Runs `action` on `input`.
pub(crate) fn invoke(
    ctx: &InvokeContext,
    action: &str,
    input: &Value,
) -> Result<Value, ActionError> {
    let english = ctx.is_english();
    match action {
        validate::CEDULA_ACTION => validate::cedula(input, english),
        validate::RUC_ACTION => validate::ruc(input, english),
        annual_update::ACTION => annual_update::invoke(ctx, input),
        annual_update_role::ACTION => annual_update_role::invoke(ctx, input),
        password_reset::ACTION => password_reset::invoke(input, english),
        other => Err(ActionError::unknown_action(other)),
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
