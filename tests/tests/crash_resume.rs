//! A run killed with SIGKILL in the middle finishes after `garita resume`
//! with every step's effect present exactly once.

mod support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use support::*;

const WORKFLOW: &str = r#"
name: append-five
description: Appends five lines to a file, pausing between them.
inputs:
  file: {type: string, required: true}
steps:
  - id: one
    uses: core.append_file
    with: {path: "${{ inputs.file }}", line: "one"}
  - id: nap1
    uses: core.sleep
    with: {ms: 150}
  - id: two
    uses: core.append_file
    with: {path: "${{ inputs.file }}", line: "two"}
  - id: nap2
    uses: core.sleep
    with: {ms: 150}
  - id: three
    uses: core.append_file
    with: {path: "${{ inputs.file }}", line: "three"}
  - id: nap3
    uses: core.sleep
    with: {ms: 150}
  - id: four
    uses: core.append_file
    with: {path: "${{ inputs.file }}", line: "four"}
  - id: five
    uses: core.append_file
    with: {path: "${{ inputs.file }}", line: "five"}
"#;

fn count(text: &str, word: &str) -> usize {
    text.lines()
        .filter(|l| l.split_whitespace().any(|w| w == word))
        .count()
}

#[test]
fn sigkill_mid_run_then_resume_gives_every_effect_exactly_once() {
    // Kill at several points: after the first line, after two, after three.
    for kill_after_lines in 1..=3 {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        let out_file = store.join("files").join("effects.txt");
        let wf = write(dir.path(), "append.yaml", WORKFLOW);
        let mut child = garita(&store)
            .arg("run")
            .arg(&wf)
            .arg("--input")
            .arg(format!("file={}", out_file.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        loop {
            let lines = std::fs::read_to_string(&out_file)
                .map(|t| t.lines().count())
                .unwrap_or(0);
            if lines >= kill_after_lines {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the run never wrote {kill_after_lines} lines"
            );
            if let Ok(Some(status)) = child.try_wait() {
                panic!("garita run ended before it was killed: {status}");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        let resumed = run(garita(&store).arg("resume"));
        assert!(
            resumed.status.success(),
            "resume failed: {}{}",
            stdout(&resumed),
            stderr(&resumed)
        );
        assert!(
            stdout(&resumed).contains("succeeded"),
            "{}",
            stdout(&resumed)
        );

        let text = std::fs::read_to_string(&out_file).unwrap();
        for word in ["one", "two", "three", "four", "five"] {
            assert_eq!(
                count(&text, word),
                1,
                "`{word}` after a kill at {kill_after_lines} line(s):\n{text}"
            );
        }
        // The run shows every step succeeded.
        let list = run(garita(&store).args(["runs", "list", "--json"]));
        let runs: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
        assert_eq!(runs[0]["status"], "succeeded");
    }
}
