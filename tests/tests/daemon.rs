//! `garita daemon`: catch-up after downtime per policy (`--once --now`),
//! SIGTERM in the middle of a run, and invalid workflow files beside valid
//! ones (refused and shown, loaded once fixed; `--once` still fires the rest).

mod support;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
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
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["refused"], serde_json::json!([]));
    let views = &report["schedules"];
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

/// `garita daemon --workflows DIR` from `cmd` (the store and any options
/// already on it), its JSON log written to `log`.
fn spawn_daemon(cmd: &mut Command, workflows: &Path, log: &Path) -> Child {
    cmd.args(["--log-format", "json", "daemon", "--workflows"])
        .arg(workflows)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap()
}

/// Waits until the daemon's log says it started.
fn wait_started(child: &mut Child, log: &Path) {
    wait_for("start-up", child, || {
        !log_lines(log, "daemon started").is_empty()
    });
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
    let effects = store.join("files").join("effects.txt");
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
    let mut child = spawn_daemon(&mut garita(&store), &workflows, &log);
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

/// `GET /v1/health` on the daemon's control socket, parsed.
fn health(store: &Path) -> Value {
    let mut stream = UnixStream::connect(store.join("control.sock")).expect("the socket answers");
    stream
        .write_all(b"GET /v1/health HTTP/1.1\r\nHost: garita\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").expect("an HTTP answer");
    assert!(head.starts_with("HTTP/1.1 200"), "{raw}");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// `garita --json schedules` (through the daemon when one runs): exit code and report.
fn schedules_json(store: &Path, workflows: &Path) -> (Option<i32>, Value) {
    let out = run(garita(store)
        .args(["--json", "schedules", "--workflows"])
        .arg(workflows));
    let report = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(&out), stderr(&out)));
    (out.status.code(), report)
}

fn refused_files(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list of refused files: {list}"))
        .iter()
        .map(|r| {
            let file = r["file"].as_str().unwrap();
            Path::new(file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

/// The log's JSON lines with this message.
fn log_lines(log: &Path, message: &str) -> Vec<Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["message"] == message)
        .collect()
}

const BROKEN_CRON: &str = "name: broken\nsteps: []\non: {schedule: {cron: \"61 * * * *\"}}\n";

#[test]
fn the_daemon_starts_beside_bad_files_says_which_and_loads_them_once_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let workflows = dir.path().join("workflows");
    std::fs::create_dir(&workflows).unwrap();
    write(&workflows, "daily.yaml", &daily("last"));
    write(&workflows, "broken.yaml", BROKEN_CRON);
    // Two valid files claiming one name: both are refused, not the daemon.
    let twin = daily("all").replace("daily-check", "twin");
    write(&workflows, "twin.yaml", &twin);
    write(&workflows, "twin-copy.yaml", &twin);
    let log = dir.path().join("daemon.log");
    let mut child = spawn_daemon(
        garita(&store).env("GARITA_DAEMON__RELOAD_POLL", "0s"),
        &workflows,
        &log,
    );
    wait_started(&mut child, &log);
    let started = &log_lines(&log, "daemon started")[0];
    assert_eq!(started["workflows"], 1, "{started}");
    assert_eq!(started["refused_files"], 3, "{started}");
    // Each problem is logged as `garita validate` prints it.
    let problems: Vec<String> = log_lines(&log, "invalid workflow file")
        .iter()
        .map(|l| l["problem"].as_str().unwrap().to_owned())
        .collect();
    // Two in broken.yaml (no steps, a bad cron), one in each twin.
    assert_eq!(problems.len(), 4, "{problems:?}");
    let broken = workflows.join("broken.yaml").display().to_string();
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with(&format!("{broken}:")) && p.contains("61 * * * *")),
        "{problems:?}"
    );
    let twin_file = workflows.join("twin.yaml").display().to_string();
    assert!(
        problems.contains(&format!(
            "{twin_file}:2:1: workflow name `twin` is used by both {twin_file} and {}; give each workflow its own name",
            workflows.join("twin-copy.yaml").display()
        )),
        "{problems:?}"
    );
    assert_eq!(
        log_lines(
            &log,
            "workflow file refused; it is not loaded until it is fixed"
        )
        .len(),
        3
    );

    let (code, report) = schedules_json(&store, &workflows);
    assert_eq!(
        code,
        Some(1),
        "refused files make `schedules` exit 1: {report}"
    );
    assert_eq!(
        report["schedules"][0]["workflow"], "daily-check",
        "{report}"
    );
    assert_eq!(report["schedules"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(
        refused_files(&report["refused"]),
        ["broken.yaml", "twin-copy.yaml", "twin.yaml"]
    );
    let out = run(garita(&store)
        .args(["schedules", "--workflows"])
        .arg(&workflows));
    assert!(
        stdout(&out).contains(&format!(
            "refused: {broken} (2 problem(s); not loaded until fixed)"
        )),
        "{}",
        stdout(&out)
    );

    let status = health(&store);
    assert_eq!(status["workflows"], 1, "{status}");
    assert_eq!(
        refused_files(&status["refused_files"]),
        ["broken.yaml", "twin-copy.yaml", "twin.yaml"]
    );
    assert!(
        status["refused_files"][0]["problems"][0]
            .as_str()
            .unwrap()
            .starts_with(&format!("{broken}:")),
        "{status}"
    );

    // Fixed files load on SIGHUP (polling is off here).
    write(
        &workflows,
        "broken.yaml",
        &daily("none").replace("daily-check", "fixed"),
    );
    std::fs::remove_file(workflows.join("twin-copy.yaml")).unwrap();
    kill("HUP", &child);
    wait_for("the reload", &mut child, || {
        !log_lines(&log, "workflows reloaded").is_empty()
    });
    let status = health(&store);
    assert_eq!(status["workflows"], 3, "{status}");
    assert_eq!(status["refused_files"], serde_json::json!([]), "{status}");
    let (code, report) = schedules_json(&store, &workflows);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["schedules"].as_array().unwrap().len(), 3, "{report}");

    // A loaded file broken by an edit keeps its previous version in force.
    write(
        &workflows,
        "daily.yaml",
        BROKEN_CRON.replace("broken", "daily-check").as_str(),
    );
    kill("HUP", &child);
    wait_for("the second reload", &mut child, || {
        log_lines(&log, "workflows reloaded").len() == 2
    });
    let status = health(&store);
    assert_eq!(status["workflows"], 3, "{status}");
    assert_eq!(refused_files(&status["refused_files"]), ["daily.yaml"]);
    assert_eq!(
        status["refused_files"][0]["previous_version_in_force"],
        true
    );
    assert_eq!(
        log_lines(
            &log,
            "workflow file refused; its previous version stays in force until the file is fixed"
        )
        .len(),
        1
    );

    kill("TERM", &child);
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
}

#[test]
fn daemon_once_with_a_bad_file_fires_the_good_ones_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let workflows = dir.path().join("workflows");
    std::fs::create_dir(&workflows).unwrap();
    write(&workflows, "daily.yaml", &daily("all"));
    write(&workflows, "broken.yaml", BROKEN_CRON);
    let pass = |now: &str, json: bool| {
        let mut cmd = garita(&store);
        cmd.args(["--now", now, "--log-format", "json"]);
        if json {
            cmd.arg("--json");
        }
        run(cmd
            .args(["daemon", "--once", "--workflows"])
            .arg(&workflows))
    };
    let out = pass("2026-01-01T12:00:00Z", false);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let broken = workflows.join("broken.yaml").display().to_string();
    assert!(
        stderr(&out).contains(&format!("1 workflow file(s) refused and not run: {broken}; the pass ran with the 1 valid workflow(s)")),
        "{}",
        stderr(&out)
    );
    let out = pass("2026-01-01T13:00:10Z", true);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(scheduled_for(&report), ["2026-01-01T13:00:00Z"]);
    assert_eq!(refused_files(&report["refused"]), ["broken.yaml"]);

    // With no valid workflow at all, the pass still wakes the runs that are due.
    std::fs::remove_file(workflows.join("daily.yaml")).unwrap();
    let waiting = write(
        dir.path(),
        "wait.yaml",
        "name: waits\nsteps:\n  - id: w\n    wait: {for: 1h}\n",
    );
    let out = run(garita(&store)
        .args(["--now", "2026-01-02T00:00:00Z", "run"])
        .arg(&waiting));
    assert!(stdout(&out).contains("waiting"), "{}", stdout(&out));
    let out = pass("2026-01-02T02:00:00Z", true);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    // Its timer is past: the pass resumes it to the end.
    let resumed = report["resumed"].as_array().unwrap();
    assert_eq!(resumed.len(), 1, "{report}");
    assert_eq!(resumed[0]["status"], "succeeded", "{report}");
    assert!(
        stderr(&out).contains("no workflow is loaded"),
        "{}",
        stderr(&out)
    );

    // Only a directory that cannot be read stops it.
    let out = run(garita(&store)
        .args(["daemon", "--once", "--workflows"])
        .arg(dir.path().join("missing")));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot read the workflows directory"),
        "{}",
        stderr(&out)
    );
}

/// The daemon's CPU time, user + system, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let (_, fields) = stat.rsplit_once(')').unwrap();
    let fields: Vec<&str> = fields.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

const THREE_SETS: &str = r#"name: three-sets
steps:
  - id: a
    uses: core.set
    with: {text: "hola"}
  - id: b
    uses: core.set
    with: {echo: "${{ steps.a.outputs.text }}"}
  - id: c
    uses: core.set
    with: {ok: true}
"#;

#[test]
fn after_a_burst_of_runs_the_quiet_daemon_gives_memory_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let workflows = dir.path().join("workflows");
    std::fs::create_dir(&workflows).unwrap();
    let wf = write(dir.path(), "three.yaml", THREE_SETS);
    let log = dir.path().join("daemon.log");
    let mut child = spawn_daemon(garita(&store).arg("-vv"), &workflows, &log);
    wait_started(&mut child, &log);
    const RELEASED: &str =
        "quiet after work: freed what sled held for later and gave the allocator's free pages back";
    // A daemon that has done nothing has nothing to give back.
    std::thread::sleep(Duration::from_millis(2500));
    assert!(log_lines(&log, RELEASED).is_empty());
    // Runs through the daemon (it holds the store) until it has worked for
    // a third of a second of CPU, more than a release waits for.
    let mut runs = 0;
    while cpu_ticks(child.id()) < 35 && runs < 400 {
        let out = run(garita(&store).arg("run").arg(&wf));
        assert!(out.status.success(), "{}", stderr(&out));
        runs += 1;
    }
    assert!(
        cpu_ticks(child.id()) >= 35,
        "{runs} runs took under 350 ms of the daemon's CPU"
    );
    wait_for("the release after the burst", &mut child, || {
        !log_lines(&log, RELEASED).is_empty()
    });
    let released = &log_lines(&log, RELEASED)[0];
    assert!(released["released"].is_boolean(), "{released}");
    // Once per burst: quiet seconds after it release nothing more.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(log_lines(&log, RELEASED).len(), 1);
    kill("TERM", &child);
    assert!(child.wait().unwrap().success());
}
