//! A run of slow side-effect-free steps killed with SIGKILL keeps the steps
//! it finished: `garita resume` runs again at most the step that was in
//! flight, never one that had finished (issue 15, point 7).
//!
//! `core.sleep` declares no side effects, so the engine may defer its
//! commits; the deferral is bounded by time, so a 250 ms step is durable
//! before the next one starts. Progress is read from the engine's debug log
//! (`calling core.sleep`, one JSON line per step started), which needs no
//! side effect and no second opener of the locked store.

mod support;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;
use support::*;

/// Steps in the workflow.
const STEPS: usize = 40;
/// How long each step sleeps.
const NAP_MS: u64 = 250;
/// The process is killed once this step (1-based) has been called, so the
/// ones before it have finished.
const KILL_AT_CALL: usize = 22;

fn step_id(n: usize) -> String {
    format!("nap{n:02}")
}

fn workflow() -> String {
    let mut text = String::from(
        "name: forty-naps\ndescription: Forty side-effect-free steps of 250 ms.\nsteps:\n",
    );
    for n in 1..=STEPS {
        text.push_str(&format!(
            "  - id: {}\n    uses: core.sleep\n    with: {{ms: {NAP_MS}}}\n",
            step_id(n)
        ));
    }
    text
}

/// `garita` on `store` with the engine's debug log as JSON lines on stderr.
fn logged(store: &std::path::Path) -> Command {
    let mut cmd = garita(store);
    cmd.args(["--log-format", "json"])
        .env("RUST_LOG", "garita_engine::executor=debug")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

/// The step id of a `calling core.sleep` log line.
fn called_step(line: &str) -> Option<String> {
    let entry: Value = serde_json::from_str(line).ok()?;
    if entry["message"].as_str()? != "calling core.sleep" {
        return None;
    }
    Some(entry["step"].as_str()?.to_owned())
}

/// The steps `garita resume` calls, in order.
fn resume_calls(store: &std::path::Path) -> Vec<String> {
    let out = run(logged(store).arg("resume"));
    assert!(
        out.status.success(),
        "resume failed: {}{}",
        stdout(&out),
        stderr(&out)
    );
    stderr(&out).lines().filter_map(called_step).collect()
}

/// Each step id with its status and attempts, as `runs show --json` has them.
fn steps_shown(store: &std::path::Path, run_id: &str) -> (String, Vec<(String, String, u64)>) {
    let out = run(garita(store).args(["runs", "show", run_id, "--json"]));
    assert!(out.status.success(), "runs show: {}", stderr(&out));
    let view: Value = serde_json::from_slice(&out.stdout).unwrap();
    let steps = view["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_owned(),
                s["status"].as_str().unwrap().to_owned(),
                s["attempts"].as_u64().unwrap(),
            )
        })
        .collect();
    (view["status"].as_str().unwrap().to_owned(), steps)
}

#[test]
fn sigkill_mid_run_of_slow_pure_steps_loses_no_finished_step() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let wf = write(dir.path(), "naps.yaml", &workflow());

    let mut child = logged(&store).arg("run").arg(&wf).spawn().unwrap();
    let log = child.stderr.take().unwrap();
    let (calls_tx, calls_rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut calls = Vec::new();
        for line in BufReader::new(log).lines().map_while(Result::ok) {
            if let Some(step) = called_step(&line) {
                calls.push(step.clone());
                // The receiver stops listening once it has killed the process.
                let _ = calls_tx.send(step);
            }
        }
        calls
    });
    for n in 1..=KILL_AT_CALL {
        let step = calls_rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("garita run never called step {n}"));
        assert_eq!(step, step_id(n), "steps are called in order");
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    // Everything the process logged before it died, the step in flight last.
    let called = reader.join().unwrap();
    assert!(
        called.len() >= KILL_AT_CALL && called.len() < STEPS,
        "{called:?}"
    );
    let in_flight = called.last().unwrap().clone();
    let finished: BTreeSet<String> = called[..called.len() - 1].iter().cloned().collect();

    // What the crash left in the store: every finished step, as succeeded.
    let run_id = {
        let list = run(garita(&store).args(["runs", "list", "--json"]));
        let runs: Value = serde_json::from_slice(&list.stdout).unwrap();
        runs[0]["id"].as_str().unwrap().to_owned()
    };
    let (_, after_kill) = steps_shown(&store, &run_id);
    let durable: BTreeSet<String> = after_kill
        .iter()
        .filter(|(_, status, _)| status == "succeeded")
        .map(|(id, _, _)| id.clone())
        .collect();
    let lost: Vec<&String> = finished.difference(&durable).collect();
    assert!(
        lost.is_empty(),
        "{} of the {} steps finished before the kill were not durable: {lost:?}",
        lost.len(),
        finished.len()
    );

    // Resume runs only what had not finished: the step in flight and the rest.
    let resumed = resume_calls(&store);
    let again: Vec<&String> = resumed.iter().filter(|s| finished.contains(*s)).collect();
    eprintln!(
        "killed with {} steps finished ({} durable), {in_flight} in flight; resume called {} steps, {} of them finished before",
        finished.len(),
        durable.len(),
        resumed.len(),
        again.len()
    );
    assert!(again.is_empty(), "finished steps ran again: {again:?}");
    let expected: Vec<String> = (1..=STEPS)
        .map(step_id)
        .filter(|id| !durable.contains(id))
        .collect();
    assert_eq!(resumed, expected, "resume calls each unfinished step once");

    let (status, steps) = steps_shown(&store, &run_id);
    assert_eq!(status, "succeeded");
    for (id, status, attempts) in steps {
        assert_eq!(status, "succeeded", "{id}");
        // The step in flight ran again as the same attempt (same key).
        assert_eq!(attempts, 1, "{id}");
    }
}
