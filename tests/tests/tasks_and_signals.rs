//! Human tasks and signals with the real binary: every command is a new
//! process, so each wait is also a restart.

mod support;

use support::*;

const APPROVAL: &str = r#"
name: approval
inputs:
  file: {type: string, required: true}
steps:
  - id: approve
    task:
      title: "Approve the reactivation request"
      body: "Check the draft and confirm the date."
      assignee: oficial@example.com
      due: 3d
      fields:
        type: object
        required: [date]
        properties:
          date: {type: string}
      on_timeout: fail
  - id: record
    uses: core.append_file
    with:
      path: "${{ inputs.file }}"
      line: "approved ${{ steps.approve.outputs.outcome }} ${{ steps.approve.outputs.fields.date }}"
"#;

fn first_word(text: &str) -> String {
    text.split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn a_task_waits_and_its_answer_reaches_a_later_step() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let effects = store.join("files").join("effects.txt");
    let wf = write(dir.path(), "approval.yaml", APPROVAL);
    let out = run(garita(&store)
        .arg("run")
        .arg(&wf)
        .arg("--input")
        .arg(format!("file={}", effects.display())));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("waiting"), "{}", stdout(&out));
    let run_id = first_word(&stdout(&out));

    let list =
        run(garita(&store).args(["tasks", "list", "--mine", "OFICIAL@example.com", "--json"]));
    let tasks: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(tasks.as_array().unwrap().len(), 1, "{tasks}");
    let task_id = tasks[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(tasks[0]["title"], "Approve the reactivation request");

    // A missing required field is refused and changes nothing.
    let bad = run(garita(&store).args(["tasks", "complete", &task_id]));
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("date"), "{}", stderr(&bad));
    assert!(!effects.exists());

    let done = run(garita(&store).args([
        "tasks",
        "complete",
        &task_id,
        "--field",
        "date=2026-01-07",
        "--note",
        "ok",
    ]));
    assert_eq!(done.status.code(), Some(0), "{}", stderr(&done));
    assert!(stdout(&done).contains("succeeded"), "{}", stdout(&done));
    let text = std::fs::read_to_string(&effects).unwrap();
    assert!(text.contains("approved completed 2026-01-07"), "{text}");

    let show = run(garita(&store).args(["runs", "show", &run_id, "--json"]));
    let view: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(view["steps"][0]["outputs"]["note"], "ok");
    // Answering again is refused.
    let again = run(garita(&store).args(["tasks", "complete", &task_id, "--field", "date=x"]));
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("already"), "{}", stderr(&again));
}

const SIGNAL: &str = r#"
name: wait-for-cbp
inputs:
  file: {type: string, required: true}
steps:
  - id: reactivated
    wait:
      signal: reactivated
      timeout: 14d
      on_timeout: fail
  - id: record
    uses: core.append_file
    with:
      path: "${{ inputs.file }}"
      line: "reactivated on ${{ steps.reactivated.outputs.data.date }}"
"#;

#[test]
fn a_signal_wakes_the_run_and_a_finished_run_refuses_signals() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let effects = store.join("files").join("effects.txt");
    let wf = write(dir.path(), "signal.yaml", SIGNAL);
    let out = run(garita(&store)
        .arg("run")
        .arg(&wf)
        .arg("--input")
        .arg(format!("file={}", effects.display())));
    assert!(stdout(&out).contains("waiting"), "{}", stdout(&out));
    let run_id = first_word(&stdout(&out));

    let bad = run(garita(&store).args(["signal", &run_id, "reactivated", "--data", "{not json"]));
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));

    let sent = run(garita(&store).args([
        "signal",
        &run_id,
        "reactivated",
        "--data",
        r#"{"date":"2026-02-03"}"#,
    ]));
    assert_eq!(sent.status.code(), Some(0), "{}", stderr(&sent));
    assert!(stdout(&sent).contains("succeeded"), "{}", stdout(&sent));
    assert!(std::fs::read_to_string(&effects)
        .unwrap()
        .contains("reactivated on 2026-02-03"));

    let late = run(garita(&store).args(["signal", &run_id, "reactivated"]));
    assert_eq!(late.status.code(), Some(1));
    assert!(
        stderr(&late).contains("already succeeded"),
        "{}",
        stderr(&late)
    );
}

#[test]
fn a_wait_times_out_when_resumed_after_its_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let effects = store.join("files").join("effects.txt");
    let wf = write(dir.path(), "signal.yaml", SIGNAL);
    let out = run(garita(&store)
        .args(["--now", "2026-01-05T08:00:00-05:00", "run"])
        .arg(&wf)
        .arg("--input")
        .arg(format!("file={}", effects.display())));
    assert!(stdout(&out).contains("waiting"), "{}", stdout(&out));
    // Thirteen days later nothing is due; fifteen days later the wait fails.
    let early = run(garita(&store).args(["--now", "2026-01-18T08:00:00-05:00", "resume"]));
    assert!(stdout(&early).contains("waiting"), "{}", stdout(&early));
    let late = run(garita(&store).args(["--now", "2026-01-20T08:00:00-05:00", "resume"]));
    assert_eq!(late.status.code(), Some(1));
    assert!(stdout(&late).contains("failed"), "{}", stdout(&late));
    assert!(!effects.exists());
}

const REVIEW: &str = r#"
name: review
steps:
  - id: review
    task:
      title: "Review the request"
      assignee: oficial@example.com
  - id: after
    uses: core.set
    with:
      outcome: "${{ steps.review.outputs.outcome }}"
"#;

#[test]
fn a_rejected_task_records_who_rejected_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let wf = write(dir.path(), "review.yaml", REVIEW);
    let out = run(garita(&store).arg("run").arg(&wf));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let list = run(garita(&store).args(["tasks", "list", "--json"]));
    let tasks: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let task_id = tasks[0]["id"].as_str().unwrap().to_owned();

    // No --by, no USER/LOGNAME: the effective uid names the rejecter.
    let rejected = run(garita(&store)
        .env_remove("USER")
        .env_remove("LOGNAME")
        .args(["tasks", "reject", &task_id, "--note", "wrong company"]));
    assert_eq!(rejected.status.code(), Some(0), "{}", stderr(&rejected));
    let me = os_user();

    let show = run(garita(&store).args(["tasks", "show", &task_id, "--json"]));
    let task: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(task["status"], "rejected");
    assert_eq!(task["answer"]["by"], me.as_str());
    assert_eq!(task["answer"]["note"], "wrong company");
    let shown = stdout(&run(garita(&store).args(["tasks", "show", &task_id])));
    assert!(shown.contains(&format!("rejected by {me} at")), "{shown}");

    let export = run(garita(&store).args([
        "audit",
        "export",
        "--from",
        "2000-01-01",
        "--to",
        "2100-01-01",
        "--format",
        "json",
    ]));
    let export: serde_json::Value = serde_json::from_slice(&export.stdout).unwrap();
    let answered: Vec<&serde_json::Value> = export["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "task.answered")
        .collect();
    assert_eq!(answered.len(), 1, "{export}");
    assert_eq!(answered[0]["actor"], me.as_str());
    assert_eq!(answered[0]["summary"]["answer"]["outcome"], "rejected");
}

/// A reminder that waits business days skips the weekend and the public
/// holiday: from Friday 2 July 2027 in New York, one US business day is
/// Tuesday 6 July (Independence Day falls on Sunday and is observed on
/// Monday 5 July).
#[test]
fn a_wait_for_business_days_skips_weekends_and_public_holidays() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let wf = write(
        dir.path(),
        "remind.yaml",
        "name: remind\ntime_zone: America/New_York\nsteps:\n  - id: later\n    wait: {for: {days: 1, business_days: US}}\n  - id: done\n    uses: core.set\n    with: {x: 1}\n",
    );
    let out = run(garita(&store)
        .args(["--now", "2027-07-02T15:00:00Z", "run"])
        .arg(&wf));
    assert_success(&out, "garita run");
    let text = stdout(&out);
    assert!(
        text.contains("waiting (until 2027-07-06T15:00:00+00:00)"),
        "{text}"
    );
    let id = first_word(&text);
    // Monday, the observed holiday: still waiting.
    let monday = run(garita(&store).args(["--now", "2027-07-05T16:00:00Z", "resume"]));
    assert_success(&monday, "garita resume");
    assert!(
        stdout(&monday).contains(&format!("{id} waiting")),
        "{}",
        stdout(&monday)
    );
    let tuesday = run(garita(&store).args(["--now", "2027-07-06T15:00:01Z", "resume"]));
    assert_success(&tuesday, "garita resume");
    assert!(
        stdout(&tuesday).contains(&format!("{id} succeeded")),
        "{}",
        stdout(&tuesday)
    );
}
