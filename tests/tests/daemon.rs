//! `garita daemon`: catch-up after downtime per policy (`--once --now`),
//! SIGTERM in the middle of a run, and SIGHUP with an invalid workflow file.

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::*;

/// A daily 08:00 Guayaquil workflow (13:00 UTC) with the given policy.
fn daily(policy: &str) -> String {
    format!(
        r#"
name: daily-check
inputs:
  scheduled_for: {{type: string}}
on:
  schedule:
    cron: "0 8 * * *"
    time_zone: America/Guayaquil
    catch_up: {policy}
steps:
  - id: note
    uses: core.set
    with: {{for: "${{{{ inputs.scheduled_for }}}}"}}
"#
    )
}

/// `garita --now NOW daemon --once --workflows DIR --json`, parsed.
fn once(store: &Path, workflows: &Path, now: &str) -> (Value, String) {
    let out = run(garita(store)
        .args(["--now", now, "--json", "--log-format", "json"])
        .arg("daemon")
        .arg("--once")
        .arg("--workflows")
        .arg(workflows));
    assert!(
        out.status.success(),
        "daemon --once failed: {}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let report: Value = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(&out)));
    (report, stderr(&out))
}

fn scheduled_for(report: &Value) -> Vec<String> {
    report["driven"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            assert_eq!(row["status"], "succeeded", "{row}");
            row["scheduled_for"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn three_days_down_then_catch_up_follows_each_policy() {
    let cases = [
        (
            "all",
            vec![
                "2026-01-02T13:00:00Z",
                "2026-01-03T13:00:00Z",
                "2026-01-04T13:00:00Z",
            ],
        ),
        ("last", vec!["2026-01-04T13:00:00Z"]),
        ("none", vec![]),
    ];
    for (policy, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        let workflows = dir.path().join("workflows");
        std::fs::create_dir(&workflows).unwrap();
        write(&workflows, "daily.yaml", &daily(policy));
        // First start at 12:00 Guayaquil: the trigger is new, nothing is due.
        let (first, _) = once(&store, &workflows, "2026-01-01T17:00:00Z");
        assert_eq!(first["driven"], Value::Array(vec![]), "{policy}");
        // Three days later, same hour: the 08:00 fires of the 2nd, 3rd and 4th were missed.
        let (second, log) = once(&store, &workflows, "2026-01-04T17:00:00Z");
        assert_eq!(scheduled_for(&second), expected, "policy {policy}");
        assert!(
            log.contains("catching up on missed fires"),
            "policy {policy}: {log}"
        );
        let log_line = log
            .lines()
            .find(|l| l.contains("catching up"))
            .map(|l| serde_json::from_str::<Value>(l).expect("JSON log line"))
            .unwrap();
        assert_eq!(log_line["missed"], "3", "{log_line}");
        // Nothing more is due at the same instant.
        let (third, _) = once(&store, &workflows, "2026-01-04T17:00:00Z");
        assert_eq!(third["driven"], Value::Array(vec![]), "{policy}");
        // The next day's fire is on time whatever the policy.
        let (fourth, _) = once(&store, &workflows, "2026-01-05T13:00:30Z");
        assert_eq!(scheduled_for(&fourth), ["2026-01-05T13:00:00Z"], "{policy}");
    }
}

#[test]
fn schedules_lists_last_and_next_fire_and_pause_skips_fires() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let workflows = dir.path().join("workflows");
    std::fs::create_dir(&workflows).unwrap();
    write(&workflows, "daily.yaml", &daily("all"));
    once(&store, &workflows, "2026-01-01T12:00:00Z");
    once(&store, &workflows, "2026-01-01T13:00:10Z");
    let out = run(garita(&store)
        .args([
            "--now",
            "2026-01-01T14:00:00Z",
            "--json",
            "schedules",
            "--workflows",
        ])
        .arg(&workflows));
    assert!(out.status.success(), "{}", stderr(&out));
    let views: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(views[0]["workflow"], "daily-check");
    assert_eq!(views[0]["time_zone"], "America/Guayaquil");
    assert_eq!(views[0]["catch_up"], "all");
    assert_eq!(views[0]["last_fire"], "2026-01-01T13:00:00Z");
    assert_eq!(views[0]["next_fire"], "2026-01-02T13:00:00Z");
    assert_eq!(views[0]["paused"], false);

    let pause = |verb: &str| {
        let out = run(garita(&store)
            .args([
                "--now",
                "2026-01-01T14:00:00Z",
                "schedules",
                verb,
                "daily-check",
                "--workflows",
            ])
            .arg(&workflows));
        assert!(out.status.success(), "{verb}: {}", stderr(&out));
    };
    pause("pause");
    let (paused, _) = once(&store, &workflows, "2026-01-03T14:00:00Z");
    assert_eq!(paused["driven"], Value::Array(vec![]));
    pause("unpause");
    let (after, _) = once(&store, &workflows, "2026-01-04T13:00:05Z");
    assert_eq!(scheduled_for(&after), ["2026-01-04T13:00:00Z"]);

    let out = run(garita(&store)
        .args(["schedules", "pause", "nope", "--workflows"])
        .arg(&workflows));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no loaded workflow is named `nope`"),
        "{}",
        stderr(&out)
    );
}

/// Five appends separated by 3-second naps, after a one-minute wait.
const NAPPING: &str = r#"
name: napping
inputs:
  file: {type: string, required: true}
steps:
  - id: later
    wait: {for: 1m}
  - id: one
    uses: core.append_file
    with: {path: "${{ inputs.file }}", line: "one"}
  - id: nap1
    uses: core.sleep
    with: {ms: 3000}
  - id: two
    uses: core.append_file
    with: {path: "${{ inputs.file }}", line: "two"}
  - id: nap2
    uses: core.sleep
    with: {ms: 3000}
  - id: three
    uses: core.append_file
    with: {path: "${{ inputs.file }}", line: "three"}
  - id: nap3
    uses: core.sleep
    with: {ms: 3000}
  - id: four
    uses: core.append_file
    with: {path: "${{ inputs.file }}", line: "four"}
  - id: nap4
    uses: core.sleep
    with: {ms: 3000}
  - id: five
    uses: core.append_file
    with: {path: "${{ inputs.file }}", line: "five"}
"#;

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .map(|t| {
            t.lines()
                .map(|l| l.split('\t').next().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn wait_for(what: &str, child: &mut Child, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("garita daemon ended ({status}) before {what}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn kill(signal: &str, child: &Child) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[test]
fn sigterm_mid_run_exits_in_time_and_the_run_completes_after_restart_without_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let workflows = dir.path().join("workflows");
    std::fs::create_dir(&workflows).unwrap();
    let effects = dir.path().join("effects.txt");
    let wf = write(dir.path(), "napping.yaml", NAPPING);
    // Started long ago on a pinned clock, the run waits on a timer that is
    // overdue for the daemon's real clock: the daemon resumes it at start.
    let out = run(garita(&store)
        .args(["--now", "2020-01-01T00:00:00Z", "run"])
        .arg(&wf)
        .arg("--input")
        .arg(format!("file={}", effects.display())));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("waiting"), "{}", stdout(&out));
    let log = dir.path().join("daemon.log");
    let mut child = garita(&store)
        .args(["--log-format", "json", "daemon", "--workflows"])
        .arg(&workflows)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    wait_for("the first line", &mut child, || !lines(&effects).is_empty());
    kill("TERM", &child);
    let signalled = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if signalled.elapsed() > Duration::from_secs(12) {
            let _ = child.kill();
            panic!("garita daemon did not exit within 10 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let took = signalled.elapsed();
    assert!(took < Duration::from_secs(10), "exit took {took:?}");
    assert!(status.success(), "exit status {status}");
    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(
        log_text.contains("\"stopping: taking no new work"),
        "{log_text}"
    );
    assert!(log_text.contains("daemon stopped"), "{log_text}");
    let before_restart = lines(&effects);
    assert!(
        before_restart.len() < 5,
        "the run should not have finished: {before_restart:?}"
    );

    let out = run(garita(&store).arg("resume"));
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("succeeded"), "{}", stdout(&out));
    assert_eq!(lines(&effects), ["one", "two", "three", "four", "five"]);
}

#[test]
fn sighup_with_an_invalid_file_keeps_the_old_workflows() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let workflows = dir.path().join("workflows");
    std::fs::create_dir(&workflows).unwrap();
    write(&workflows, "daily.yaml", &daily("last"));
    let log = dir.path().join("daemon.log");
    let mut child = garita(&store)
        .args(["--log-format", "json", "daemon", "--workflows"])
        .arg(&workflows)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let log_has = |text: &str| {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains(text)
    };
    wait_for("start-up", &mut child, || log_has("daemon started"));
    write(
        &workflows,
        "broken.yaml",
        "name: broken\nsteps: []\non: {schedule: {cron: \"61 * * * *\"}}\n",
    );
    kill("HUP", &child);
    wait_for("the reload", &mut child, || log_has("reload refused"));
    std::fs::remove_file(workflows.join("broken.yaml")).unwrap();
    write(
        &workflows,
        "second.yaml",
        &daily("all").replace("daily-check", "second-check"),
    );
    kill("HUP", &child);
    wait_for("the second reload", &mut child, || {
        log_has("workflows reloaded")
    });
    kill("TERM", &child);
    let status = child.wait().unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&log).unwrap();
    let reloaded: Value = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["message"] == "workflows reloaded")
        .unwrap();
    assert_eq!(reloaded["workflows"], 2, "{reloaded}");
    assert!(text.contains("invalid workflow file"), "{text}");
}
