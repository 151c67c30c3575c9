//! Email from workflows through the durable outbox, with the real `garita`
//! binary: to the file outbox with no configuration, to a real SMTP server
//! (the aiosmtpd sink on loopback), across a SIGKILL with 100 messages to
//! send, and with the server down until `garita outbox retry`.
//!
//! The SMTP tests need python3 and aiosmtpd; without them they print why and
//! pass, unless CI is set, where they fail.

mod support;

#[path = "email/sink.rs"]
mod sink;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use mailparse::{addrparse_header, MailAddr, MailHeaderMap};
use serde_json::Value;
use sink::Sink;
use support::*;

const SUBJECT: &str = "Actualización anual de Ecuapass — señal de año nuevo";
const BODY: &str =
    "Estimada María José Núñez:\nRecuerde la actualización de enero, añoranza incluida.";
const TO: &str = "María José Núñez <mj.nunez@cliente.test>";

/// One email from one step, with accents and ñ in names, subject and body.
const NOTICE: &str = r#"
name: email-notice
description: Sends one notice.
inputs:
  to: {type: string, required: true}
steps:
  - id: send
    uses: email.send
    with:
      from: "Aduana Peñasco <avisos@garita.test>"
      to: "${{ inputs.to }}"
      subject: "Actualización anual de Ecuapass — señal de año nuevo"
      body: "Estimada María José Núñez:\nRecuerde la actualización de enero, añoranza incluida."
"#;

/// One email per recipient, each from its own child run.
const MANY: &str = r#"
name: email-many
description: Sends one email to each recipient.
inputs:
  recipients: {type: list, required: true}
steps:
  - id: each
    for_each: inputs.recipients
    as: recipient
    concurrency: 8
    steps:
      - id: send
        uses: email.send
        retry: {attempts: 5, backoff: 100ms}
        with:
          from: "Garita <robot@garita.test>"
          to: "${{ recipient }}"
          subject: "Aviso ${{ index + 1 }} de ${{ inputs.recipients | length }}"
          body: "Hola, señor ${{ index }}."
"#;

/// One email whose server is down: three attempts in all.
const DOWN: &str = r#"
name: email-down
description: Sends one email with a retry policy.
steps:
  - id: send
    uses: email.send
    retry: {attempts: 3, backoff: 100ms}
    with:
      from: "Garita <robot@garita.test>"
      to: "ana@cliente.test"
      subject: "Servidor caído"
      body: "Hola"
"#;

/// Runs `cmd` and insists it succeeded.
fn ok(cmd: &mut Command) -> Output {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "garita failed ({}):\n{}\n{}",
        out.status,
        stdout(&out),
        stderr(&out)
    );
    out
}

/// The run id `garita run` prints first on stdout.
fn printed_run_id(out: &Output) -> String {
    stdout(out)
        .split_whitespace()
        .next()
        .expect("garita run prints the run id")
        .to_owned()
}

/// `garita outbox list --json`.
fn outbox(store: &Path) -> Vec<Value> {
    let out = ok(garita(store).args(["outbox", "list", "--json"]));
    serde_json::from_slice(&out.stdout).expect("outbox list --json is a JSON list")
}

/// A garita.toml in `dir` with `text`.
fn config(dir: &Path, text: &str) -> PathBuf {
    write(dir, "garita.toml", text)
}

/// Checks the notice as written or received: decoded headers, the stable
/// Message-ID and the body.
fn assert_notice(raw: &[u8], message_id: &str) {
    assert!(raw.is_ascii(), "the message must be 7-bit clean");
    let message = mailparse::parse_mail(raw).expect("the message parses");
    let headers = &message.headers;
    assert_eq!(
        headers.get_first_value("Message-ID").as_deref(),
        Some(message_id)
    );
    assert_eq!(headers.get_first_value("Subject").as_deref(), Some(SUBJECT));
    for (name, display, address) in [
        ("From", "Aduana Peñasco", "avisos@garita.test"),
        ("To", "María José Núñez", "mj.nunez@cliente.test"),
    ] {
        let header = headers
            .get_first_header(name)
            .unwrap_or_else(|| panic!("no {name} header"));
        let parsed = addrparse_header(header).expect("the address parses");
        match parsed.first() {
            Some(MailAddr::Single(info)) => {
                assert_eq!(info.display_name.as_deref(), Some(display), "{name}");
                assert_eq!(info.addr, address, "{name}");
            }
            other => panic!("{name}: expected one mailbox, got {other:?}"),
        }
    }
    // The body is Markdown: a plain-text part as written (its line break
    // kept) and an HTML part rendered from it.
    assert_eq!(message.ctype.mimetype, "multipart/alternative");
    let parts: Vec<(String, String)> = message
        .subparts
        .iter()
        .map(|part| {
            let text = part.get_body().expect("a part decodes");
            (part.ctype.mimetype.clone(), text.replace("\r\n", "\n"))
        })
        .collect();
    assert_eq!(parts.len(), 2, "{parts:?}");
    assert_eq!(parts[0].0, "text/plain");
    assert_eq!(parts[0].1.trim_end(), BODY);
    assert_eq!(parts[1].0, "text/html");
    assert!(
        parts[1].1.contains("Estimada María José Núñez:<br>"),
        "{}",
        parts[1].1
    );
}

/// A holder's notice in Markdown, with the officer as Reply-To from the
/// configuration, and a second message that names its own Reply-To.
const HOLDER_NOTICE: &str = r#"
name: holder-notice
description: Two notices, one with its own Reply-To.
steps:
  - id: notice
    uses: email.send
    with:
      from: "Garita <avisos@garita.test>"
      to: "Ana Peña <ana@cliente.test>"
      subject: "CTPAT: entre al portal"
      body: |
        Hola, **Ana**:

        1. Entre al [portal CTPAT](https://ctpat.cbp.dhs.gov/).
        2. Responda a este correo cuando haya entrado.
  - id: other
    uses: email.send
    with:
      from: "Garita <avisos@garita.test>"
      to: "ana@cliente.test"
      reply_to: "Suplente <suplente@garita.test>"
      subject: "Otro aviso"
      body: "Responda a este correo."
"#;

#[test]
fn over_smtp_a_markdown_notice_arrives_as_text_and_html_with_the_officer_as_reply_to() {
    let Some(sink) = Sink::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let wf = write(dir.path(), "holder.yaml", HOLDER_NOTICE);
    let toml = config(
        dir.path(),
        &format!(
            "{}reply_to = \"Cumplimiento <cumplimiento@garita.test>\"\n",
            sink.config_toml()
        ),
    );
    ok(garita(&store)
        .arg("--config")
        .arg(&toml)
        .arg("run")
        .arg(&wf));

    let received = sink.received();
    assert_eq!(received.len(), 2);
    let by_subject = |subject: &str| {
        received
            .iter()
            .find(|m| m.header("Subject").as_deref() == Some(subject))
            .unwrap_or_else(|| panic!("no message {subject:?}"))
    };
    let notice = by_subject("CTPAT: entre al portal");
    assert_eq!(
        notice.header("Reply-To").as_deref(),
        Some("Cumplimiento <cumplimiento@garita.test>")
    );
    let parsed = mailparse::parse_mail(&notice.raw).expect("parses");
    assert_eq!(parsed.ctype.mimetype, "multipart/alternative");
    let plain = parsed.subparts[0].get_body().expect("text part");
    assert_eq!(parsed.subparts[0].ctype.mimetype, "text/plain");
    assert_eq!(
        plain.replace("\r\n", "\n"),
        "Hola, Ana:\n\n1. Entre al portal CTPAT (https://ctpat.cbp.dhs.gov/).\n2. Responda a este correo cuando haya entrado.\n"
    );
    assert_eq!(parsed.subparts[1].ctype.mimetype, "text/html");
    let html = parsed.subparts[1].get_body().expect("html part");
    for piece in [
        "<strong>Ana</strong>",
        "<ol start=\"1\"",
        "<a href=\"https://ctpat.cbp.dhs.gov/\"",
    ] {
        assert!(html.contains(piece), "{piece:?} in {html}");
    }
    let other = by_subject("Otro aviso");
    assert_eq!(
        other.header("Reply-To").as_deref(),
        Some("Suplente <suplente@garita.test>")
    );
}

#[test]
fn with_no_configuration_mail_lands_in_the_store_outbox_as_a_valid_message() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let wf = write(dir.path(), "notice.yaml", NOTICE);

    let out = ok(garita(&store)
        .arg("run")
        .arg(&wf)
        .args(["--input", &format!("to={TO}")]));
    assert!(stdout(&out).contains("succeeded"), "{}", stdout(&out));
    let run_id = printed_run_id(&out);

    let message_id = email::message_id_for(&run_id, "send", "garita.local");
    let hash = message_id
        .trim_start_matches('<')
        .split('@')
        .next()
        .unwrap()
        .to_owned();
    let file = store.join("outbox").join(format!("{hash}.eml"));
    let raw = std::fs::read(&file).expect("the .eml file is in <store>/outbox/");
    assert_notice(&raw, &message_id);

    let entries = outbox(&store);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    // Written to a file is not delivered: the record says so, with the file.
    assert_eq!(entry["status"], "written");
    assert_eq!(entry["transport"]["kind"], "file");
    assert_eq!(
        entry["transport"]["path"].as_str().map(PathBuf::from),
        Some(file.clone())
    );
    assert_eq!(entry["message_id"], message_id.as_str());
    assert_eq!(
        (entry["run_id"].as_str(), entry["step_id"].as_str()),
        (Some(run_id.as_str()), Some("send"))
    );
    assert_eq!(entry["attempts"], 1);
    assert_eq!(entry["input"]["to"], TO);
    assert_eq!(
        entry["output"]["path"].as_str().map(PathBuf::from),
        Some(file.clone())
    );

    // Show finds it by a prefix of the bare id, and by the full id in <>.
    for given in [&hash[..8], message_id.as_str()] {
        let shown = ok(garita(&store).args(["outbox", "show", given, "--json"]));
        let shown: Value = serde_json::from_slice(&shown.stdout).unwrap();
        assert_eq!(shown["message_id"], message_id.as_str());
        assert_eq!(shown["status"], "written");
        assert_eq!(shown["transport"], entry["transport"]);
    }
    let shown = stdout(&ok(garita(&store).args(["outbox", "show", &hash])));
    assert!(
        shown.contains("status    written")
            && shown.contains(&format!("file      {}", file.display()))
            && shown.contains("not delivered"),
        "{shown}"
    );
    let listed = stdout(&ok(garita(&store).args(["outbox", "list"])));
    let header = listed.lines().next().unwrap_or_default();
    let row = listed.lines().nth(1).unwrap_or_default();
    assert!(header.contains("TRANSPORT"), "{listed}");
    assert!(row.contains("written") && row.contains("file"), "{listed}");
    let only_written = ok(garita(&store).args(["outbox", "list", "--status", "written", "--json"]));
    let only_written: Vec<Value> = serde_json::from_slice(&only_written.stdout).unwrap();
    assert_eq!(only_written.len(), 1);
    // Retrying it with the file transport would only write it again: refused,
    // saying what would deliver it; the record and the file stay as they were.
    let refused = run(garita(&store).args(["outbox", "retry", &hash]));
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("never delivered")
            && stderr(&refused).contains("transport = \"smtp\""),
        "{}",
        stderr(&refused)
    );
    assert_eq!(outbox(&store)[0]["attempts"], 1);
}

#[test]
fn over_smtp_the_server_receives_the_same_message() {
    let Some(sink) = Sink::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let wf = write(dir.path(), "notice.yaml", NOTICE);
    let toml = config(dir.path(), &sink.config_toml());

    let out = ok(garita(&store)
        .arg("--config")
        .arg(&toml)
        .arg("run")
        .arg(&wf)
        .args(["--input", &format!("to={TO}")]));
    let run_id = printed_run_id(&out);
    let message_id = email::message_id_for(&run_id, "send", "garita.local");

    let received = sink.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].envelope["mail_from"], "avisos@garita.test");
    assert_eq!(
        received[0].envelope["rcpt_tos"],
        serde_json::json!(["mj.nunez@cliente.test"])
    );
    assert_notice(&received[0].raw, &message_id);
    assert!(
        !store.join("outbox").exists(),
        "nothing goes to the file outbox when SMTP is configured"
    );

    let entries = outbox(&store);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["status"], "sent");
    assert_eq!(entries[0]["transport"]["kind"], "smtp");
    assert!(
        entries[0]["transport"]["server"]
            .as_str()
            .is_some_and(|server| server.starts_with("127.0.0.1:")),
        "{}",
        entries[0]
    );
    assert_eq!(entries[0]["message_id"], message_id.as_str());
    let reply = entries[0]["output"]["accepted_by"]
        .as_str()
        .unwrap_or_default();
    assert!(
        reply.starts_with("250") && reply.contains("stored as 0001"),
        "{reply}"
    );
}

#[test]
fn a_sigkill_with_100_messages_to_send_loses_none_after_resume() {
    const MESSAGES: usize = 100;
    let Some(sink) = Sink::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let wf = write(dir.path(), "many.yaml", MANY);
    let toml = config(dir.path(), &sink.config_toml());
    let recipients: Vec<String> = (0..MESSAGES)
        .map(|i| format!("persona{i:03}@cliente.test"))
        .collect();
    let list = serde_json::to_string(&recipients).unwrap();

    let mut child = garita(&store)
        .arg("--config")
        .arg(&toml)
        .arg("run")
        .arg(&wf)
        .args(["--input", &format!("recipients={list}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill once some messages are out and most are still to send.
    let started = Instant::now();
    while sink.count() < 10 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no 10 messages reached the server"
        );
        if let Ok(Some(status)) = child.try_wait() {
            panic!("garita run ended before it was killed: {status}");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let before = sink.count();
    assert!(before < MESSAGES, "everything was sent before the kill");

    // Resume until the parent run is done (a child may wait for a short
    // retry back-off if the server was busy).
    let mut parent_status = String::new();
    for _ in 0..50 {
        ok(garita(&store).arg("--config").arg(&toml).arg("resume"));
        let runs = ok(garita(&store).args(["runs", "list", "--workflow", "email-many", "--json"]));
        let runs: Value = serde_json::from_slice(&runs.stdout).unwrap();
        parent_status = runs[0]["status"].as_str().unwrap_or_default().to_owned();
        if parent_status == "succeeded" {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(parent_status, "succeeded");

    let received = sink.received();
    let ids = sink.message_ids();
    assert_eq!(
        ids.len(),
        MESSAGES,
        "every message arrived, each with its own Message-ID"
    );
    let entries = outbox(&store);
    assert_eq!(entries.len(), MESSAGES);
    assert!(
        entries.iter().all(|e| e["status"] == "sent"),
        "every outbox record is sent"
    );
    // A message arrives twice only if it was on its way when the process
    // died: its record was left `sending` and the re-run counted a second
    // attempt. The engine drives up to `concurrency` (8) children at once.
    let resent: u64 = entries
        .iter()
        .map(|e| e["attempts"].as_u64().unwrap_or(0).saturating_sub(1))
        .sum();
    let duplicates = (received.len() - MESSAGES) as u64;
    assert!(
        duplicates <= resent && duplicates <= 8,
        "{duplicates} duplicate(s) received, {resent} message(s) sent again"
    );
    let mut copies = std::collections::BTreeMap::<String, usize>::new();
    for message in &received {
        *copies
            .entry(message.header("Message-ID").unwrap_or_default())
            .or_default() += 1;
    }
    assert!(
        copies.values().all(|&n| n <= 2),
        "no message arrives more than twice: {copies:?}"
    );
    let addressed: BTreeSet<String> = received
        .iter()
        .flat_map(|m| {
            m.envelope["rcpt_tos"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|to| to.as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        addressed,
        recipients.iter().cloned().collect::<BTreeSet<_>>()
    );

    let recorded: BTreeSet<String> = entries
        .iter()
        .filter_map(|e| e["message_id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(recorded, ids, "the outbox and the server agree");
}

#[test]
fn with_the_server_down_the_run_fails_and_outbox_retry_delivers_later() {
    // Nothing listens on a port just released; the sink takes it later.
    let port = sink::free_port();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let wf = write(dir.path(), "down.yaml", DOWN);
    let toml = config(dir.path(), &sink::config_toml(port));

    let out = run(garita(&store)
        .arg("--config")
        .arg(&toml)
        .arg("run")
        .arg(&wf));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let reason = stderr(&out);
    assert!(
        reason.contains(&format!("127.0.0.1:{port}")) && reason.contains("after 3 attempts"),
        "the run fails with the reason: {reason}"
    );
    let run_id = printed_run_id(&out);
    let message_id = email::message_id_for(&run_id, "send", "garita.local");

    let entries = outbox(&store);
    assert_eq!(entries.len(), 1);
    let failed = &entries[0];
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["message_id"], message_id.as_str());
    assert_eq!(
        (failed["attempt"].as_u64(), failed["attempts"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(failed["retryable"], true);
    assert!(
        failed["error"]
            .as_str()
            .is_some_and(|e| e.contains(&format!("127.0.0.1:{port}"))),
        "{failed}"
    );
    let listed = ok(garita(&store).args(["outbox", "list", "--status", "failed", "--json"]));
    let listed: Vec<Value> = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(listed.len(), 1);

    let Some(sink) = Sink::start_on(port) else {
        return;
    };
    let bare = message_id.trim_start_matches('<').trim_end_matches('>');
    let retried = ok(garita(&store)
        .arg("--config")
        .arg(&toml)
        .args(["outbox", "retry", bare]));
    assert!(
        stdout(&retried).contains(" sent (attempt 4)"),
        "{}",
        stdout(&retried)
    );

    let received = sink.received();
    assert_eq!(received.len(), 1);
    assert_eq!(
        received[0].header("Message-ID").as_deref(),
        Some(message_id.as_str())
    );
    let entries = outbox(&store);
    assert_eq!(entries[0]["status"], "sent");
    assert_eq!(entries[0]["attempts"], 4);
    assert_eq!(entries[0]["error"], Value::Null);
}

#[test]
fn the_daemon_warns_at_start_up_when_mail_only_goes_to_files() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let workflows = dir.path().join("workflows");
    std::fs::create_dir(&workflows).unwrap();
    let once = |config: Option<&Path>| {
        let mut cmd = garita(&store);
        if let Some(config) = config {
            cmd.arg("--config").arg(config);
        }
        stderr(&ok(cmd
            .args(["daemon", "--once", "--workflows"])
            .arg(&workflows)))
    };

    let warned = once(None);
    let line = warned
        .lines()
        .find(|l| l.contains("not delivered"))
        .unwrap_or_else(|| panic!("no warning about file-only mail in:\n{warned}"));
    assert!(line.contains("WARN"), "{line}");
    assert!(
        line.contains(&store.join("outbox").display().to_string())
            && line.contains("transport = \"smtp\""),
        "{line}"
    );

    // With SMTP configured (nothing is sent here) there is nothing to warn about.
    let smtp = config(
        dir.path(),
        "[connectors.email]\ntransport = \"smtp\"\nhost = \"smtp.example.com\"\n",
    );
    let quiet = once(Some(&smtp));
    assert!(!quiet.contains("not delivered"), "{quiet}");
    assert!(quiet.contains("daemon --once"), "the log was read: {quiet}");
}
