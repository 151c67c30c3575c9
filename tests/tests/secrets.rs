//! Secrets never reach the store, the logs, `runs show`, the outbox or an
//! error message: a planted secret input and a planted SMTP password are
//! searched for, as raw bytes, in every file under the store directory
//! (sled's own files included) and in everything the binary printed.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use support::{garita, run, stderr, stdout, write};

/// A value that appears nowhere unless it leaked.
fn planted(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("S3cr3t-{what}-{nanos:x}-{}", std::process::id())
}

/// Every file below `dir`, recursively.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).expect("readable dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Asserts `secret` is in no file below `dir` and in none of `outputs`;
/// returns how many files were searched.
fn assert_nowhere(secret: &str, dir: &Path, outputs: &[Output]) -> usize {
    let files = files_below(dir);
    for file in &files {
        let bytes = std::fs::read(file).expect("readable file");
        assert!(
            !contains(&bytes, secret),
            "the secret is in {}",
            file.display()
        );
    }
    for out in outputs {
        assert!(
            !contains(&out.stdout, secret) && !contains(&out.stderr, secret),
            "the secret was printed:\nstdout: {}\nstderr: {}",
            stdout(out),
            stderr(out)
        );
    }
    files.len()
}

/// A workflow that uses a secret where it may go, hands a step output that
/// held it to an email, and echoes it from a failing step.
const ECHO: &str = r#"
name: secret-echo
inputs:
  token: {type: string, secret: true}
  pin: {type: number, secret: true, required: false}
steps:
  - id: use_it
    uses: core.set
    with: {value: "Bearer ${{ inputs.token }}"}
  - id: notify
    uses: email.send
    with:
      to: [ana.perez@example.com]
      subject: Revisión del token
      body: "Se usó: ${{ steps.use_it.outputs.value }}"
  - id: echo_back
    uses: core.fail
    with: {message: "the portal refused token ${{ inputs.token }}"}
"#;

#[test]
fn a_secret_input_is_in_no_store_file_log_listing_or_email() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let secret = planted("input");
    let wf = write(tmp.path(), "echo.yaml", ECHO);
    let mut outputs = Vec::new();

    let out = run(garita(&store)
        .args(["-vv", "run"])
        .arg(&wf)
        .arg("--input")
        .arg(format!("token={secret}")));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out) + &stderr(&out);
    assert!(text.contains("failed"), "{text}");
    outputs.push(out);
    let run_id = {
        let out = run(garita(&store).args(["runs", "list", "--json"]));
        let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        outputs.push(out);
        list[0]["id"].as_str().unwrap().to_owned()
    };
    let shown = run(garita(&store).args(["runs", "show", &run_id]));
    let text = stdout(&shown);
    assert!(text.contains("[redacted]"), "{text}");
    outputs.push(shown);
    let json = run(garita(&store).args(["runs", "show", &run_id, "--json"]));
    let text = stdout(&json);
    assert!(
        text.contains("the portal refused token [redacted]"),
        "the error is kept, the secret is not: {text}"
    );
    outputs.push(json);
    let outbox = run(garita(&store).args(["outbox", "list", "--json"]));
    let entries: serde_json::Value = serde_json::from_slice(&outbox.stdout).unwrap();
    assert_eq!(entries.as_array().map(Vec::len), Some(1), "{entries}");
    outputs.push(outbox);
    outputs.push(run(garita(&store).args([
        "--log-format",
        "json",
        "-vv",
        "resume",
    ])));
    // A secret of the wrong type is refused without being repeated.
    let bad = run(garita(&store)
        .arg("run")
        .arg(&wf)
        .arg("--input")
        .arg("token=x")
        .arg("--input")
        .arg(format!("pin={secret}")));
    assert_ne!(bad.status.code(), Some(0));
    assert!(
        stderr(&bad).contains("input `pin` (secret)"),
        "{}",
        stderr(&bad)
    );
    outputs.push(bad);

    let searched = assert_nowhere(&secret, tmp.path(), &outputs);
    assert!(searched >= 4, "only {searched} files searched");
    // The .eml file written by the file transport is under the store too.
    assert!(
        files_below(&store)
            .iter()
            .any(|f| f.extension().is_some_and(|e| e == "eml")),
        "no email was written"
    );
}

#[test]
fn a_run_resumed_without_its_secrets_fails_the_step_that_needs_them() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let secret = planted("resume");
    let wf = write(
        tmp.path(),
        "later.yaml",
        r#"
name: secret-later
inputs:
  token: {type: string, secret: true}
steps:
  - id: wait_for_go
    wait: {signal: go, timeout: 7d}
  - id: use_it
    uses: core.set
    with: {value: "${{ inputs.token }}"}
"#,
    );
    let started = run(garita(&store)
        .arg("run")
        .arg(&wf)
        .arg("--input")
        .arg(format!("token={secret}")));
    assert!(stdout(&started).contains("waiting"), "{}", stderr(&started));
    let id = stdout(&started)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    // Another process delivers the signal: it never had the secret.
    let signalled = run(garita(&store).args(["signal", &id, "go"]));
    let shown = run(garita(&store).args(["runs", "show", &id, "--json"]));
    let text = stdout(&shown);
    assert!(text.contains("\"failed\""), "{text}");
    assert!(
        text.contains("this step reads the secret input `token`")
            && text.contains("kept in memory only")
            && text.contains("start the run again"),
        "{text}"
    );
    assert_nowhere(&secret, tmp.path(), &[started, signalled, shown]);
}

#[test]
fn validation_refuses_a_secret_in_an_email_with_its_position() {
    let tmp = tempfile::tempdir().unwrap();
    let wf = write(
        tmp.path(),
        "mail.yaml",
        r#"name: mail-secret
inputs:
  token: {type: string, secret: true}
steps:
  - id: notify
    uses: email.send
    with:
      to: [ana.perez@example.com]
      subject: token
      body: "Su token es ${{ inputs.token }}"
"#,
    );
    let out = run(garita(&tmp.path().join("store")).arg("validate").arg(&wf));
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out) + &stderr(&out);
    assert!(
        text.contains("mail.yaml:10:13: `with` of step `notify` reads the secret input `token`")
            && text.contains("never mail or write a secret"),
        "{text}"
    );
}

#[test]
fn a_planted_smtp_password_is_in_no_store_file_or_log() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let in_env = planted("smtp-env");
    let in_file = planted("smtp-toml");
    // A port nothing listens on: the send fails and its error is recorded.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    let config = write(
        tmp.path(),
        "garita.toml",
        &format!(
            r#"[connectors.email]
transport = "smtp"
host = "127.0.0.1"
port = {port}
tls = "none"
username = "robot"
password_env = "GARITA_TEST_PLANTED_SMTP_PASSWORD"
connect_timeout_secs = 1
# written here by mistake: it must go nowhere either
password = "{in_file}"
"#
        ),
    );
    let wf = write(
        tmp.path(),
        "send.yaml",
        r#"
name: send-once
steps:
  - id: notify
    uses: email.send
    retry: 1
    with: {to: [ana.perez@example.com], subject: Hola, body: Prueba}
"#,
    );
    let mut outputs = Vec::new();
    for format in ["text", "json"] {
        let out = run(garita(&store)
            .arg("--config")
            .arg(&config)
            .args(["-vvv", "--log-format", format, "run"])
            .arg(&wf)
            .env("GARITA_TEST_PLANTED_SMTP_PASSWORD", &in_env));
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        outputs.push(out);
    }
    let listed = run(garita(&store).args(["outbox", "list", "--json"]));
    assert!(stdout(&listed).contains("failed"), "{}", stdout(&listed));
    outputs.push(listed);
    outputs.push(run(garita(&store).args(["runs", "list", "--json"])));
    for secret in [&in_env, &in_file] {
        assert_nowhere(secret, tmp.path().join("store").as_path(), &outputs);
    }
}
