//! Days off and working days decreed by an operator in `[calendar]`, end to
//! end with the real binary: a configured day off moves a task's due date
//! and a "first working morning" schedule, a configured working Saturday
//! counts, `garita calendar holidays` shows them, a wrong day is refused
//! with its place in the file, and a signal wait's timeout counts business
//! days with them.
//!
//! The decree here is made up for the test (Friday 3 December 2027 off,
//! Saturday 4 worked): Garita ships no decree, and none is invented.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::*;

const DECREE: &str = "\
[[calendar.EC.days_off]]
date = 2027-12-03
name = \"Descanso decretado (prueba)\"

[[calendar.EC.working_days]]
date = 2027-12-04
name = \"Recuperación del 3 de diciembre (prueba)\"
";

/// A task due in one Ecuadorian business day, and a schedule on the 3rd of
/// December at 09:00 in Guayaquil kept to Ecuador's business days.
const REVIEW: &str = "\
name: decree-review
time_zone: America/Guayaquil
on:
  - manual
  - schedule: {cron: \"0 9 3 12 *\", time_zone: America/Guayaquil, business_days: EC}
steps:
  - id: review
    task:
      title: Revisar
      assignee: oficial@example.com
      due: {days: 1, business_days: EC}
";

fn config(dir: &Path, text: &str) -> PathBuf {
    write(dir, "garita.toml", text)
}

fn with_config(store: &Path, config: &Path, now: &str) -> std::process::Command {
    let mut cmd = garita(store);
    cmd.arg("--config").arg(config).args(["--now", now]);
    cmd
}

fn json(cmd: &mut std::process::Command) -> Value {
    let out = run(cmd.arg("--json"));
    assert_success(&out, "garita");
    serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(&out)))
}

/// The due date of the task a run of REVIEW opens on Thursday 2 December
/// 2027 at 09:00 in Guayaquil, with `config`.
fn due_of_review(dir: &Path, config: &Path) -> String {
    let store = dir.join("store");
    let workflow = write(dir, "review.yaml", REVIEW);
    let out = run(with_config(&store, config, "2027-12-02T14:00:00Z")
        .arg("run")
        .arg(&workflow));
    assert_success(&out, "garita run");
    let tasks = json(with_config(&store, config, "2027-12-02T14:00:00Z").args(["tasks", "list"]));
    let tasks = tasks
        .as_array()
        .cloned()
        .or_else(|| tasks["tasks"].as_array().cloned())
        .unwrap_or_else(|| panic!("a list of tasks: {tasks}"));
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    tasks[0]["due"].as_str().unwrap().to_owned()
}

/// The next fire of REVIEW's schedule seen on 30 November 2027.
fn next_fire_of_review(dir: &Path, config: &Path) -> String {
    let workflows = dir.join("workflows");
    std::fs::create_dir_all(&workflows).unwrap();
    write(&workflows, "review.yaml", REVIEW);
    let list = json(
        with_config(&dir.join("store"), config, "2027-11-30T12:00:00Z")
            .arg("schedules")
            .arg("--workflows")
            .arg(&workflows),
    );
    let schedules = list["schedules"].as_array().unwrap();
    assert_eq!(schedules.len(), 1, "{list}");
    schedules[0]["next_fire"].as_str().unwrap().to_owned()
}

#[test]
fn a_decreed_day_off_moves_a_due_date_and_a_first_working_morning() {
    // By law: Friday 3 December is a business day in Ecuador.
    let law = tempfile::tempdir().unwrap();
    let empty = config(law.path(), "");
    assert_eq!(due_of_review(law.path(), &empty), "2027-12-03T14:00:00Z");
    assert_eq!(
        next_fire_of_review(law.path(), &empty),
        "2027-12-03T14:00:00Z"
    );

    // With the decree: the 3rd is off and Saturday the 4th is worked, so
    // the task is due on the Saturday and the schedule fires on it.
    let decreed = tempfile::tempdir().unwrap();
    let decree = config(decreed.path(), DECREE);
    assert_eq!(
        due_of_review(decreed.path(), &decree),
        "2027-12-04T14:00:00Z"
    );
    assert_eq!(
        next_fire_of_review(decreed.path(), &decree),
        "2027-12-04T14:00:00Z"
    );

    // Without the recovery Saturday: Monday the 6th.
    let off_only = tempfile::tempdir().unwrap();
    let only = config(
        off_only.path(),
        DECREE.split("[[calendar.EC.working_days]]").next().unwrap(),
    );
    assert_eq!(
        due_of_review(off_only.path(), &only),
        "2027-12-06T14:00:00Z"
    );
    assert_eq!(
        next_fire_of_review(off_only.path(), &only),
        "2027-12-06T14:00:00Z"
    );
}

#[test]
fn calendar_holidays_lists_the_law_and_the_configured_days() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let decree = config(dir.path(), DECREE);
    let out = run(garita(&store).arg("--config").arg(&decree).args([
        "calendar",
        "holidays",
        "--country",
        "EC",
        "--year",
        "2027",
    ]));
    assert_success(&out, "garita calendar holidays");
    let text = stdout(&out);
    for line in [
        "Days off in EC in 2027, besides Saturdays and Sundays:",
        "  2027-08-09 Mon  Primer Grito de Independencia (moved from 2027-08-10 Tue)",
        "  2027-12-03 Fri  Descanso decretado (prueba) [configured]",
        "  2027-12-24 Fri  Navidad (moved from 2027-12-25 Sat)",
        "Working days configured in 2027:",
        "  2027-12-04 Sat  Recuperación del 3 de diciembre (prueba)",
    ] {
        assert!(text.contains(line), "{line:?} in\n{text}");
    }
    // No store was needed.
    assert!(!store.exists());

    let days = json(garita(&store).arg("--config").arg(&decree).args([
        "calendar",
        "holidays",
        "--country",
        "EC",
        "--year",
        "2027",
    ]));
    let configured: Vec<&Value> = days["days_off"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["configured"] == true)
        .collect();
    assert_eq!(configured.len(), 1, "{days}");
    assert_eq!(configured[0]["date"], "2027-12-03");
    assert_eq!(days["working_days"][0]["date"], "2027-12-04");

    let unknown = run(garita(&store).args(["calendar", "holidays", "--country", "FR"]));
    assert_eq!(unknown.status.code(), Some(2), "{}", stderr(&unknown));
    assert!(stderr(&unknown).contains("`FR` is not a country"));
}

#[test]
fn a_wrong_configured_day_is_refused_with_its_place_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let wrong = config(
        dir.path(),
        "[store]\ncache_mb = 8\n\n[[calendar.EC.days_off]]\ndate = 2027-12-04\nname = \"Sábado\"\n",
    );
    let workflow = write(dir.path(), "review.yaml", REVIEW);
    let out = run(with_config(&store, &wrong, "2027-12-02T14:00:00Z")
        .arg("run")
        .arg(&workflow));
    assert!(!out.status.success());
    let err = stderr(&out);
    let place = format!("{}:5:8: calendar.EC.days_off[0].date:", wrong.display());
    assert!(err.contains(&place), "{place:?} in\n{err}");
    assert!(
        err.contains("2027-12-04 is a Saturday, never a business day"),
        "{err}"
    );
    assert!(
        err.contains("hint: check the date against the decree"),
        "{err}"
    );
    // Nothing ran.
    assert!(!store.join("runs").exists() || stdout(&out).is_empty());
}

/// A signal wait with `timeout: {days: 1, business_days: EC}` started on
/// Thursday 2 December 2027 gives up on Monday the 6th with the decree (the
/// 3rd off, no recovery day), on Friday the 3rd without it.
#[test]
fn a_signal_timeout_in_business_days_counts_the_configured_days() {
    let workflow = "\
name: answer-wait
time_zone: America/Guayaquil
steps:
  - id: answer
    wait: {signal: replied, timeout: {days: 1, business_days: EC}, on_timeout: continue}
  - id: after
    uses: core.set
    with: {timed_out: \"${{ steps.answer.outputs.timed_out }}\"}
";
    for (text, until) in [
        ("", "2027-12-03T14:00:00+00:00"),
        (
            DECREE.split("[[calendar.EC.working_days]]").next().unwrap(),
            "2027-12-06T14:00:00+00:00",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        let config = config(dir.path(), text);
        let file = write(dir.path(), "wait.yaml", workflow);
        let out = run(with_config(&store, &config, "2027-12-02T14:00:00Z")
            .arg("run")
            .arg(&file));
        assert_success(&out, "garita run");
        let started = stdout(&out);
        assert!(
            started.contains(&format!("waiting (until {until})")),
            "{until} in {started}"
        );
        let id = started.split_whitespace().next().unwrap().to_owned();
        // A second before: still waiting; at the time: timed out, and the
        // run goes on.
        let before =
            chrono::DateTime::parse_from_rfc3339(until).unwrap() - chrono::TimeDelta::seconds(1);
        let early = run(with_config(&store, &config, &before.to_rfc3339()).arg("resume"));
        assert_success(&early, "garita resume");
        assert!(
            stdout(&early).contains(&format!("{id} waiting")),
            "{}",
            stdout(&early)
        );
        let late = run(with_config(&store, &config, until).arg("resume"));
        assert_success(&late, "garita resume");
        assert!(
            stdout(&late).contains(&format!("{id} succeeded")),
            "{}",
            stdout(&late)
        );
        let shown = json(with_config(&store, &config, until).args(["runs", "show", &id]));
        let after = shown["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == "after")
            .unwrap_or_else(|| panic!("{shown}"));
        assert_eq!(after["outputs"]["timed_out"], true, "{shown}");
    }
}
