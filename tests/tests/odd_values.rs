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
