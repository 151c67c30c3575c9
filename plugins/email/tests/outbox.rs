//! The file transport writes a parseable message, once per Message-ID.

mod support;

use email::{message_id_for, EmailConnector};
use garita_sdk::serde_json::json;
use garita_sdk::Connector;
use mailparse::MailHeaderMap;

#[test]
fn send_writes_a_valid_eml_named_after_the_message_id() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outbox = dir.path().join("outbox");
    let ctx =
        support::context(json!({"transport": "file", "outbox_dir": outbox.display().to_string()}));
    let input = support::sample_input(dir.path());

    let out = EmailConnector
        .invoke(&ctx, "send", input.clone())
        .expect("send succeeds");

    let message_id = message_id_for("run-42", "notify", "garita.local");
    assert_eq!(out["message_id"], message_id);
    assert_eq!(out["transport"], "file");
    let hash = message_id
        .trim_start_matches('<')
        .split('@')
        .next()
        .unwrap_or_default();
    let path = outbox.join(format!("{hash}.eml"));
    assert_eq!(out["path"], path.display().to_string());
    let raw = std::fs::read(&path).expect("the .eml exists");
    support::assert_sample_message(&raw, &message_id);
    let parsed = mailparse::parse_mail(&raw).expect("parses");
    assert_eq!(
        parsed.headers.get_first_value("Bcc").as_deref(),
        Some("archivo@garita.test"),
        "the outbox keeps blind copies"
    );
}

#[test]
fn sending_again_overwrites_the_same_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outbox = dir.path().join("outbox");
    let config = json!({"outbox_dir": outbox.display().to_string()});
    let input = support::sample_input(dir.path());

    let first = EmailConnector
        .invoke(&support::context(config.clone()), "send", input.clone())
        .expect("first send");
    let mut retry_ctx = support::context(config);
    retry_ctx.idempotency_key.attempt = 2;
    let second = EmailConnector
        .invoke(&retry_ctx, "send", input)
        .expect("second send");

    assert_eq!(first, second);
    let files: Vec<_> = std::fs::read_dir(&outbox).expect("outbox").collect();
    assert_eq!(files.len(), 1, "one file per Message-ID");
}

#[test]
fn render_gives_the_same_message_without_writing_anything() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outbox = dir.path().join("outbox");
    let ctx = support::context(
        json!({"outbox_dir": outbox.display().to_string(), "message_id_domain": "mail.example.com"}),
    );
    let out = EmailConnector
        .invoke(&ctx, "render", support::sample_input(dir.path()))
        .expect("render succeeds");
    let message_id = message_id_for("run-42", "notify", "mail.example.com");
    assert_eq!(out["message_id"], message_id);
    let raw = out["raw"].as_str().expect("raw text");
    support::assert_sample_message(raw.as_bytes(), &message_id);
    assert!(
        !raw.contains("archivo@garita.test"),
        "Bcc stays out of the rendered headers"
    );
    assert_eq!(
        out["envelope"]["to"],
        json!([
            "mj.nunez@cliente.test",
            "inigo@cliente.test",
            "archivo@garita.test"
        ])
    );
    assert!(!outbox.exists(), "render has no side effects");
}
