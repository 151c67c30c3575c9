//! Builds the message with lettre's typed builder.
//!
//! Nothing here writes header text by hand: every address, the subject and
//! the attachment names go through lettre's typed headers, which encode
//! non-ASCII text as RFC 2047 encoded-words. Together with the refusal of
//! control characters in [`crate::request`], no input can add a header.

use std::time::SystemTime;

use chrono::{DateTime, Utc};
use garita_sdk::ActionError;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::Message;
use sha2::{Digest, Sha256};

use crate::attachment::LoadedAttachment;
use crate::message_id::hex;
use crate::request::EmailRequest;

/// Whether the `Bcc` header stays in the written message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BccHeader {
    /// Dropped after the envelope is built: what goes over SMTP, where the
    /// envelope alone carries blind copies.
    Drop,
    /// Kept: a message saved to the outbox has no envelope beside it, so the
    /// blind copies would otherwise be lost for whoever sends it later.
    Keep,
}

/// Everything a message is built from.
pub(crate) struct Draft<'a> {
    pub request: &'a EmailRequest,
    pub from: Mailbox,
    pub message_id: &'a str,
    pub date: DateTime<Utc>,
    pub attachments: &'a [LoadedAttachment],
}

/// The bytes of `message` as they are sent or stored: lettre's rendering
/// with its header lines folded (see [`crate::header_fold`]).
pub(crate) fn wire_bytes(message: &Message) -> Vec<u8> {
    crate::header_fold::fold_headers(&message.formatted())
}

/// Builds the message.
///
/// The same draft always gives the same bytes: the date comes from the
/// engine's clock and the MIME boundaries are derived from the content, so
/// rendering twice, or re-sending after a crash, produces the same message.
pub(crate) fn compose(draft: &Draft<'_>, bcc: BccHeader) -> Result<Message, ActionError> {
    // The Date header cannot show an instant before 1970 (lettre panics on
    // one), and no real mail is sent then: a pre-1970 clock is a mistake.
    if draft.date.timestamp() < 0 {
        return Err(ActionError::permanent(format!(
            "the message date {} is before 1970 and cannot be written in a Date header; \
             check the clock or `--now` the run uses",
            draft.date.to_rfc3339()
        )));
    }
    let request = draft.request;
    let mut builder = Message::builder()
        .from(draft.from.clone())
        .subject(request.subject.clone())
        .message_id(Some(draft.message_id.to_owned()))
        .date(SystemTime::from(draft.date));
    for mailbox in &request.to {
        builder = builder.to(mailbox.clone());
    }
    for mailbox in &request.cc {
        builder = builder.cc(mailbox.clone());
    }
    for mailbox in &request.bcc {
        builder = builder.bcc(mailbox.clone());
    }
    for mailbox in request.reply_to.iter().flatten() {
        builder = builder.reply_to(mailbox.clone());
    }
    if bcc == BccHeader::Keep {
        builder = builder.keep_bcc();
    }
    let boundary = boundary_seed(draft);
    let text = match &request.html {
        None => Body::Single(SinglePart::plain(request.body.clone())),
        Some(html) => Body::Multi(
            MultiPart::alternative()
                .boundary(format!("garita-alt-{boundary}"))
                .singlepart(SinglePart::plain(request.body.clone()))
                .singlepart(SinglePart::html(html.clone())),
        ),
    };
    let built = if draft.attachments.is_empty() {
        match text {
            Body::Single(part) => builder.singlepart(part),
            Body::Multi(part) => builder.multipart(part),
        }
    } else {
        let mixed = MultiPart::mixed().boundary(format!("garita-mix-{boundary}"));
        let mut mixed = match text {
            Body::Single(part) => mixed.singlepart(part),
            Body::Multi(part) => mixed.multipart(part),
        };
        for attachment in draft.attachments {
            let part = Attachment::new(attachment.filename.clone())
                .body(attachment.bytes.clone(), attachment.content_type.clone());
            mixed = mixed.singlepart(part);
        }
        builder.multipart(mixed)
    };
    built.map_err(|err| ActionError::permanent(format!("the message could not be built: {err}")))
}

enum Body {
    Single(SinglePart),
    Multi(MultiPart),
}

/// A boundary suffix that depends on everything in the message.
///
/// A boundary must not occur inside any part; deriving it from a digest of
/// all the parts makes that practically impossible while keeping the output
/// reproducible (lettre's default boundaries are random).
fn boundary_seed(draft: &Draft<'_>) -> String {
    let mut digest = Sha256::new();
    let request = draft.request;
    for piece in [
        draft.message_id,
        &request.subject,
        &request.body,
        request.html.as_deref().unwrap_or_default(),
    ] {
        digest.update((piece.len() as u64).to_le_bytes());
        digest.update(piece.as_bytes());
    }
    for attachment in draft.attachments {
        digest.update((attachment.bytes.len() as u64).to_le_bytes());
        digest.update(&attachment.bytes);
    }
    hex(&digest.finalize(), 32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use garita_sdk::serde_json::json;
    use garita_sdk::InvokeContext;
    use lettre::message::header::ContentType;

    fn request(input: garita_sdk::serde_json::Value) -> EmailRequest {
        EmailRequest::read(&InvokeContext::for_test(), &input).unwrap()
    }

    fn render(request: &EmailRequest, attachments: &[LoadedAttachment], bcc: BccHeader) -> String {
        let draft = Draft {
            request,
            from: "Garita <robot@example.com>".parse().unwrap(),
            message_id: "<abc@garita.local>",
            date: DateTime::UNIX_EPOCH,
            attachments,
        };
        String::from_utf8(wire_bytes(&compose(&draft, bcc).unwrap())).unwrap()
    }

    #[test]
    fn the_longest_words_the_request_accepts_still_fit_in_998() {
        // The boundary of `MAX_UNBROKEN_RUN`, through lettre: an ASCII word
        // is written as it is (lettre encodes only non-ASCII words), and a
        // name of quotes doubles with its escapes.
        let word = "x".repeat(crate::input::MAX_UNBROKEN_RUN);
        let quotes = "\"".repeat(crate::input::MAX_UNBROKEN_RUN / 2);
        let request = request(json!({
            "to": [format!("{word} <a@example.com>"), format!("{quotes} <b@example.com>"), "c@example.com"],
            "reply_to": format!("{word} <r@example.com>"),
            "subject": format!("Aviso {word} {word}"),
            "body": "b",
        }));
        let raw = render(&request, &[], BccHeader::Keep);
        let longest = raw.split("\r\n").map(str::len).max().unwrap_or(0);
        assert!(longest <= crate::header_fold::MAX_LINE, "{longest}");
        assert!(
            longest > crate::header_fold::FOLD_AT,
            "the words are left whole"
        );
    }

    #[test]
    fn a_date_before_1970_is_an_error_not_a_panic() {
        let request = request(json!({"to": "ana@example.com", "subject": "s", "body": "b"}));
        let date = "1969-07-20T20:17:00Z".parse().unwrap();
        let draft = Draft {
            request: &request,
            from: "Garita <robot@example.com>".parse().unwrap(),
            message_id: "<abc@garita.local>",
            date,
            attachments: &[],
        };
        let Err(err) = compose(&draft, BccHeader::Drop) else {
            panic!("a message dated 1969 was built");
        };
        assert!(err.to_string().contains("before 1970"), "{err}");
    }

    #[test]
    fn encodes_spanish_subjects_and_names() {
        let request = request(
            json!({"to": "María Núñez <maria@example.com>", "subject": "Actualización de año", "body": "¡Hola!"}),
        );
        let raw = render(&request, &[], BccHeader::Drop);
        assert!(raw.is_ascii(), "{raw}");
        assert!(raw.contains("Message-ID: <abc@garita.local>"), "{raw}");
        assert!(
            raw.contains("Date: Thu, 01 Jan 1970 00:00:00 +0000"),
            "{raw}"
        );
        assert!(raw.contains("Subject: =?utf-8?"), "{raw}");
        assert!(!raw.contains("Actualización"), "{raw}");
    }

    #[test]
    fn the_same_draft_gives_the_same_bytes() {
        let request = request(
            json!({"to": "a@example.com", "subject": "s", "body": "b", "html": "<p>b</p>"}),
        );
        let pdf = LoadedAttachment {
            filename: "a.pdf".into(),
            content_type: ContentType::parse("application/pdf").unwrap(),
            bytes: b"%PDF".to_vec(),
        };
        let attachments = [pdf];
        let first = render(&request, &attachments, BccHeader::Drop);
        assert_eq!(first, render(&request, &attachments, BccHeader::Drop));
        assert!(
            first.contains("multipart/mixed") && first.contains("multipart/alternative"),
            "{first}"
        );
    }

    #[test]
    fn bcc_is_kept_only_when_asked() {
        let request = request(
            json!({"to": "a@example.com", "bcc": "hidden@example.com", "subject": "s", "body": "b"}),
        );
        assert!(!render(&request, &[], BccHeader::Drop).contains("hidden@example.com"));
        assert!(render(&request, &[], BccHeader::Keep).contains("Bcc: hidden@example.com"));
    }
}
