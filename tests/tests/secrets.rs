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

/// A workflow that uses a secret where it may go (a lookup without side
/// effects), sends an email, and echoes the secret from a failing step: the
/// redactor is the second line of defence behind validation. (Handing a
/// step output computed from the secret to the email is refused at
/// validation: see `laundering_a_secret_through_a_step_is_refused`.)
const ECHO: &str = r#"
name: secret-echo
inputs:
  token: {type: string, secret: true}
  pin: {type: number, secret: true, required: false}
steps:
  - id: use_it
    uses: ecuapass.validate_ruc
    with: {ruc: "${{ inputs.token }}"}
  - id: notify
    uses: email.send
    with:
      to: [ana.perez@example.com]
      subject: Revisión del token
      body: "Se revisó el token."
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
    uses: ecuapass.validate_ruc
    with: {ruc: "${{ inputs.token }}"}
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

#[test]
fn laundering_a_secret_through_a_step_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let wf = write(
        tmp.path(),
        "launder.yaml",
        r#"name: launder
inputs:
  token: {type: string, secret: true}
steps:
  - id: masked
    uses: ecuapass.validate_ruc
    with: {ruc: "${{ inputs.token | upper }}"}
  - id: notify
    uses: email.send
    with:
      to: [ana.perez@example.com]
      subject: token
      body: "${{ steps.masked.outputs | tojson }}"
"#,
    );
    let out = run(garita(&tmp.path().join("s")).arg("validate").arg(&wf));
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out) + &stderr(&out);
    assert!(
        text.contains("launder.yaml:13:13")
            && text.contains("reads `steps.masked` (it derives from the secret input `token` through step `masked`"),
        "{text}"
    );
}

const DELIVERY: &str = r#"
name: secret-delivery
inputs:
  token: {type: string, secret: true}
steps:
  - id: matched
    if: inputs.token == 'expected-secret-value'
    uses: core.set
    with: {ok: "yes"}
"#;

/// The status of the run's one step, from `garita run --json`.
fn step_status(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(out), stderr(out));
    let view: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    view["steps"][0]["status"]
        .as_str()
        .unwrap_or("?")
        .to_owned()
}

#[test]
fn a_secret_can_come_from_a_file_or_standard_input_and_a_literal_one_is_warned_of() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let wf = write(tmp.path(), "delivery.yaml", DELIVERY);
    let file = write(
        tmp.path(),
        "inputs.env",
        "# the portal token\ntoken=expected-secret-value\n",
    );
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();

    let out = run(garita(&store)
        .arg("run")
        .arg(&wf)
        .arg("--input-file")
        .arg(&file)
        .arg("--json"));
    assert_eq!(step_status(&out), "succeeded");
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));

    let out = piped(
        garita(&store)
            .arg("run")
            .arg(&wf)
            .args(["--input", "token=-", "--json"]),
        "expected-secret-value\n",
    );
    assert_eq!(
        step_status(&out),
        "succeeded",
        "one trailing newline is not the value's"
    );

    let out = run(garita(&store)
        .arg("run")
        .arg(&wf)
        .args(["--input", "token=wrong", "--json"]));
    assert_eq!(step_status(&out), "skipped");
    assert!(
        stderr(&out).contains("the secret input `token` was given on the command line")
            && stderr(&out).contains("--input token=-"),
        "{}",
        stderr(&out)
    );
    // The value is never stored.
    let list = run(garita(&store).args(["runs", "list", "--json"]));
    assert!(!stdout(&list).contains("expected-secret-value"));
}

#[test]
fn through_the_daemon_the_client_reads_the_file_and_standard_input() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let workflows = tmp.path().join("workflows");
    std::fs::create_dir(&workflows).unwrap();
    let wf = write(tmp.path(), "delivery.yaml", DELIVERY);
    let file = write(tmp.path(), "inputs.env", "token=expected-secret-value\n");
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let mut daemon = garita(&store)
        .arg("daemon")
        .arg("--workflows")
        .arg(&workflows)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !store.join("control.sock").exists() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "no daemon"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    // Run from another directory: the relative file is the client's.
    let out = run(garita(&store)
        .current_dir(tmp.path())
        .arg("run")
        .arg(&wf)
        .args(["--input-file", "inputs.env", "--json"]));
    assert_eq!(step_status(&out), "succeeded");
    let out = piped(
        garita(&store)
            .arg("run")
            .arg(&wf)
            .args(["--input", "token=-", "--json"]),
        "expected-secret-value",
    );
    assert_eq!(step_status(&out), "succeeded");
    let _ = std::process::Command::new("kill")
        .arg(daemon.id().to_string())
        .status();
    let _ = daemon.wait();
}

/// Runs `cmd` with `input` on its standard input.
fn piped(cmd: &mut std::process::Command, input: &str) -> Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}
