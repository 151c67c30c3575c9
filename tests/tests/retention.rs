//! Retention with the real binary: finished runs lose their step-level
//! events to `garita runs prune` (directly, and through a running daemon,
//! which also prunes on its own from `[retention] run_events_days`), keep
//! their summary and outputs (`runs show`), `audit verify` still passes,
//! a backup of the pruned store verifies and restores, a run still going
//! is left whole, and a pruned run refuses what would replay it.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::*;

const THREE_STEPS: &str = r#"
name: three
steps:
  - id: one
    uses: core.set
    with: {n: 1}
  - id: two
    uses: core.set
    with: {n: 2}
  - id: three
    uses: core.set
    with: {n: 3}
outputs:
  total: "${{ steps.one.outputs.n + steps.two.outputs.n + steps.three.outputs.n }}"
"#;

const WAITS: &str = r#"
name: waits
steps:
  - id: first
    uses: core.set
    with: {n: 1}
  - id: later
    wait:
      signal: go
      timeout: 30d
      on_timeout: fail
"#;

/// Runs and requires success; stdout.
fn ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{:?} failed ({}):\n{}\n{}",
        cmd,
        out.status,
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

fn json(cmd: &mut Command) -> Value {
    let text = ok(cmd);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Starts a run of `file` on the business day `now`; its id.
fn run_at(store: &Path, now: &str, file: &Path) -> String {
    let view = json(
        garita(store)
            .args(["--json", "--now", now, "run"])
            .arg(file),
    );
    view["id"].as_str().expect("a run id").to_owned()
}

fn show(store: &Path, run: &str) -> Value {
    json(garita(store).args(["--json", "runs", "show", run]))
}

fn verify(store: &Path) -> Value {
    let out = run(garita(store).args(["--json", "audit", "verify"]));
    let report: Value = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(&out), stderr(&out)));
    assert_eq!(
        out.status.code(),
        Some(0),
        "audit verify fails: {report:#}\n{}",
        stderr(&out)
    );
    report
}

fn refused(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "expected a refusal:\n{}\n{}",
        stdout(out),
        stderr(out)
    );
    stderr(out)
}

struct Setup {
    _dir: tempfile::TempDir,
    root: PathBuf,
    store: PathBuf,
    three: PathBuf,
    waits: PathBuf,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let three = write(&root, "three.yaml", THREE_STEPS);
        let waits = write(&root, "waits.yaml", WAITS);
        Self {
            store: root.join("store"),
            _dir: dir,
            root,
            three,
            waits,
        }
    }
}

#[test]
fn pruning_keeps_summaries_outputs_and_a_verifying_audit_log() {
    let s = Setup::new();
    let old = run_at(&s.store, "2026-01-10T09:00:00Z", &s.three);
    let old_too = run_at(&s.store, "2026-01-11T09:00:00Z", &s.three);
    let recent = run_at(&s.store, "2026-03-10T09:00:00Z", &s.three);
    let waiting = run_at(&s.store, "2026-01-10T10:00:00Z", &s.waits);
    let before = show(&s.store, &old);
    assert_eq!(before["status"], "succeeded");
    assert_eq!(before["events"], 8, "{before:#}");
    assert_eq!(show(&s.store, &waiting)["status"], "waiting");

    let bad = run(garita(&s.store).args(["runs", "prune", "--finished-before", "10/01/2026"]));
    assert!(refused(&bad).contains("--finished-before"));

    let pruned =
        json(garita(&s.store).args(["--json", "runs", "prune", "--finished-before", "2026-02-01"]));
    assert_eq!(pruned["runs_pruned"], 2, "{pruned:#}");
    assert_eq!(pruned["events_removed"], 12, "{pruned:#}");

    let after = show(&s.store, &old);
    assert_eq!(after["status"], "succeeded");
    assert_eq!(after["outputs"], before["outputs"], "outputs are kept");
    assert_eq!(after["inputs"], before["inputs"]);
    assert_eq!(after["created_at"], before["created_at"]);
    assert_eq!(after["updated_at"], before["updated_at"]);
    assert_eq!(after["events"], 2, "{after:#}");
    assert_eq!(after["events_pruned"], 6, "{after:#}");
    assert!(
        after["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|step| step["status"] == "pruned"),
        "{after:#}"
    );
    let text = ok(garita(&s.store).args(["runs", "show", &old]));
    assert!(
        text.contains("succeeded") && text.contains("removed by retention"),
        "{text}"
    );
    assert_eq!(show(&s.store, &old_too)["events_pruned"], 6);
    assert_eq!(
        show(&s.store, &recent)["events"],
        8,
        "a run finished after the cutoff is whole"
    );
    assert_eq!(
        show(&s.store, &waiting)["events_pruned"],
        0,
        "a waiting run is whole"
    );

    // The evidence stands: the chain and every record it still names.
    let report = verify(&s.store);
    assert!(report["intact"] == true, "{report:#}");
    let again =
        json(garita(&s.store).args(["--json", "runs", "prune", "--finished-before", "2026-02-01"]));
    assert_eq!(
        again["runs_pruned"], 0,
        "pruning twice removes nothing: {again:#}"
    );

    // What would replay a pruned run is refused, and changes nothing.
    let force = run(garita(&s.store).args(["resume", &old, "--force"]));
    assert!(
        refused(&force).contains("not quarantined"),
        "{}",
        stderr(&force)
    );
    let signal = run(garita(&s.store).args(["signal", &old, "go"]));
    assert!(
        refused(&signal).contains("already succeeded"),
        "{}",
        stderr(&signal)
    );
    let cancel = run(garita(&s.store).args(["cancel", &old]));
    assert!(
        refused(&cancel).contains("already succeeded"),
        "{}",
        stderr(&cancel)
    );
    assert_eq!(show(&s.store, &old)["events"], 2);

    // The run still going is unaffected and finishes.
    ok(garita(&s.store).args(["--now", "2026-01-12T09:00:00Z", "signal", &waiting, "go"]));
    assert_eq!(show(&s.store, &waiting)["status"], "succeeded");

    // A backup of the pruned store verifies and restores, and still verifies.
    let file = s.root.join("pruned.garita-backup");
    ok(garita(&s.store).arg("backup").arg(&file));
    let copy = s.root.join("restored");
    ok(garita(&copy).arg("restore").arg(&file));
    assert_eq!(show(&copy, &old)["events_pruned"], 6);
    verify(&copy);
}

/// A running `garita daemon`, killed if the test ends early.
struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    fn start(s: &Setup, env: &[(&str, &str)]) -> Self {
        let workflows = s.root.join("workflows");
        std::fs::create_dir_all(&workflows).unwrap();
        let log = s.root.join("daemon.log");
        let mut cmd = garita(&s.store);
        cmd.args(["--log-format", "json", "daemon", "--workflows"])
            .arg(&workflows)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut daemon = Self {
            child: cmd.spawn().unwrap(),
            log,
        };
        daemon.wait_for_log("control API listening");
        daemon
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn wait_for_log(&mut self, text: &str) {
        let started = Instant::now();
        while !self.log().contains(text) {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "garita daemon ended ({status}) before `{text}`:\n{}",
                    self.log()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "timed out waiting for `{text}`:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stop(mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "daemon exit {status}:\n{}", self.log());
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[test]
fn the_daemon_prunes_runs_past_their_retention_and_serves_runs_prune() {
    let s = Setup::new();
    // Finished on business days long past: older than any retention.
    let old = run_at(&s.store, "2026-01-10T09:00:00Z", &s.three);
    let older = run_at(&s.store, "2025-06-10T09:00:00Z", &s.three);

    // Without [retention] the daemon prunes nothing.
    let daemon = Daemon::start(&s, &[]);
    let pruned_now =
        json(garita(&s.store).args(["--json", "runs", "prune", "--finished-before", "2025-12-31"]));
    assert_eq!(
        pruned_now["runs_pruned"], 1,
        "through the daemon: {pruned_now:#}"
    );
    assert_eq!(show(&s.store, &older)["events_pruned"], 6);
    assert_eq!(
        show(&s.store, &old)["events"],
        8,
        "the default keeps everything"
    );
    daemon.stop();
    assert!(
        !std::fs::read_to_string(s.root.join("daemon.log"))
            .unwrap()
            .contains("retention: pruned"),
        "no [retention]: the daemon pruned nothing"
    );

    // With it, the daemon prunes on its own once it starts (a pass missed
    // while it was down is made up from the state).
    let mut daemon = Daemon::start(&s, &[("GARITA_RETENTION__RUN_EVENTS_DAYS", "30")]);
    daemon.wait_for_log("retention: pruned");
    assert_eq!(show(&s.store, &old)["events_pruned"], 6);
    daemon.stop();
    verify(&s.store);

    let zero = run(garita(&s.store)
        .env("GARITA_RETENTION__RUN_EVENTS_DAYS", "0")
        .args(["daemon", "--workflows"])
        .arg(s.root.join("workflows")));
    assert!(
        refused(&zero).contains("run_events_days"),
        "{}",
        stderr(&zero)
    );
}
