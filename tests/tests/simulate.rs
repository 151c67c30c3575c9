//! `garita simulate`: exact fire instants in two time zones across
//! daylight-saving changes, captured side effects and assumed task answers,
//! and a real store left byte for byte as it was.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{NaiveDate, TimeDelta};
use serde_json::Value;
use support::*;

fn daily(name: &str, zone: &str) -> String {
    format!(
        r#"
name: {name}
on:
  schedule:
    cron: "0 8 * * *"
    time_zone: {zone}
steps:
  - id: note
    uses: core.set
    with: {{ok: true}}
"#
    )
}

fn simulate(store: &Path, workflows: &Path, from: &str, to: &str, extra: &[&str]) -> Value {
    let out = run(garita(store)
        .args([
            "--json",
            "simulate",
            "--from",
            from,
            "--to",
            to,
            "--workflows",
        ])
        .arg(workflows)
        .args(extra));
    assert!(
        out.status.success(),
        "simulate failed: {}\n{}",
        stdout(&out),
        stderr(&out)
    );
    serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(&out)))
}

fn happenings<'a>(report: &'a Value, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    report["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["happenings"].as_array().unwrap().iter())
        .filter(move |h| h["kind"] == kind)
}

fn fires(report: &Value, workflow: &str) -> Vec<String> {
    happenings(report, "run_started")
        .filter(|h| h["workflow"] == workflow)
        .map(|h| h["trigger"]["scheduled_for"].as_str().unwrap().to_owned())
        .collect()
}

/// 08:00 local every day from `first` to `last`, as UTC instants; the
/// offset changes from `before` hours to `after` hours on `change`.
fn expected(first: &str, last: &str, change: Option<&str>, before: i64, after: i64) -> Vec<String> {
    let first = NaiveDate::parse_from_str(first, "%Y-%m-%d").unwrap();
    let last = NaiveDate::parse_from_str(last, "%Y-%m-%d").unwrap();
    let change = change.map(|c| NaiveDate::parse_from_str(c, "%Y-%m-%d").unwrap());
    let mut out = Vec::new();
    let mut day = first;
    while day <= last {
        let offset = if change.is_some_and(|c| day >= c) {
            after
        } else {
            before
        };
        let utc = day.and_hms_opt(8, 0, 0).unwrap() + TimeDelta::hours(offset);
        out.push(utc.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        day = day.succ_opt().unwrap();
    }
    out
}

fn two_zones(dir: &Path) -> PathBuf {
    let workflows = dir.join("workflows");
    std::fs::create_dir(&workflows).unwrap();
    write(
        &workflows,
        "gye.yaml",
        &daily("gye-daily", "America/Guayaquil"),
    );
    write(
        &workflows,
        "tij.yaml",
        &daily("tij-daily", "America/Tijuana"),
    );
    workflows
}

#[test]
fn a_month_in_guayaquil_and_tijuana_fires_at_the_right_utc_instants_across_spring_forward() {
    let dir = tempfile::tempdir().unwrap();
    let workflows = two_zones(dir.path());
    let report = simulate(
        &dir.path().join("store"),
        &workflows,
        "2026-02-20",
        "2026-03-19",
        &[],
    );
    // Ecuador: UTC-5 all year.
    assert_eq!(
        fires(&report, "gye-daily"),
        expected("2026-02-20", "2026-03-19", None, 5, 5)
    );
    // Tijuana: PST (UTC-8) until 2026-03-08 02:00, then PDT (UTC-7).
    let tij = fires(&report, "tij-daily");
    assert_eq!(
        tij,
        expected("2026-02-20", "2026-03-19", Some("2026-03-08"), 8, 7)
    );
    assert!(tij.contains(&"2026-03-07T16:00:00Z".to_owned()));
    assert!(tij.contains(&"2026-03-08T15:00:00Z".to_owned()));
    assert_eq!(report["days"].as_array().unwrap().len(), 28);
    assert_eq!(report["totals"]["runs_started"], 56);
    assert_eq!(report["totals"]["succeeded"], 56);
}

#[test]
fn tijuana_fires_follow_fall_back() {
    let dir = tempfile::tempdir().unwrap();
    let workflows = two_zones(dir.path());
    let report = simulate(
        &dir.path().join("store"),
        &workflows,
        "2026-10-20",
        "2026-11-10",
        &[],
    );
    assert_eq!(
        fires(&report, "tij-daily"),
        expected("2026-10-20", "2026-11-10", Some("2026-11-01"), 7, 8)
    );
    assert_eq!(
        fires(&report, "gye-daily"),
        expected("2026-10-20", "2026-11-10", None, 5, 5)
    );
}

const REMINDER: &str = r#"
name: weekly-reminder
on:
  schedule: {cron: "0 9 * * MON", time_zone: America/Guayaquil}
steps:
  - id: mail
    uses: email.send
    with:
      from: garita@example.com
      to: oficial@example.com
      subject: "Revisar cuentas CTPAT"
      body: "Entre al portal esta semana."
  - id: confirm
    task:
      title: "¿Se revisaron las cuentas?"
      assignee: oficial@example.com
      due: 2d
      fields:
        type: object
        required: [date]
        properties:
          date: {type: string}
      on_timeout: continue
  - id: log
    uses: core.append_file
    with: {path: /nonexistent/garita-must-not-write.txt, line: "done"}
"#;

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

#[test]
fn simulate_captures_side_effects_answers_tasks_and_never_changes_the_real_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let workflows = dir.path().join("workflows");
    std::fs::create_dir(&workflows).unwrap();
    write(&workflows, "reminder.yaml", REMINDER);
    // A real store with history: schedule state and a run left waiting.
    let out = run(garita(&store)
        .args([
            "--now",
            "2026-01-01T12:00:00Z",
            "daemon",
            "--once",
            "--workflows",
        ])
        .arg(&workflows));
    assert!(out.status.success(), "{}", stderr(&out));
    let waiting = write(
        dir.path(),
        "wait.yaml",
        "name: waits\nsteps:\n  - id: w\n    wait: {for: 3d}\n",
    );
    let out = run(garita(&store)
        .args(["--now", "2026-01-01T12:00:00Z", "run"])
        .arg(&waiting));
    assert!(out.status.success(), "{}", stderr(&out));
    let before = snapshot(&store);
    assert!(!before.is_empty());

    let report = simulate(
        &store,
        &workflows,
        "2026-01-01",
        "2026-01-14",
        &[
            "--time-zone",
            "America/Guayaquil",
            "--assume",
            r#"task:complete:fields={"date":"2026-01-05"}"#,
        ],
    );
    // Mondays 5 and 12 January.
    assert_eq!(
        fires(&report, "weekly-reminder"),
        ["2026-01-05T14:00:00Z", "2026-01-12T14:00:00Z"]
    );
    let emails: Vec<&Value> = happenings(&report, "email").collect();
    assert_eq!(emails.len(), 2);
    assert_eq!(emails[0]["to"], serde_json::json!(["oficial@example.com"]));
    assert_eq!(emails[0]["subject"], "Revisar cuentas CTPAT");
    let tasks: Vec<&Value> = happenings(&report, "task_created").collect();
    assert_eq!(tasks.len(), 2);
    assert_eq!(tasks[0]["title"], "¿Se revisaron las cuentas?");
    assert_eq!(tasks[0]["assignee"], "oficial@example.com");
    assert_eq!(happenings(&report, "task_answered").count(), 2);
    assert_eq!(happenings(&report, "side_effect").count(), 2);
    // The waiting run of the real store was resumed in the copy and woke on the 4th.
    assert_eq!(happenings(&report, "run_resumed").count(), 1);
    let finished: Vec<&Value> = happenings(&report, "run_finished").collect();
    assert_eq!(finished.len(), 3, "{finished:?}");
    assert!(
        finished.iter().all(|f| f["status"] == "succeeded"),
        "{finished:?}"
    );

    // Nothing of it reached the real store, the outbox or the file system.
    assert_eq!(snapshot(&store), before, "the real store changed");
    assert!(!store.join("outbox").exists());
    assert!(!Path::new("/nonexistent/garita-must-not-write.txt").exists());

    // Without answers the tasks stay open and time out after two days.
    let report = simulate(
        &store,
        &workflows,
        "2026-01-01",
        "2026-01-08",
        &["--time-zone", "America/Guayaquil"],
    );
    assert_eq!(happenings(&report, "task_answered").count(), 0);
    assert_eq!(snapshot(&store), before, "the real store changed");

    // Usage errors exit with 2.
    let out = run(garita(&store)
        .args([
            "simulate",
            "--from",
            "2026-02-01",
            "--to",
            "2026-01-01",
            "--workflows",
        ])
        .arg(&workflows));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// The records of a backup file: what is between its header line and its
/// checksum line (the header carries the instant it was taken).
fn backup_records(file: &Path) -> Vec<u8> {
    let bytes = std::fs::read(file).unwrap();
    let mut newlines = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i);
    let (_, header_end) = (newlines.next().unwrap(), newlines.next().unwrap());
    let trailer = "SHA-256 ".len() + 64 + 1;
    bytes[header_end + 1..bytes.len() - trailer].to_vec()
}

/// The report with run and task ids (random in each simulation) blanked.
fn without_ids(value: &Value) -> Value {
    match value {
        Value::String(s) if s.len() == 26 && s.chars().all(|c| c.is_ascii_alphanumeric()) => {
            Value::String("<id>".into())
        }
        Value::Array(items) => Value::Array(items.iter().map(without_ids).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), without_ids(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[test]
fn simulate_while_the_daemon_runs_matches_a_stopped_store_and_leaves_it_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let workflows = two_zones(dir.path());
    // History: schedule state, and a run waiting three days.
    let out = run(garita(&store)
        .args([
            "--now",
            "2026-01-01T12:00:00Z",
            "daemon",
            "--once",
            "--workflows",
        ])
        .arg(&workflows));
    assert!(out.status.success(), "{}", stderr(&out));
    let waiting = write(
        dir.path(),
        "wait.yaml",
        "name: waits\nsteps:\n  - id: w\n    wait: {for: 3d}\n",
    );
    let out = run(garita(&store)
        .args(["--now", "2026-01-01T12:00:00Z", "run"])
        .arg(&waiting));
    assert!(stdout(&out).contains("waiting"), "{}", stdout(&out));

    // A daemon on a pinned clock holds the store: nothing comes due for it.
    let log = dir.path().join("daemon.log");
    let mut daemon = garita(&store)
        .env("GARITA_DAEMON__RELOAD_POLL", "0s")
        .args(["--now", "2026-01-01T12:00:00Z", "daemon", "--workflows"])
        .arg(&workflows)
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("control API listening")
    {
        if let Ok(Some(status)) = daemon.try_wait() {
            panic!(
                "the daemon ended ({status}): {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        assert!(started.elapsed().as_secs() < 60, "the daemon did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let backup = |name: &str| {
        let file = dir.path().join(name);
        let out = run(garita(&store).arg("backup").arg(&file));
        assert!(out.status.success(), "{}", stderr(&out));
        backup_records(&file)
    };
    let before = backup("before.backup");
    let args = ["--time-zone", "America/Guayaquil"];
    let out = run(garita(&store)
        .args([
            "--json",
            "simulate",
            "--from",
            "2026-01-01",
            "--to",
            "2026-01-05",
            "--workflows",
        ])
        .arg(&workflows)
        .args(args));
    assert!(
        out.status.success(),
        "simulate beside the daemon failed: {}",
        stderr(&out)
    );
    let beside: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let after = backup("after.backup");
    let stray: Vec<_> = std::fs::read_dir(&store)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".simulate-"))
        .collect();
    assert!(stray.is_empty(), "temporary backups left behind: {stray:?}");
    Command::new("kill")
        .arg(daemon.id().to_string())
        .status()
        .unwrap();
    assert!(daemon.wait().unwrap().success());
    assert!(
        before == after,
        "the live store changed during the simulation"
    );
    // The simulation's copy was a backup the daemon took, between the two of the test.
    let backups = std::fs::read_to_string(&log)
        .unwrap()
        .matches("backup written")
        .count();
    assert_eq!(backups, 3);

    let stopped = simulate(&store, &workflows, "2026-01-01", "2026-01-05", &args);
    assert_eq!(without_ids(&beside), without_ids(&stopped));
    // And it is the real rehearsal: fires, and the waiting run resumed and woken.
    assert_eq!(
        fires(&beside, "gye-daily"),
        expected("2026-01-01", "2026-01-05", None, 5, 5)
    );
    assert_eq!(happenings(&beside, "run_resumed").count(), 1);
}

#[test]
fn simulate_prunes_in_virtual_time_as_the_daemon_would_and_can_keep_its_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let workflows = dir.path().join("workflows");
    std::fs::create_dir(&workflows).unwrap();
    write(
        &workflows,
        "daily.yaml",
        r#"
name: daily-three
on:
  schedule:
    cron: "0 8 * * *"
    time_zone: UTC
steps:
  - id: a
    uses: core.set
    with: {n: 1}
  - id: b
    uses: core.set
    with: {n: 2}
  - id: c
    uses: core.set
    with: {n: 3}
"#,
    );
    let kept = dir.path().join("kept");
    let sim = |extra: &[&str]| {
        let mut cmd = garita(&store);
        cmd.env("GARITA_RETENTION__RUN_EVENTS_DAYS", "10")
            .args(["--json", "simulate", "--from", "2026-01-01", "--to"])
            .args(extra)
            .arg("--workflows")
            .arg(&workflows);
        run(&mut cmd)
    };
    let out = sim(&["2026-01-31", "--keep-store", kept.to_str().unwrap()]);
    assert_success(&out, "simulate with retention");
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    // 31 daily runs; the passes every six virtual hours prune each run once
    // it finished more than ten days before: those of 1 to 20 January.
    assert_eq!(report["totals"]["succeeded"], 31);
    assert_eq!(report["totals"]["runs_pruned"], 20, "{}", report["totals"]);
    assert!(happenings(&report, "pruned").count() >= 20);
    // The kept store: the step events are gone, the audit chain still verifies.
    let out = run(garita(&kept).args(["audit", "verify"]));
    assert_success(&out, "audit verify on the kept store");
    let out = run(garita(&kept).args(["--json", "runs", "list"]));
    assert_success(&out, "runs list on the kept store");
    let runs: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(runs.as_array().map(Vec::len), Some(31), "{runs}");
    // The real store was never written; a kept path is never overwritten.
    assert!(!store.exists());
    let out = sim(&["2026-01-31", "--keep-store", kept.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("exists already"), "{}", stderr(&out));
    // Years need --summary, which prints the totals only.
    let out = sim(&["2029-12-31"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--summary"), "{}", stderr(&out));
}
