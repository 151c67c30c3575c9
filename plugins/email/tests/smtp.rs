//! `email.send` over SMTP against a real server: the aiosmtpd sink in
//! `smtp_sink.py`, started on a free loopback port for each test.
//!
//! Without python3 or aiosmtpd the tests that need the sink print why and
//! pass, unless the CI variable is set: there a missing sink is a failure.

mod support;

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

use email::{message_id_for, EmailConnector};
use garita_sdk::serde_json::{json, Value};
use garita_sdk::{ActionError, Connector};
use mailparse::MailHeaderMap;

/// A running `smtp_sink.py`; stopped when dropped.
struct Sink {
    child: Child,
    /// Held open: the sink exits when its stdin closes.
    stdin: Option<ChildStdin>,
    port: u16,
    dir: tempfile::TempDir,
}

impl Sink {
    /// Starts the sink with extra `options`, or `None` when it cannot run
    /// here and the run is not CI.
    fn start(options: &[&str]) -> Option<Sink> {
        if let Some(reason) = missing_sink() {
            let under_ci = std::env::var("CI")
                .is_ok_and(|value| !value.is_empty() && value != "false" && value != "0");
            assert!(!under_ci, "the SMTP sink is required under CI but {reason}; install it with `pip install aiosmtpd`");
            println!("SKIPPED: {reason}; install aiosmtpd (`pip install aiosmtpd`) to run the SMTP tests");
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .args(["--port", &port.to_string(), "--dir"])
            .arg(dir.path())
            .args(options)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start python3 smtp_sink.py");
        let stdin = child.stdin.take();
        let mut ready = String::new();
        if let Some(stdout) = child.stdout.take() {
            // Blocks until the sink listens (it prints READY) or dies (EOF).
            let _ = BufReader::new(stdout).read_line(&mut ready);
        }
        if ready.trim() != "READY" {
            let mut stderr = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                let _ = pipe.read_to_string(&mut stderr);
            }
            panic!("smtp_sink.py did not start: {stderr}");
        }
        Some(Sink {
            child,
            stdin,
            port,
            dir,
        })
    }

    /// The connector settings for this sink.
    fn config(&self, extra: Value) -> Value {
        let mut config = json!({"transport": "smtp", "host": "127.0.0.1", "port": self.port, "tls": "none", "timeout_secs": 30});
        if let (Some(config), Some(extra)) = (config.as_object_mut(), extra.as_object()) {
            config.extend(extra.clone());
        }
        config
    }

    /// The messages received so far: (envelope, raw data), oldest first.
    fn received(&self) -> Vec<(Value, Vec<u8>)> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("sink dir")
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|json_path| {
                let envelope = garita_sdk::serde_json::from_slice(
                    &std::fs::read(&json_path).expect("envelope"),
                )
                .expect("envelope json");
                let raw = std::fs::read(json_path.with_extension("eml")).expect("message data");
                (envelope, raw)
            })
            .collect()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Why the sink cannot run here, if it cannot.
fn missing_sink() -> Option<String> {
    match Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Err(_) => Some("python3 is not installed".into()),
        Ok(status) if !status.success() => {
            Some("the aiosmtpd Python package is not installed".into())
        }
        Ok(_) => None,
    }
}

/// A loopback port nobody listens on right now.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

fn simple_input(to: &str) -> Value {
    json!({"from": "robot@garita.test", "to": to, "subject": "Prueba", "body": "Hola"})
}

fn permanent_message(result: Result<Value, ActionError>) -> String {
    match result {
        Err(ActionError::Permanent { message }) => message,
        other => panic!("expected a permanent error, got {other:?}"),
    }
}

#[test]
fn delivers_headers_both_parts_and_the_attachment() {
    let Some(sink) = Sink::start(&[]) else { return };
    let files = tempfile::tempdir().expect("temp dir");
    let ctx = support::context(sink.config(json!({})));

    let out = EmailConnector
        .invoke(&ctx, "send", support::sample_input(files.path()))
        .expect("send succeeds");

    let message_id = message_id_for("run-42", "notify", "garita.local");
    assert_eq!(out["message_id"], message_id);
    assert_eq!(out["transport"], "smtp");
    assert_eq!(out["server"], format!("127.0.0.1:{}", sink.port));
    let accepted_by = out["accepted_by"].as_str().expect("server reply");
    assert!(
        accepted_by.starts_with("250") && accepted_by.contains("stored as 0001"),
        "{accepted_by}"
    );

    let received = sink.received();
    assert_eq!(received.len(), 1);
    let (envelope, raw) = &received[0];
    assert_eq!(envelope["mail_from"], "robot@garita.test");
    assert_eq!(
        envelope["rcpt_tos"],
        json!([
            "mj.nunez@cliente.test",
            "inigo@cliente.test",
            "archivo@garita.test"
        ])
    );
    support::assert_sample_message(raw, &message_id);
    let parsed = mailparse::parse_mail(raw).expect("parses");
    assert_eq!(
        parsed.headers.get_first_value("Bcc"),
        None,
        "blind copies travel only in the envelope"
    );
}

/// The text of each leaf part of `raw` by MIME type, and the top type.
fn parts_of(raw: &[u8]) -> (String, Vec<(String, String)>) {
    let parsed = mailparse::parse_mail(raw).expect("parses");
    let leaves = parsed
        .subparts
        .iter()
        .map(|part| {
            (
                part.ctype.mimetype.clone(),
                part.get_body().expect("a part decodes"),
            )
        })
        .collect();
    (parsed.ctype.mimetype.clone(), leaves)
}

#[test]
fn a_markdown_body_arrives_as_readable_text_and_html_with_the_configured_reply_to() {
    let Some(sink) = Sink::start(&[]) else { return };
    let ctx = support::context(sink.config(json!({
        "reply_to": "Oficial de Cumplimiento <oficial@garita.test>",
    })));
    let input = json!({
        "from": "robot@garita.test",
        "to": "holder@cliente.test",
        "subject": "Aviso",
        "body": "Hola, **Ana**:\n\n- entre al [portal](https://portal.example/ingreso)\n- responda a este correo\n\n<b>Cumplimiento</b>",
    });
    EmailConnector
        .invoke(&ctx, "send", input)
        .expect("send succeeds");

    let received = sink.received();
    assert_eq!(received.len(), 1);
    let raw = &received[0].1;
    let parsed = mailparse::parse_mail(raw).expect("parses");
    assert_eq!(
        support::mailbox(&parsed, "Reply-To"),
        (
            "Oficial de Cumplimiento".to_owned(),
            "oficial@garita.test".to_owned()
        )
    );
    let (top, parts) = parts_of(raw);
    assert_eq!(top, "multipart/alternative");
    let kinds: Vec<&str> = parts.iter().map(|(kind, _)| kind.as_str()).collect();
    assert_eq!(kinds, ["text/plain", "text/html"]);
    let plain = parts[0].1.replace("\r\n", "\n");
    assert_eq!(
        plain,
        "Hola, Ana:\n\n- entre al portal (https://portal.example/ingreso)\n- responda a este correo\n\n<b>Cumplimiento</b>\n"
    );
    let html = &parts[1].1;
    assert!(html.contains("<strong>Ana</strong>"), "{html}");
    assert!(
        html.contains("<a href=\"https://portal.example/ingreso\""),
        "{html}"
    );
    assert!(html.contains("<li"), "{html}");
    assert!(
        html.contains("&lt;b&gt;Cumplimiento&lt;/b&gt;"),
        "raw HTML is escaped: {html}"
    );
}

#[test]
fn the_message_reply_to_overrides_the_configured_one_and_an_empty_list_drops_it() {
    let Some(sink) = Sink::start(&[]) else { return };
    let mut ctx = support::context(sink.config(json!({"reply_to": "oficial@garita.test"})));
    let mut input = simple_input("a@cliente.test");
    input["reply_to"] = json!("Suplente <suplente@garita.test>");
    EmailConnector
        .invoke(&ctx, "send", input.clone())
        .expect("override");
    ctx.idempotency_key.step_id = "notify-again".into();
    input["reply_to"] = json!([]);
    EmailConnector.invoke(&ctx, "send", input).expect("none");

    let received = sink.received();
    assert_eq!(received.len(), 2);
    let first = mailparse::parse_mail(&received[0].1).expect("parses");
    assert_eq!(
        support::mailbox(&first, "Reply-To").1,
        "suplente@garita.test"
    );
    let second = mailparse::parse_mail(&received[1].1).expect("parses");
    assert_eq!(second.headers.get_first_value("Reply-To"), None);
}

#[test]
fn a_resend_after_a_crash_carries_the_same_message_id() {
    let Some(sink) = Sink::start(&[]) else { return };
    let mut ctx = support::context(sink.config(json!({})));
    EmailConnector
        .invoke(&ctx, "send", simple_input("a@cliente.test"))
        .expect("first attempt");
    ctx.idempotency_key.attempt = 2;
    EmailConnector
        .invoke(&ctx, "send", simple_input("a@cliente.test"))
        .expect("second attempt");

    let ids: Vec<_> = sink
        .received()
        .iter()
        .map(|(_, raw)| {
            mailparse::parse_mail(raw)
                .expect("parses")
                .headers
                .get_first_value("Message-ID")
        })
        .collect();
    assert_eq!(ids.len(), 2, "SMTP delivery is at least once");
    assert_eq!(ids[0], ids[1]);
}

#[test]
fn a_refused_recipient_is_permanent_with_the_server_reply() {
    let Some(sink) = Sink::start(&["--refuse", "gone@cliente.test"]) else {
        return;
    };
    let ctx = support::context(sink.config(json!({})));
    let message =
        permanent_message(EmailConnector.invoke(&ctx, "send", simple_input("gone@cliente.test")));
    assert!(
        message.contains("550") && message.contains("recipient refused by the test sink"),
        "{message}"
    );
    assert!(sink.received().is_empty());
}

#[test]
fn a_deferred_recipient_is_retryable() {
    let Some(sink) = Sink::start(&["--defer", "busy@cliente.test"]) else {
        return;
    };
    let ctx = support::context(sink.config(json!({})));
    let err = EmailConnector
        .invoke(&ctx, "send", simple_input("busy@cliente.test"))
        .expect_err("deferred");
    assert!(err.is_retryable(), "{err}");
    assert!(err.message().contains("451"), "{err}");
}

#[test]
fn a_server_that_is_down_is_retryable() {
    // Needs no sink: nothing listens on a port just released.
    let port = free_port();
    let config = json!({"transport": "smtp", "host": "127.0.0.1", "port": port, "tls": "none", "connect_timeout_secs": 5});
    let err = EmailConnector
        .invoke(
            &support::context(config),
            "send",
            simple_input("a@cliente.test"),
        )
        .expect_err("no server");
    assert!(err.is_retryable(), "{err}");
    assert!(
        err.message().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

#[test]
fn wrong_credentials_fail_clearly_without_revealing_the_password() {
    let Some(sink) = Sink::start(&["--auth", "robot:the-right-one"]) else {
        return;
    };
    let variable = "GARITA_EMAIL_TEST_WRONG_PASSWORD";
    let password = "Wr0ng-S3cret-Value";
    std::env::set_var(variable, password);
    let ctx = support::context(sink.config(json!({"username": "robot", "password_env": variable})));

    let err = EmailConnector
        .invoke(&ctx, "send", simple_input("a@cliente.test"))
        .expect_err("bad password");

    assert!(!err.is_retryable(), "{err}");
    let shown = format!(
        "{err} {err:?} {}",
        garita_sdk::serde_json::to_string(&err).unwrap_or_default()
    );
    assert!(!shown.contains(password), "the password leaked: {shown}");
    assert!(
        err.message().contains("535") && err.message().contains("`robot`"),
        "{err}"
    );
    assert!(sink.received().is_empty());
}

#[test]
fn right_credentials_deliver() {
    let Some(sink) = Sink::start(&["--auth", "robot:the-right-one"]) else {
        return;
    };
    let variable = "GARITA_EMAIL_TEST_RIGHT_PASSWORD";
    std::env::set_var(variable, "the-right-one");
    let ctx = support::context(sink.config(json!({"username": "robot", "password_env": variable})));
    EmailConnector
        .invoke(&ctx, "send", simple_input("a@cliente.test"))
        .expect("authenticated send");
    assert_eq!(sink.received().len(), 1);
}

#[test]
fn no_credentials_where_the_server_requires_them_is_permanent() {
    let Some(sink) = Sink::start(&["--auth", "robot:the-right-one"]) else {
        return;
    };
    let ctx = support::context(sink.config(json!({})));
    let message =
        permanent_message(EmailConnector.invoke(&ctx, "send", simple_input("a@cliente.test")));
    assert!(message.contains("530"), "{message}");
}

#[test]
fn the_sender_can_come_from_the_config() {
    let Some(sink) = Sink::start(&[]) else { return };
    let ctx =
        support::context(sink.config(json!({"from": "Aduanas Peñasco <avisos@garita.test>"})));
    let input = json!({"to": "a@cliente.test", "subject": "Prueba", "body": "Hola"});
    EmailConnector
        .invoke(&ctx, "send", input)
        .expect("send succeeds");
    let (envelope, raw) = &sink.received()[0];
    assert_eq!(envelope["mail_from"], "avisos@garita.test");
    let parsed = mailparse::parse_mail(raw).expect("parses");
    assert_eq!(
        support::mailbox(&parsed, "From"),
        ("Aduanas Peñasco".into(), "avisos@garita.test".into())
    );
}

/// `count` ordinary recipients, as a compliance team's notices have them.
fn recipients(count: usize) -> Vec<String> {
    (0..count)
        .map(|i| format!("persona.numero{i}@empresa-importadora.test"))
        .collect()
}

/// Sends one message to `count` recipients through the sink and checks
/// that it arrived whole, to all of them, with no over-long line.
fn many_recipients_go_through(count: usize) {
    let Some(sink) = Sink::start(&[]) else { return };
    let ctx = support::context(sink.config(json!({})));
    let to = recipients(count);
    let input = json!({"from": "robot@garita.test", "to": to, "subject": "Recordatorio de ingreso", "body": "Hola"});
    let out = EmailConnector.invoke(&ctx, "send", input);
    assert!(out.is_ok(), "{count} recipients: {out:?}");
    let received = sink.received();
    assert_eq!(received.len(), 1);
    let (envelope, raw) = &received[0];
    assert_eq!(envelope["rcpt_tos"], json!(to));
    let text = String::from_utf8_lossy(raw);
    let (header, _) = text.split_once("\r\n\r\n").expect("a header block");
    for line in text.split("\r\n") {
        assert!(line.len() <= 998, "a line of {} characters", line.len());
    }
    for line in header.split("\r\n") {
        assert!(line.len() <= 78, "a header line of {}: {line}", line.len());
    }
    let parsed = mailparse::parse_mail(raw).expect("parses");
    let listed = parsed.headers.get_first_value("To").expect("a To header");
    let listed: Vec<String> = listed
        .split(',')
        .map(|address| address.trim().to_owned())
        .collect();
    assert_eq!(listed, to, "the folded To header unfolds to the same list");
}

#[test]
fn thirty_recipients_go_through_with_folded_headers() {
    many_recipients_go_through(30);
}

#[test]
fn a_thousand_recipients_go_through_with_folded_headers() {
    many_recipients_go_through(1_000);
}

/// Named recipients (quotes, commas, accents, one name longer than a line)
/// and a subject with a stray quote, whose lines lettre folds but a second
/// pass must not unfold into one: everything arrives, within 998, and the
/// names and subject read back as they were given.
#[test]
fn named_recipients_and_a_quoted_subject_go_through_folded() {
    let Some(sink) = Sink::start(&[]) else { return };
    let ctx = support::context(sink.config(json!({})));
    let mut names: Vec<String> = (0..200)
        .map(|i| match i % 3 {
            0 => format!("Quispe, Ana María {i}"),
            1 => format!("Pedro Núñez {i}"),
            _ => format!("Despacho {i}"),
        })
        .collect();
    names.push(
        "Agencia Afianzada de Aduanas del Pacífico y del Atlántico, Oficina Principal de Guayaquil"
            .into(),
    );
    let addresses: Vec<String> = (0..names.len())
        .map(|i| format!("destinatario{i}@empresa-importadora.test"))
        .collect();
    let to: Vec<String> = names
        .iter()
        .zip(&addresses)
        .map(|(name, address)| format!("\"{}\" <{address}>", name.replace('"', "\\\"")))
        .collect();
    let subject = format!(
        "Re: \"Informe {} {}",
        "x".repeat(100),
        "de la declaración aduanera pendiente ".repeat(20)
    );
    let input = json!({"from": "robot@garita.test", "to": to, "subject": subject, "body": "Hola"});
    let out = EmailConnector.invoke(&ctx, "send", input);
    assert!(out.is_ok(), "{out:?}");
    let received = sink.received();
    assert_eq!(received.len(), 1);
    let (envelope, raw) = &received[0];
    assert_eq!(envelope["rcpt_tos"], json!(addresses));
    let text = String::from_utf8_lossy(raw);
    let (header, _) = text.split_once("\r\n\r\n").expect("a header block");
    for line in header.split("\r\n") {
        let breakable = line.trim_start().contains(' ');
        assert!(
            line.len() <= 78 || !breakable,
            "a header line of {}: {line}",
            line.len()
        );
        assert!(line.len() <= 998, "a header line of {}", line.len());
    }
    let parsed = mailparse::parse_mail(raw).expect("parses");
    assert_eq!(
        parsed.headers.get_first_value("Subject").as_deref(),
        Some(subject.as_str())
    );
    let to_header = parsed.headers.get_first_header("To").expect("a To header");
    let listed = mailparse::addrparse_header(to_header).expect("an address list");
    let listed: Vec<(String, String)> = listed
        .iter()
        .map(|entry| match entry {
            mailparse::MailAddr::Single(info) => (
                info.display_name.clone().unwrap_or_default(),
                info.addr.clone(),
            ),
            mailparse::MailAddr::Group(group) => panic!("unexpected group {}", group.group_name),
        })
        .collect();
    let expected: Vec<(String, String)> = names.into_iter().zip(addresses).collect();
    assert_eq!(listed, expected);
}
