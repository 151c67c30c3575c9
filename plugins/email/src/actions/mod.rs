//! The two actions and what they share: turning input into a message.

pub mod render;
pub mod send;

use garita_sdk::serde_json::{json, Value};
use garita_sdk::{ActionError, FieldError, InvokeContext};
use lettre::Message;

use crate::attachment;
use crate::compose::{compose, BccHeader, Draft};
use crate::config::EmailConfig;
use crate::message_id::{message_id_for, step_hash};
use crate::request::EmailRequest;
use garita_portal_kit::pick_for;

/// A message built for the current step.
pub(crate) struct Prepared {
    pub config: EmailConfig,
    pub message: Message,
    pub message_id: String,
    /// The hash part of the Message-ID: the outbox file's name.
    pub file_stem: String,
}

/// Validates `input`, reads the attachments and builds the message.
pub(crate) fn prepare(
    ctx: &InvokeContext,
    config: EmailConfig,
    input: &Value,
    bcc: BccHeader,
) -> Result<Prepared, ActionError> {
    let mut request = EmailRequest::read(ctx, input)?;
    if request.reply_to.is_none() {
        request.reply_to = Some(config.reply_to.clone());
    }
    let mut problems = Vec::new();
    let from = request.from.clone().or_else(|| config.from.clone());
    if from.is_none() {
        problems.push(FieldError::new(
            "/from",
            pick_for(
                ctx,
                "falta el remitente: indíquelo en from o en from de [connectors.email]",
                "the sender is missing: give from here or in [connectors.email]",
            ),
        ));
    }
    let mut attachments = Vec::with_capacity(request.attachments.len());
    for wanted in &request.attachments {
        match attachment::load(ctx, wanted, config.max_attachment_bytes) {
            Ok(loaded) => attachments.push(loaded),
            Err(problem) => problems.push(problem),
        }
    }
    let Some(from) = from.filter(|_| problems.is_empty()) else {
        let message = pick_for(
            ctx,
            format!("la entrada tiene {} problema(s)", problems.len()),
            format!("the input has {} problem(s)", problems.len()),
        );
        return Err(ActionError::invalid(message, problems));
    };
    let key = &ctx.idempotency_key;
    let message_id = message_id_for(&key.run_id, &key.step_id, &config.message_id_domain);
    let draft = Draft {
        request: &request,
        from,
        message_id: &message_id,
        date: ctx.now,
        attachments: &attachments,
    };
    let message = compose(&draft, bcc)?;
    Ok(Prepared {
        file_stem: step_hash(&key.run_id, &key.step_id),
        config,
        message,
        message_id,
    })
}

/// The envelope as JSON: sender and every recipient.
pub(crate) fn envelope_json(message: &Message) -> Value {
    let envelope = message.envelope();
    json!({
        "from": envelope.from().map(ToString::to_string),
        "to": envelope.to().iter().map(ToString::to_string).collect::<Vec<_>>(),
    })
}
