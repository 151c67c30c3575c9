//! Odd values on the real binary (issue 17, item 5): signal names out of
//! bounds. Each must end with a clear error and the documented exit code,
//! never a panic (exit 101) and never a record in the run.

mod support;

use support::*;

const SIGNAL: &str = r#"
name: wait-for-cbp
steps:
  - id: reactivated
    wait:
      signal: reactivated
      timeout: 14d
      on_timeout: fail
"#;

#[test]
fn signal_names_that_are_empty_too_long_or_have_control_characters_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("store");
    let wf = write(dir.path(), "signal.yaml", SIGNAL);
    let out = run(garita(&store).arg("run").arg(&wf));
    assert!(stdout(&out).contains("waiting"), "{}", stdout(&out));
    let run_id = stdout(&out)
        .split_whitespace()
        .next()
        .expect("run id")
        .to_owned();

    let long = "s".repeat(129);
    for (name, needle) in [
        ("", "empty"),
        (long.as_str(), "limited to 128"),
        ("go\nnow", "control character"),
    ] {
        let out = run(garita(&store).args(["signal", &run_id, name]));
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert_eq!(out.status.code(), Some(2), "{name:?}: {all}");
        assert!(
            all.contains(needle),
            "{name:?}: expected `{needle}` in {all}"
        );
        assert!(!all.contains("panicked"), "{all}");
    }

    // Nothing was recorded: the run is still waiting for its signal.
    let show = run(garita(&store).args(["runs", "show", &run_id]));
    assert!(!stdout(&show).contains(&long), "{}", stdout(&show));
    let ok = run(garita(&store).args(["signal", &run_id, &"s".repeat(128)]));
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
}

/// `garita runs list` with stdout or stderr closed, or read by `head -c0`,
/// must not exit 101 (println! panics on a failed write).
#[test]
fn a_closed_stdout_or_stderr_is_not_a_panic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("store");
    let wf = write(dir.path(), "signal.yaml", SIGNAL);
    // One run, so `runs list` has rows to write.
    let started = run(garita(&store).arg("run").arg(&wf));
    assert!(stdout(&started).contains("waiting"), "{}", stdout(&started));
    let bin = garita_bin().display().to_string();
    let store = store.display().to_string();
    for (redirect, allowed) in [
        (">&-", &[0, 1][..]),
        ("2>&-", &[0][..]),
        (">&- 2>&-", &[0, 1][..]),
    ] {
        let script = format!("'{bin}' --store '{store}' runs list {redirect}; echo \"rc=$?\" >&3");
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(format!("exec 3>&1; {{ {script}; }} 2>&3"))
            .output()
            .expect("bash runs");
        let text = stdout(&out);
        let code: i32 = text
            .lines()
            .find_map(|l| l.strip_prefix("rc="))
            .and_then(|c| c.trim().parse().ok())
            .expect("exit code printed");
        assert!(allowed.contains(&code), "{redirect}: exit {code}: {text}");
        assert!(!text.contains("panicked"), "{redirect}: {text}");
    }
    // A reader that closes the pipe at once: silent success.
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{bin}' --store '{store}' runs list | head -c0; echo \"rc=$?\""
        ))
        .output()
        .expect("bash runs");
    let text = stdout(&out);
    assert!(text.contains("rc="), "{text}");
    assert!(!text.contains("rc=101"), "{text}");
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}

/// A message whose recipients fill a table cell far past 65,535 characters
/// (the limit of `format!` padding, which panicked): `outbox list` cuts the
/// cell, `--json` keeps the whole value.
#[test]
fn an_outbox_entry_with_a_huge_cell_is_listed_without_a_panic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("store");
    let recipients: Vec<String> = (0..1_900)
        .map(|i| format!("\"persona.numero{i}@empresa-importadora-del-ecuador.example\""))
        .collect();
    let wf = write(
        dir.path(),
        "many.yaml",
        &format!(
            "name: many\nsteps:\n  - id: mail\n    uses: email.send\n    with:\n      to: [{}]\n      subject: Aviso\n      body: Hola\n",
            recipients.join(", ")
        ),
    );
    let out = run(garita(&store).arg("run").arg(&wf));
    assert_success(&out, "a message to 1,900 recipients");
    let list = run(garita(&store).args(["outbox", "list"]));
    assert_success(&list, "outbox list");
    let text = stdout(&list);
    assert!(
        text.lines().all(|line| line.chars().count() < 1_000),
        "a cell was not cut"
    );
    assert!(text.contains('…'), "{text}");
    let json = run(garita(&store).args(["outbox", "list", "--json"]));
    assert_success(&json, "outbox list --json");
    assert!(stdout(&json).len() > 65_535, "--json keeps every recipient");
}
