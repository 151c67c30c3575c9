//! `email.send`: delivers the message through the configured transport.

use garita_sdk::serde_json::{json, Value};
use garita_sdk::{ActionError, ActionSpec, InvokeContext};

use super::{envelope_json, prepare};
use crate::compose::BccHeader;
use crate::config::{EmailConfig, Transport};
use crate::{outbox, schema, smtp};
use garita_portal_kit::pick_for;

/// The action's name after the dot.
pub const NAME: &str = "send";

/// The action's manifest entry.
pub fn spec() -> ActionSpec {
    ActionSpec::new(
        NAME,
        "Sends the message through the configured transport: a file outbox (default, idempotent per Message-ID) or an SMTP server.",
    )
    .input_schema(schema::message_input())
    .output_schema(schema::send_output())
    .with_side_effects()
}

/// Runs the action.
pub fn run(ctx: &InvokeContext, input: &Value) -> Result<Value, ActionError> {
    let config = EmailConfig::from_context(ctx)?;
    // The outbox keeps Bcc in the file: no envelope travels with it.
    let bcc = match config.transport {
        Transport::File { .. } => BccHeader::Keep,
        Transport::Smtp(_) => BccHeader::Drop,
    };
    let prepared = prepare(ctx, config, input, bcc)?;
    let mut output = json!({
        "message_id": prepared.message_id,
        "envelope": envelope_json(&prepared.message),
    });
    match &prepared.config.transport {
        Transport::File { outbox_dir } => {
            let path = outbox::write(
                outbox_dir,
                &prepared.file_stem,
                &crate::compose::wire_bytes(&prepared.message),
            )
            .map_err(|err| {
                let shown = outbox_dir.display();
                ActionError::permanent(pick_for(
                    ctx,
                    format!(
                        "no se pudo escribir el mensaje en la bandeja de salida `{shown}`: {err}"
                    ),
                    format!("could not write the message to the outbox `{shown}`: {err}"),
                ))
            })?;
            output["transport"] = json!("file");
            output["path"] = json!(path.display().to_string());
        }
        Transport::Smtp(settings) => {
            let reply = smtp::send(ctx, settings, &prepared.message)?;
            output["transport"] = json!("smtp");
            output["server"] = json!(format!("{}:{}", settings.host, settings.port));
            output["accepted_by"] = json!(reply);
        }
    }
    Ok(output)
}
