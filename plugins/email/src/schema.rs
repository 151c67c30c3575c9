//! JSON Schemas of the two actions.

use garita_sdk::serde_json::{json, Value};

/// The input of `email.render` and `email.send`.
pub(crate) fn message_input() -> Value {
    let one_or_more = |min_items: u64, description: &str| {
        json!({
            "description": description,
            "oneOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "string"}, "minItems": min_items}
            ]
        })
    };
    json!({
        "type": "object",
        "required": ["to", "subject", "body"],
        "additionalProperties": false,
        "properties": {
            "from": {"type": "string", "description": "Sender, `Name <user@domain>` or `user@domain`; default: from of [connectors.email]."},
            "to": one_or_more(1, "One address or a list; `Name <user@domain>` or `user@domain`. Names may hold accents and ñ."),
            "cc": one_or_more(0, "Copies."),
            "bcc": one_or_more(0, "Blind copies: in the envelope, not in the sent headers."),
            "reply_to": one_or_more(0, "Where replies go; default: reply_to of [connectors.email]. An empty list sends no Reply-To."),
            "subject": {"type": "string", "pattern": "^[^\\r\\n]*$", "description": "One line; UTF-8 is encoded as needed."},
            "body": {"type": "string", "description": "The body, in Markdown unless `html` is given or `format` is `text`: sent as a plain-text part written for reading plus an HTML part rendered from it. A single line break stays a line break; raw HTML is shown as text."},
            "html": {"type": "string", "description": "An HTML alternative of a plain-text body (then `body` is sent as written)."},
            "format": {"enum": ["markdown", "text"], "description": "How `body` is written: `markdown` (the default without `html`) or `text` (sent as written; the default with `html`)."},
            "attachments": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["path"],
                    "additionalProperties": false,
                    "properties": {
                        "path": {"type": "string", "x-file-path": true, "description": "File to attach (10 MiB at most by default); Garita allows only files in `[files] allowed_dirs` (by default the store's files/ folder)."},
                        "filename": {"type": "string", "description": "Name the recipient sees; default: the file's name."},
                        "content_type": {"type": "string", "description": "MIME type; default: guessed from the extension."}
                    }
                }
            }
        }
    })
}

fn envelope() -> Value {
    json!({
        "type": "object",
        "required": ["from", "to"],
        "additionalProperties": false,
        "properties": {
            "from": {"type": ["string", "null"]},
            "to": {"type": "array", "items": {"type": "string"}, "description": "Every recipient: to, cc and bcc."}
        }
    })
}

/// The output of `email.render`.
pub(crate) fn render_output() -> Value {
    json!({
        "type": "object",
        "required": ["message_id", "raw", "envelope"],
        "additionalProperties": false,
        "properties": {
            "message_id": {"type": "string", "description": "`<hash@domain>`, stable for the run and step."},
            "raw": {"type": "string", "description": "The RFC 5322 message as it goes over SMTP (without Bcc)."},
            "envelope": envelope()
        }
    })
}

/// The output of `email.send`.
pub(crate) fn send_output() -> Value {
    json!({
        "type": "object",
        "required": ["message_id", "transport", "envelope"],
        "additionalProperties": false,
        "properties": {
            "message_id": {"type": "string"},
            "transport": {"enum": ["file", "smtp"], "description": "`file`: written to a file, not delivered to anyone; `smtp`: accepted by the server."},
            "accepted_by": {"type": "string", "description": "The SMTP server's reply to the message (smtp transport)."},
            "server": {"type": "string", "description": "`host:port` of the SMTP server that accepted it (smtp transport)."},
            "path": {"type": "string", "description": "The .eml file written (file transport): nobody has received it."},
            "envelope": envelope()
        }
    })
}
