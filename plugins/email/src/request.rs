//! The input shared by `email.render` and `email.send`, read and validated.

use std::path::PathBuf;

use garita_sdk::serde_json::Value;
use garita_sdk::{ActionError, InvokeContext};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;

use garita_portal_kit::FieldReader;

use crate::input::EmailFields;

/// Most recipients one message may have across `to`, `cc` and `bcc`: far
/// above any notice Garita sends, low enough that a mistaken list (a whole
/// directory pasted in) is refused before a server sees it.
pub(crate) const MAX_RECIPIENTS: usize = 2_000;

/// A file to attach, as asked for (not read yet).
#[derive(Debug, Clone)]
pub(crate) struct AttachmentRequest {
    /// JSON Pointer of the item, for error messages (`/attachments/0`).
    pub pointer: String,
    /// Where the file is (relative paths from the working directory).
    pub path: PathBuf,
    /// The name the recipient sees; default: the file's own name.
    pub filename: Option<String>,
    /// MIME type; default: guessed from the file name's extension.
    pub content_type: Option<ContentType>,
}

/// How `body` is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyFormat {
    /// Markdown: a plain-text part and an HTML part are rendered from it
    /// (the default when no `html` is given).
    Markdown,
    /// Plain text sent as written, with `html` as its alternative if given
    /// (the default when `html` is given).
    Text,
}

/// A validated message request.
#[derive(Debug, Clone)]
pub(crate) struct EmailRequest {
    pub from: Option<Mailbox>,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub bcc: Vec<Mailbox>,
    /// `None` when the input gives none: the configured `reply_to` applies.
    /// An empty list (`reply_to: []`) asks for no Reply-To at all.
    pub reply_to: Option<Vec<Mailbox>>,
    pub subject: String,
    /// The text/plain part, as it is sent (rendered from Markdown when the
    /// body is Markdown).
    pub body: String,
    /// The text/html part, if any.
    pub html: Option<String>,
    pub attachments: Vec<AttachmentRequest>,
}

impl EmailRequest {
    /// Reads and validates `input`, reporting every problem at once.
    pub(crate) fn read(ctx: &InvokeContext, input: &Value) -> Result<Self, ActionError> {
        let mut reader = FieldReader::new(ctx, input);
        reader.refuse_unknown(&[
            "from",
            "to",
            "cc",
            "bcc",
            "reply_to",
            "subject",
            "body",
            "html",
            "format",
            "attachments",
        ]);
        let from = reader.mailboxes("from");
        if from.len() > 1 {
            reader.fail("/from", "indique un solo remitente", "give a single sender");
        }
        let listed: usize = ["to", "cc", "bcc"]
            .iter()
            .map(|field| match reader.raw(field) {
                Some(Value::Array(items)) => items.len(),
                Some(_) => 1,
                None => 0,
            })
            .sum();
        if listed > MAX_RECIPIENTS {
            reader.fail(
                "/to",
                format!("{listed} destinatarios entre to, cc y bcc; un mensaje admite como máximo {MAX_RECIPIENTS} (envíe varios mensajes o use una lista de distribución)"),
                format!("{listed} recipients across to, cc and bcc; one message takes at most {MAX_RECIPIENTS} (send several messages or use a distribution list)"),
            );
        }
        let to = reader.mailboxes("to");
        let no_recipient = match reader.raw("to") {
            None => true,
            Some(Value::Array(items)) => items.is_empty(),
            Some(_) => false,
        };
        if no_recipient {
            reader.fail(
                "/to",
                "indique al menos un destinatario",
                "give at least one recipient",
            );
        }
        let cc = reader.mailboxes("cc");
        let bcc = reader.mailboxes("bcc");
        let reply_to = reader
            .raw("reply_to")
            .is_some()
            .then(|| reader.mailboxes("reply_to"));
        let subject = reader.required_text("subject").unwrap_or_default();
        if reader.check_one_line("/subject", &subject) {
            reader.check_foldable("/subject", &subject);
        }
        let body = reader.required_text("body").unwrap_or_default();
        let html = reader.optional_text("html");
        let (body, html) = match read_format(&mut reader, html.is_some()) {
            BodyFormat::Markdown => (
                crate::markdown::to_plain_text(&body),
                Some(crate::markdown::to_html(&body)),
            ),
            BodyFormat::Text => (body, html),
        };
        let attachments = read_attachments(&mut reader);
        let request = Self {
            from: from.into_iter().next(),
            to,
            cc,
            bcc,
            reply_to,
            subject,
            body,
            html,
            attachments,
        };
        reader.finish(Some(request))
    }
}

/// The body's format: `markdown` unless `html` is given (then the body is
/// its plain-text alternative, as before Markdown bodies existed), or as
/// `format` says. Markdown with an `html` of its own is refused: which of
/// the two would the reader see?
fn read_format(reader: &mut FieldReader<'_>, has_html: bool) -> BodyFormat {
    let asked = reader.optional_str("format");
    match asked.as_deref() {
        None if has_html => BodyFormat::Text,
        None => BodyFormat::Markdown,
        Some("text") => BodyFormat::Text,
        Some("markdown") if has_html => {
            reader.fail(
                "/html",
                "con format: markdown la parte HTML se genera a partir de body; quite html o use format: text",
                "with format: markdown the HTML part is rendered from body; leave html out or use format: text",
            );
            BodyFormat::Markdown
        }
        Some("markdown") => BodyFormat::Markdown,
        Some(other) => {
            reader.fail(
                "/format",
                format!("`{other}` no es un formato; use markdown o text"),
                format!("`{other}` is not a format; use markdown or text"),
            );
            BodyFormat::Markdown
        }
    }
}

fn read_attachments(reader: &mut FieldReader<'_>) -> Vec<AttachmentRequest> {
    let Some(items) = reader.optional_array("attachments") else {
        return Vec::new();
    };
    let mut attachments = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let pointer = format!("/attachments/{index}");
        if !item.is_object() {
            reader.fail(
                pointer,
                "debe ser un objeto con path",
                "must be an object with a path",
            );
            continue;
        }
        for key in item.as_object().into_iter().flat_map(|o| o.keys()) {
            if !["path", "filename", "content_type"].contains(&key.as_str()) {
                reader.fail(
                    format!("{pointer}/{key}"),
                    "campo desconocido; los campos válidos son: path, filename, content_type",
                    "unknown field; the valid fields are: path, filename, content_type",
                );
            }
        }
        let text = |key: &str| {
            item.get(key)
                .filter(|v| !v.is_null())
                .map(|v| v.as_str().map(str::to_owned))
        };
        let path = match text("path") {
            Some(Some(path)) if !path.trim().is_empty() => Some(PathBuf::from(path)),
            Some(_) => {
                reader.fail(
                    format!("{pointer}/path"),
                    "debe ser la ruta de un archivo",
                    "must be a file path",
                );
                None
            }
            None => {
                reader.fail(
                    format!("{pointer}/path"),
                    "falta la ruta del archivo",
                    "the file path is missing",
                );
                None
            }
        };
        let filename = match text("filename") {
            Some(Some(name)) if !name.trim().is_empty() => reader
                .check_one_line(&format!("{pointer}/filename"), &name)
                .then_some(name),
            Some(_) => {
                reader.fail(
                    format!("{pointer}/filename"),
                    "debe ser un nombre no vacío",
                    "must be a non-empty name",
                );
                None
            }
            None => None,
        };
        let content_type = match text("content_type") {
            Some(Some(mime)) => match ContentType::parse(mime.trim()) {
                Ok(content_type) if !mime.chars().any(char::is_control) => Some(content_type),
                _ => {
                    reader.fail(
                        format!("{pointer}/content_type"),
                        format!("`{mime}` no es un tipo MIME válido (ejemplo: application/pdf)"),
                        format!("`{mime}` is not a valid MIME type (example: application/pdf)"),
                    );
                    None
                }
            },
            Some(None) => {
                reader.fail(
                    format!("{pointer}/content_type"),
                    "debe ser un texto",
                    "must be a string",
                );
                None
            }
            None => None,
        };
        if let Some(path) = path {
            attachments.push(AttachmentRequest {
                pointer,
                path,
                filename,
                content_type,
            });
        }
    }
    attachments
}

#[cfg(test)]
mod tests {
    use super::*;
    use garita_sdk::serde_json::json;
    use garita_sdk::FieldError;

    fn paths(err: ActionError) -> Vec<String> {
        match err {
            ActionError::InvalidInput { fields, .. } => fields
                .into_iter()
                .map(|FieldError { path, .. }| path)
                .collect(),
            other => panic!("expected invalid input, got {other}"),
        }
    }

    #[test]
    fn reads_a_complete_request() {
        let input = json!({
            "from": "Garita <robot@example.com>",
            "to": ["Ana <ana@example.com>", "luis@example.com"],
            "cc": "jefa@example.com",
            "subject": "Actualización anual",
            "body": "Hola\nlínea 2",
            "html": "<p>Hola</p>",
            "attachments": [{"path": "guia.pdf", "filename": "Guía.pdf", "content_type": "application/pdf"}],
        });
        let request = EmailRequest::read(&InvokeContext::for_test(), &input).unwrap();
        assert_eq!(request.to.len(), 2);
        assert_eq!(request.cc.len(), 1);
        assert_eq!(request.attachments[0].filename.as_deref(), Some("Guía.pdf"));
        assert_eq!(request.attachments[0].pointer, "/attachments/0");
    }

    #[test]
    fn refuses_header_injection_in_the_subject_and_names() {
        let input = json!({
            "to": "Ana\r\nBcc: spy@example.com <ana@example.com>",
            "subject": "Hola\r\nBcc: spy@example.com",
            "body": "x",
            "attachments": [{"path": "a.pdf", "filename": "a.pdf\r\nX-Evil: 1"}],
        });
        let err = EmailRequest::read(&InvokeContext::for_test(), &input).unwrap_err();
        assert_eq!(paths(err), ["/to", "/subject", "/attachments/0/filename"]);
    }

    #[test]
    fn refuses_a_subject_word_too_long_for_a_header_line() {
        let word = "x".repeat(crate::input::MAX_UNBROKEN_RUN + 1);
        let input = json!({"to": "a@example.com", "subject": format!("Aviso {word}"), "body": "b"});
        let err = EmailRequest::read(&InvokeContext::for_test(), &input).unwrap_err();
        assert!(err.to_string().contains("998"), "{err}");
        assert_eq!(paths(err), ["/subject"]);
    }

    #[test]
    fn refuses_more_recipients_than_the_limit_across_the_lists() {
        let many =
            |n: usize| -> Vec<String> { (0..n).map(|i| format!("p{i}@example.com")).collect() };
        let input = json!({"to": many(1_500), "cc": many(400), "bcc": many(101), "subject": "s", "body": "b"});
        let err = EmailRequest::read(&InvokeContext::for_test(), &input).unwrap_err();
        assert!(err.to_string().contains("2001"), "{err}");
        assert_eq!(paths(err), ["/to"]);
        let input = json!({"to": many(1_500), "cc": many(400), "bcc": many(100), "subject": "s", "body": "b"});
        assert!(EmailRequest::read(&InvokeContext::for_test(), &input).is_ok());
    }

    #[test]
    fn names_every_missing_field() {
        let err = EmailRequest::read(&InvokeContext::for_test(), &json!({"attachments": [{}]}))
            .unwrap_err();
        assert_eq!(
            paths(err),
            ["/to", "/subject", "/body", "/attachments/0/path"]
        );
    }

    #[test]
    fn refuses_unknown_fields() {
        let input = json!({"to": "a@example.com", "subject": "s", "body": "b", "attachment": [], "attachments": [{"path": "x", "name": "y"}]});
        let err = EmailRequest::read(&InvokeContext::for_test(), &input).unwrap_err();
        assert_eq!(paths(err), ["/attachment", "/attachments/0/name"]);
    }

    #[test]
    fn refuses_a_bad_mime_type() {
        let input = json!({"to": "a@example.com", "subject": "s", "body": "b", "attachments": [{"path": "x", "content_type": "not a type"}]});
        let err = EmailRequest::read(&InvokeContext::for_test(), &input).unwrap_err();
        assert_eq!(paths(err), ["/attachments/0/content_type"]);
    }
}
