//! What the integration tests share: a sample message with everything in it
//! (UTF-8 names and subject, text and HTML, an attachment) and the checks
//! that a received or written copy of it is intact.

#![allow(dead_code)]

use std::path::Path;

use garita_sdk::serde_json::{json, Value};
use garita_sdk::{IdempotencyKey, InvokeContext};
use mailparse::{addrparse_header, MailAddr, MailHeaderMap, ParsedMail};

pub const SUBJECT: &str = "Actualización anual — señal de año nuevo";
pub const TEXT_BODY: &str =
    "Estimada María José:\nRecuerde la actualización de enero.\nGracias, añoranza y acción.";
pub const HTML_BODY: &str = "<p>Estimada <b>María José</b>: recuerde la actualización.</p>";
pub const ATTACHMENT_NAME: &str = "Guía de actualización.pdf";
pub const ATTACHMENT_BYTES: &[u8] = b"%PDF-1.4\n% fake guide for the test\n\x00\x01\x02\xff";

/// A context for run `run-42`, step `notify`, with `config` as the section.
pub fn context(config: Value) -> InvokeContext {
    InvokeContext {
        idempotency_key: IdempotencyKey {
            run_id: "run-42".into(),
            step_id: "notify".into(),
            attempt: 1,
        },
        config,
        ..InvokeContext::for_test()
    }
}

/// Writes the attachment into `dir` and returns the sample input using it.
pub fn sample_input(dir: &Path) -> Value {
    let path = dir.join("guia.pdf");
    std::fs::write(&path, ATTACHMENT_BYTES).expect("write the attachment");
    json!({
        "from": "Garita Cumplimiento <robot@garita.test>",
        "to": ["María José Núñez <mj.nunez@cliente.test>"],
        "cc": "Peña, Íñigo <inigo@cliente.test>",
        "bcc": "archivo@garita.test",
        "reply_to": "Oficial de Cumplimiento <oficial@garita.test>",
        "subject": SUBJECT,
        "body": TEXT_BODY,
        "html": HTML_BODY,
        "attachments": [{"path": path.display().to_string(), "filename": ATTACHMENT_NAME}],
    })
}

/// The single mailbox of header `name`, decoded: (display name, address).
pub fn mailbox(message: &ParsedMail<'_>, name: &str) -> (String, String) {
    let header = message
        .headers
        .get_first_header(name)
        .unwrap_or_else(|| panic!("no {name} header"));
    let list =
        addrparse_header(header).unwrap_or_else(|err| panic!("{name} does not parse: {err}"));
    match list.first() {
        Some(MailAddr::Single(info)) => (
            info.display_name.clone().unwrap_or_default(),
            info.addr.clone(),
        ),
        other => panic!("{name}: expected one mailbox, got {other:?}"),
    }
}

/// Checks headers, the two body parts and the attachment of a received copy.
pub fn assert_sample_message(raw: &[u8], message_id: &str) {
    assert!(
        raw.is_ascii(),
        "the message must be 7-bit clean: UTF-8 goes in encoded words and transfer encodings"
    );
    let message = mailparse::parse_mail(raw).expect("the message parses");
    let headers = &message.headers;
    assert_eq!(
        headers.get_first_value("Message-ID").as_deref(),
        Some(message_id)
    );
    assert_eq!(
        headers.get_first_value("Subject").as_deref(),
        Some(SUBJECT),
        "the subject round-trips"
    );
    assert_eq!(
        mailbox(&message, "From"),
        ("Garita Cumplimiento".into(), "robot@garita.test".into())
    );
    assert_eq!(
        mailbox(&message, "To"),
        ("María José Núñez".into(), "mj.nunez@cliente.test".into())
    );
    assert_eq!(
        mailbox(&message, "Cc"),
        ("Peña, Íñigo".into(), "inigo@cliente.test".into())
    );
    assert_eq!(
        mailbox(&message, "Reply-To"),
        (
            "Oficial de Cumplimiento".into(),
            "oficial@garita.test".into()
        )
    );
    assert_eq!(
        headers.get_first_value("Date").as_deref(),
        Some("Thu, 01 Jan 1970 00:00:00 +0000"),
        "the date is the engine's clock"
    );

    assert_eq!(message.ctype.mimetype, "multipart/mixed");
    assert_eq!(message.subparts.len(), 2, "the body and one attachment");
    let alternative = &message.subparts[0];
    assert_eq!(alternative.ctype.mimetype, "multipart/alternative");
    let [text, html] = &alternative.subparts[..] else {
        panic!("expected text and html parts")
    };
    assert_eq!(text.ctype.mimetype, "text/plain");
    assert_eq!(
        text.get_body().expect("text body").replace("\r\n", "\n"),
        TEXT_BODY
    );
    assert_eq!(html.ctype.mimetype, "text/html");
    assert_eq!(
        html.get_body().expect("html body").replace("\r\n", "\n"),
        HTML_BODY
    );

    let attachment = &message.subparts[1];
    let disposition = attachment.get_content_disposition();
    assert_eq!(
        disposition.disposition,
        mailparse::DispositionType::Attachment
    );
    assert_eq!(
        disposition.params.get("filename").map(String::as_str),
        Some(ATTACHMENT_NAME)
    );
    assert_eq!(
        attachment.ctype.mimetype, "application/pdf",
        "guessed from the extension"
    );
    assert_eq!(
        attachment.get_body_raw().expect("attachment bytes"),
        ATTACHMENT_BYTES
    );
}
