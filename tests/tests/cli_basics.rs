//! The `garita` command's basic contract: validate, run, runs show, exit codes,
//! and clear errors for bad input.

mod support;

use support::*;

const THREE_STEPS: &str = r#"
name: three-steps
description: Three core steps that pass values along.
inputs:
  who: {type: string, default: Ana}
  year: {type: number, required: true}
steps:
  - id: greet
    uses: core.set
    with: {text: "Hola ${{ inputs.who }}", year: "${{ inputs.year }}"}
  - id: next
    uses: core.set
    with: {previous: "${{ steps.greet.outputs.text }}", following: "${{ inputs.year + 1 }}"}
  - id: done
    uses: core.set
    with: {ok: true}
outputs:
  following: "${{ steps.next.outputs.following }}"
"#;

#[test]
fn validate_reports_three_mistakes_with_positions_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let wf = write(
        dir.path(),
        "bad.yaml",
        "name: bad\nsteps:\n  - id: a\n    uses: core.set\n    wiht: {x: 1}\n  - id: a\n    uses: core.set\n  - id: c\n    uses: nope.thing\n",
    );
    let out = run(garita(&dir.path().join("s")).arg("validate").arg(&wf));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    let shown = wf.display().to_string();
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with(&shown)).collect();
    assert!(lines.len() >= 3, "expected three problems:\n{text}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("{shown}:5:5:")) && l.contains("wiht")),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("{shown}:6:")) && l.contains("duplicate")),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("{shown}:9:")) && l.contains("nope")),
        "{text}"
    );
}

#[test]
fn run_succeeds_and_runs_show_lists_every_step() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let wf = write(dir.path(), "three.yaml", THREE_STEPS);
    let out = run(garita(&store)
        .arg("run")
        .arg(&wf)
        .args(["--input", "year=2026"]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let first = stdout(&out);
    let id = first.split_whitespace().next().unwrap().to_owned();
    assert!(first.contains("succeeded"), "{first}");

    // Global options after the command name work too.
    let show = run(garita(&store).args(["runs", "show", &id[..10], "--json"]));
    assert_eq!(show.status.code(), Some(0), "{}", stderr(&show));
    let view: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(view["status"], "succeeded");
    assert_eq!(view["outputs"]["following"], 2027);
    let steps = view["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3);
    for step in steps {
        assert_eq!(step["status"], "succeeded");
        assert_eq!(step["attempts"], 1);
        assert!(
            step["started_at"].is_string() && step["ended_at"].is_string(),
            "{step}"
        );
        assert!(step["outputs"].is_object(), "{step}");
    }
    assert_eq!(steps[1]["outputs"]["previous"], "Hola Ana");
}

#[test]
fn a_failing_step_exits_1_and_names_the_step() {
    let dir = tempfile::tempdir().unwrap();
    let wf = write(
        dir.path(),
        "fail.yaml",
        "name: fails\nsteps:\n  - id: boom\n    uses: core.fail\n    with: {message: on purpose}\n",
    );
    let out = run(garita(&dir.path().join("s")).arg("run").arg(&wf));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("boom") && stderr(&out).contains("on purpose"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn missing_and_unknown_inputs_are_reported_together_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let wf = write(dir.path(), "three.yaml", THREE_STEPS);
    let out = run(garita(&store)
        .arg("run")
        .arg(&wf)
        .args(["--input", "whoo=Luis"]));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("did you mean `who`"), "{err}");
    assert!(err.contains("missing required input `year`"), "{err}");
    let list = run(garita(&store).args(["runs", "list", "--json"]));
    let runs: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(runs.as_array().map(Vec::len), Some(0));
}

#[test]
fn malformed_input_flag_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let wf = write(dir.path(), "three.yaml", THREE_STEPS);
    let out = run(garita(&dir.path().join("s"))
        .arg("run")
        .arg(&wf)
        .args(["--input", "year"]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("KEY=VALUE"));
}

#[test]
fn non_utf8_and_huge_workflow_files_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("latin1.yaml");
    std::fs::write(&bad, b"name: caf\xe9\nsteps: []\n").unwrap();
    let out = run(garita(&dir.path().join("s")).arg("validate").arg(&bad));
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("UTF-8"), "{}", stdout(&out));

    let huge = dir.path().join("huge.yaml");
    std::fs::write(&huge, "#".repeat(2 << 20)).unwrap();
    let out = run(garita(&dir.path().join("s")).arg("validate").arg(&huge));
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("limited"), "{}", stdout(&out));
}

#[test]
fn a_store_in_use_by_another_process_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let wf = write(
        dir.path(),
        "slow.yaml",
        "name: slow\nsteps:\n  - id: nap\n    uses: core.sleep\n    with: {ms: 30000}\n",
    );
    let mut holder = garita(&store)
        .arg("run")
        .arg(&wf)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The holder reports `run … started` (on stderr) once it has the store
    // open; polling before that would race it for the lock.
    let mut first_line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stderr.take().unwrap()),
        &mut first_line,
    )
    .unwrap();
    assert!(
        first_line.contains("started"),
        "holder said: {first_line:?}"
    );
    let started = std::time::Instant::now();
    loop {
        let out = run(garita(&store).args(["runs", "list"]));
        if !out.status.success() {
            let err = stderr(&out);
            assert!(err.contains(&store.display().to_string()), "{err}");
            assert!(err.contains("in use"), "{err}");
            assert!(!err.contains("panicked"), "{err}");
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the store was never locked"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // Done: no need to wait for the nap.
    holder.kill().unwrap();
    holder.wait().unwrap();
}

#[test]
fn schema_workflow_prints_a_json_schema() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(garita(&dir.path().join("s")).args(["schema", "workflow"]));
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(schema["properties"]["steps"].is_object(), "{schema}");
}

#[test]
fn unknown_command_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(garita(&dir.path().join("s")).arg("frobnicate"));
    assert_eq!(out.status.code(), Some(2));
}
