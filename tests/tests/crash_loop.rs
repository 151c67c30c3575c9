//! The crash loop: many concurrent runs (waits, recorded steps, a task,
//! emails over real SMTP, child runs) driven by the real `garita daemon` on
//! one store, killed with SIGKILL at random moments and restarted, over and
//! over; tasks are answered between kills. At the end, with everything
//! finished, it checks that no run was lost, that no step the store recorded
//! as finished ran again, that every queued email reached the SMTP server at
//! least once and at most twice under its Message-ID, that the store opens
//! cleanly and (when `garita audit verify` exists) that the audit chain
//! verifies. It prints `crash loop: survived N kills, M runs, K emails`.
//!
//! Modes (environment variables):
//! - default (CI): 20 kills, 28 runs (112 with their children), about a minute;
//! - `GARITA_CRASH_LOOP=long`: 300 kills, 280 runs (1,120 with children), 9 to 10 minutes;
//! - `GARITA_CRASH_KILLS=N`: exactly N kills (runs scale with N);
//! - `GARITA_CRASH_SEED=S`: replays the random choices (kill moments, which
//!   tasks are answered when) of the run that printed seed S. Timing still
//!   differs from one machine to the next, so a replay is close, not exact.
//!
//! Needs python3 with aiosmtpd for the SMTP sink, like tests/tests/email.rs:
//! without it the test says why and passes, unless CI is set.
//! See docs/testing.md.

mod support;

#[path = "support/crash_daemon.rs"]
mod crash_daemon;
#[path = "support/crash_store.rs"]
mod crash_store;
#[path = "support/crash_workload.rs"]
mod crash_workload;
#[path = "support/email_copies.rs"]
mod email_copies;
#[path = "support/seeded_rng.rs"]
mod seeded_rng;
#[path = "support/step_fold.rs"]
mod step_fold;
// Shared with email.rs, which uses all of it; this test does not.
#[allow(dead_code)]
#[path = "email/sink.rs"]
mod sink;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crash_daemon::{log_tail, Daemon};
use crash_store::Snapshot;
use crash_workload::*;
use email_copies::check_email_copies;
use seeded_rng::SeededRng;
use serde_json::Value;
use sink::Sink;
use support::*;

/// How hard to push.
#[derive(Debug)]
struct Plan {
    kills: usize,
    /// Runs started before the first daemon start.
    initial_runs: usize,
    /// One more run is started after each of the first this-many kills.
    adding_until: usize,
    /// At most this many tasks are answered after each kill.
    answers_per_pause: u64,
}

impl Plan {
    fn from_env() -> Plan {
        let kills = match std::env::var("GARITA_CRASH_KILLS") {
            Ok(text) => text.trim().parse().unwrap_or_else(|_| {
                panic!("GARITA_CRASH_KILLS must be a whole number, not `{text}`")
            }),
            Err(_) if std::env::var("GARITA_CRASH_LOOP").is_ok_and(|m| m == "long") => 300,
            Err(_) => 20,
        };
        Plan {
            kills,
            initial_runs: (kills / 4).clamp(12, 40),
            // New work keeps arriving for most of the loop, so late kills
            // still land on runs in flight.
            adding_until: kills * 4 / 5,
            answers_per_pause: 2,
        }
    }
}

/// The harness's files and what it has seen so far.
struct Harness {
    _dir: tempfile::TempDir,
    store: PathBuf,
    config: PathBuf,
    workflows: PathBuf,
    workflow_file: PathBuf,
    recorder: PathBuf,
    log: PathBuf,
    /// Top-level runs started, in order.
    runs: Vec<String>,
    /// The store read after the latest kill or stop.
    last: Snapshot,
    /// For each recorder step the store had recorded as succeeded: how many
    /// executions the recorder showed the first time it was seen so.
    finished_with: BTreeMap<StepKey, usize>,
    /// For each step: after how many kills it was in flight.
    in_flight_at_kills: BTreeMap<StepKey, usize>,
    /// Problems found in run histories, with when they were seen.
    history_problems: Vec<String>,
    kills: usize,
    answered: usize,
    /// Answers sent through the daemon's control API that it acknowledged.
    answered_through_daemon: usize,
    /// Answers through the daemon cut off by a kill.
    cut_off_by_kill: usize,
    /// Wall time spent in `garita` commands other than the daemon.
    in_commands: Duration,
    /// Wall time spent reading the store between kills.
    observing: Duration,
    /// Quarantined runs forced with `garita resume RUN --force`.
    forced: usize,
    /// The poison workflow: one step whose plugin (pinned in process) ends
    /// the process that calls it.
    poison_file: PathBuf,
    /// The poison run, once started.
    poison: Option<String>,
}

impl Harness {
    fn new(sink: &Sink) -> Harness {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = dir.path().join("store");
        let workflows = dir.path().join("workflows");
        std::fs::create_dir(&workflows).expect("workflows dir");
        let recorder = dir.path().join("recorder");
        std::fs::create_dir(&recorder).expect("recorder dir");
        let (plugins, poison_sha) = poison_plugin(dir.path());
        let config = write(
            dir.path(),
            "garita.toml",
            &format!(
                "[daemon]\nmax_concurrent_runs = 16\nreload_poll = \"0s\"\nshutdown_grace = \"2s\"\n\n[files]\nallowed_dirs = [\"{}\"]\n\n[plugins]\ndirs = [\"{}\"]\nallow_sha256 = [\"{poison_sha}\"]\nin_process = [\"{poison_sha}\"]\n\n{}",
                recorder.display(),
                plugins.display(),
                sink.config_toml()
            ),
        );
        let poison_file = write(
            dir.path(),
            "poison.yaml",
            "name: poison\nsteps:\n  - id: boom\n    uses: poison.exit\n    with: {}\n",
        );
        let workflow_file = write(dir.path(), "crash-loop.yaml", &workflow_yaml());
        let log = dir.path().join("daemon.log");
        Harness {
            store,
            config,
            workflows,
            workflow_file,
            recorder,
            log,
            _dir: dir,
            runs: Vec::new(),
            last: Snapshot::default(),
            finished_with: BTreeMap::new(),
            in_flight_at_kills: BTreeMap::new(),
            history_problems: Vec::new(),
            kills: 0,
            answered: 0,
            answered_through_daemon: 0,
            cut_off_by_kill: 0,
            in_commands: Duration::ZERO,
            observing: Duration::ZERO,
            forced: 0,
            poison_file,
            poison: None,
        }
    }

    /// `garita --config CONFIG ARGS...` on the store, which must succeed.
    fn garita_ok(&mut self, args: &[&str]) -> Output {
        let started = Instant::now();
        let mut cmd = garita(&self.store);
        cmd.arg("--config").arg(&self.config).args(args);
        let out = ok(&mut cmd, &self.log);
        let took = started.elapsed();
        if std::env::var_os("GARITA_CRASH_VERBOSE").is_some() {
            println!("crash loop: {took:.2?} garita {}", args.join(" "));
        }
        self.in_commands += took;
        out
    }

    /// Starts `n` runs with the daemon stopped; each only parks on its first wait.
    fn start_runs(&mut self, n: usize) {
        let file = self.workflow_file.display().to_string();
        let dir = format!("dir={}", self.recorder.display());
        for _ in 0..n {
            let out = self.garita_ok(&[
                "run",
                "--no-wait",
                &file,
                "--input",
                &dir,
                "--input",
                "to=Oficial <oficial@cliente.test>",
            ]);
            let text = stdout(&out);
            assert!(text.contains("waiting"), "a new run waits first: {text}");
            let id = text
                .split_whitespace()
                .next()
                .expect("garita run prints the run id");
            self.runs.push(id.to_owned());
        }
    }

    /// Answers up to `most` of the open tasks, chosen at random.
    fn answer_some(&mut self, rng: &mut SeededRng, most: u64) {
        let mut open = self.last.open_tasks.clone();
        rng.shuffle(&mut open);
        let take = rng.in_range(0..most + 1) as usize;
        for task in open.into_iter().take(take) {
            self.garita_ok(&["tasks", "complete", &task, "--by", "oficial@garita.test"]);
            self.answered += 1;
            self.last.open_tasks.retain(|t| t != &task);
        }
    }

    /// Starts `garita tasks complete` on one open task while the daemon runs
    /// (the command goes through its control API), without waiting for it:
    /// the kill may land before, during or after it.
    fn answer_through_daemon(&mut self, rng: &mut SeededRng) -> Option<(String, Child)> {
        if self.last.open_tasks.is_empty() {
            return None;
        }
        let pick = rng.in_range(0..self.last.open_tasks.len() as u64) as usize;
        let task = self.last.open_tasks.remove(pick);
        let child = garita(&self.store)
            .arg("--config")
            .arg(&self.config)
            .args(["tasks", "complete", &task, "--by", "oficial@garita.test"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start garita tasks complete");
        Some((task, child))
    }

    /// Answers every open task.
    fn answer_all(&mut self) {
        for task in std::mem::take(&mut self.last.open_tasks) {
            self.garita_ok(&["tasks", "complete", &task, "--by", "oficial@garita.test"]);
            self.answered += 1;
        }
    }

    /// Reads the store and the recorder with no garita process running and
    /// checks that nothing the store had recorded as finished ran again.
    fn observe(&mut self, when: &str, after_kill: bool) {
        let started = Instant::now();
        let snapshot =
            Snapshot::read(&self.store, &self.last).unwrap_or_else(|e| panic!("{when}: {e}"));
        let executions = executions(&self.recorder);
        for (run, steps) in &snapshot.runs {
            for problem in &steps.problems {
                let line = format!("run {run}: {problem}");
                if !self.history_problems.iter().any(|p| p.ends_with(&line)) {
                    self.history_problems.push(format!("{when}: {line}"));
                }
            }
        }
        for (key, count) in &executions {
            assert!(
                snapshot
                    .runs
                    .get(&key.0)
                    .is_some_and(|r| r.succeeded.contains(&key.1) || r.in_flight.contains(&key.1)),
                "{when}: step `{}` of run {} ran {count} time(s) but the store has no durable start of it",
                key.1,
                key.0
            );
        }
        for key in snapshot.succeeded() {
            if !is_recorder(&key.1) {
                continue;
            }
            let now = executions.get(&key).copied().unwrap_or(0);
            let first = *self.finished_with.entry(key.clone()).or_insert(now);
            assert!(
                now >= 1,
                "{when}: step `{}` of run {} is recorded as succeeded but never ran",
                key.1,
                key.0
            );
            assert_eq!(
                now, first,
                "{when}: step `{}` of run {} ran again after the store recorded it as succeeded",
                key.1, key.0
            );
        }
        if after_kill {
            for key in snapshot.in_flight() {
                *self.in_flight_at_kills.entry(key).or_default() += 1;
            }
        }
        self.last = snapshot;
        self.observing += started.elapsed();
    }

    /// Runs set aside because the process stopped twice in a row during
    /// one of their steps. Random kills can do that to any run (it is what
    /// quarantine is for): only with the evidence that kills found that
    /// step in flight at least twice, and then the operator's remedy,
    /// `garita resume RUN --force`, must let the run finish with every
    /// invariant intact.
    fn force_quarantined(&mut self) {
        let quarantined: Vec<(String, Vec<String>)> = self
            .last
            .runs
            .iter()
            .filter(|(_, r)| r.status == Some(garita_engine::RunStatus::Quarantined))
            .filter(|(id, _)| Some(*id) != self.poison.as_ref())
            .map(|(id, r)| (id.clone(), r.in_flight.iter().cloned().collect()))
            .collect();
        for (run, steps) in quarantined {
            let stops = steps
                .iter()
                .map(|step| {
                    self.in_flight_at_kills
                        .get(&(run.clone(), step.clone()))
                        .copied()
                        .unwrap_or(0)
                })
                .max()
                .unwrap_or(0);
            assert!(
                stops >= 2,
                "run {run} was quarantined (steps in flight: {steps:?}) but kills found it in flight only {stops} time(s)"
            );
            println!(
                "crash loop: run {run} quarantined after {stops} kills in {steps:?}; forcing it"
            );
            self.garita_ok(&["resume", &run, "--force", "--by", "oficial@garita.test"]);
            self.forced += 1;
        }
    }

    fn all_runs_finished(&self) -> bool {
        self.runs.iter().all(|run| {
            self.last
                .runs
                .get(run)
                .and_then(|r| r.status)
                .is_some_and(|s| s.is_terminal())
        })
    }

    fn unfinished(&self) -> Vec<String> {
        self.last
            .runs
            .iter()
            .filter(|(_, r)| !r.status.is_some_and(|s| s.is_terminal()))
            .map(|(id, r)| {
                format!(
                    "{id} {:?}, in flight {:?}, last event {}",
                    r.status,
                    r.in_flight,
                    r.last_event.as_deref().unwrap_or("none")
                )
            })
            .collect()
    }

    /// Starts the poison run (the command itself dies in its step), then
    /// restarts the daemon until it has quarantined the run: the daemon dies
    /// resuming it a few times, then never again.
    fn quarantine_poison(&mut self) {
        let out = run(garita(&self.store)
            .arg("--config")
            .arg(&self.config)
            .arg("run")
            .arg("--no-wait")
            .arg(&self.poison_file));
        assert_eq!(
            out.status.code(),
            Some(9),
            "the poison step ends the command"
        );
        let listed = self.garita_ok(&["runs", "list", "--json"]);
        let runs: Vec<Value> = serde_json::from_slice(&listed.stdout).expect("runs list --json");
        let id = runs
            .iter()
            .find(|r| r["workflow"] == "poison")
            .and_then(|r| r["id"].as_str())
            .expect("the poison run is stored")
            .to_owned();
        let mut deaths = 0;
        loop {
            let from = log_len(&self.log);
            let daemon = self.daemon();
            if wait_for_log(&self.log, from, "run quarantined", Duration::from_secs(10)) {
                let status = daemon.stop(Duration::from_secs(15));
                assert!(status.success(), "{status}");
                break;
            }
            let status = daemon.wait_end(Duration::from_secs(10));
            assert_eq!(status.code(), Some(9), "{}", log_tail(&self.log, 20));
            deaths += 1;
            assert!(
                deaths <= 3,
                "the poison run was not quarantined after {deaths} deaths"
            );
        }
        println!("crash loop: the poison run {id} stopped the daemon {deaths} time(s), then was quarantined");
        self.poison = Some(id);
    }

    fn daemon(&self) -> Daemon {
        Daemon::start(&self.store, &self.config, &self.workflows, &self.log)
    }
}

fn is_recorder(step: &str) -> bool {
    RUN_RECORDERS.contains(&step) || CHILD_RECORDERS.contains(&step)
}

/// Runs `cmd` and insists it succeeded, showing the daemon log's tail if not.
fn ok(cmd: &mut Command, log: &Path) -> Output {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}\ndaemon log tail:\n{}",
        out.status,
        stdout(&out),
        stderr(&out),
        log_tail(log, 30)
    );
    out
}

/// The log's length now, so a later look reads only what a new daemon wrote.
fn log_len(log: &Path) -> u64 {
    std::fs::metadata(log).map_or(0, |m| m.len())
}

/// Waits (at most `limit`) until the log, after byte `from`, contains `text`.
fn wait_for_log(log: &Path, from: u64, text: &str, limit: Duration) -> bool {
    let started = Instant::now();
    loop {
        let written = std::fs::read(log).unwrap_or_default();
        let fresh = written.get(from as usize..).unwrap_or_default();
        if String::from_utf8_lossy(fresh).contains(text) {
            return true;
        }
        if started.elapsed() >= limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits until the recorder directory has not changed for `quiet`.
fn until_quiet(daemon: &mut Daemon, recorder: &Path, quiet: Duration, limit: Duration) {
    let started = Instant::now();
    let mut seen = usize::MAX;
    let mut since = Instant::now();
    loop {
        daemon.assert_alive("while the runs finished");
        let now = std::fs::read_dir(recorder).map_or(0, |d| d.count());
        if now != seen {
            seen = now;
            since = Instant::now();
        } else if since.elapsed() >= quiet || started.elapsed() >= limit {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn sigkill_at_random_moments_loses_no_run_repeats_no_finished_step_and_sends_each_email() {
    let Some(sink) = Sink::start() else { return };
    let plan = Plan::from_env();
    let seed = SeededRng::seed_from_env("GARITA_CRASH_SEED");
    println!("crash loop: seed {seed} (replay with GARITA_CRASH_SEED={seed}), {plan:?}");
    let mut rng = SeededRng::new(seed);
    let mut h = Harness::new(&sink);
    garita_bin(); // built before the clock starts
    let began = Instant::now();

    h.quarantine_poison();
    h.start_runs(plan.initial_runs);
    for k in 0..plan.kills {
        let log_before = log_len(&h.log);
        let up = Instant::now();
        let mut daemon = h.daemon();
        // Mostly somewhere in the work; one time in five during start-up
        // and recovery.
        let uptime = if rng.chance(20) {
            rng.millis(5..250)
        } else {
            rng.millis(250..2000)
        };
        // Half the time, answer a task through the daemon once it listens;
        // the kill may cut the command off.
        let mut answering = None;
        if rng.chance(50) {
            let listening = wait_for_log(&h.log, log_before, "control API listening", uptime);
            if listening {
                answering = h.answer_through_daemon(&mut rng);
            }
        }
        std::thread::sleep(uptime.saturating_sub(up.elapsed()));
        daemon.assert_alive(&format!("before kill {}", k + 1));
        daemon.kill();
        h.kills += 1;
        let acknowledged = answering.map(|(task, child)| {
            let out = child.wait_with_output().expect("wait for tasks complete");
            (task, out)
        });
        h.observe(&format!("after kill {} (seed {seed})", k + 1), true);
        if let Some((task, out)) = acknowledged {
            if out.status.success() {
                h.answered += 1;
                h.answered_through_daemon += 1;
                assert!(
                    !h.last.open_tasks.contains(&task),
                    "after kill {}: the daemon acknowledged the answer to task {task}, but the store has it open:\n{}",
                    k + 1,
                    stdout(&out)
                );
            } else {
                // Cut off by the kill: the answer may or may not have landed;
                // the snapshot says which, and an open task is answered later.
                h.cut_off_by_kill += 1;
            }
        }
        h.answer_some(&mut rng, plan.answers_per_pause);
        if k < plan.adding_until {
            h.start_runs(1);
        }
        if (k + 1) % 50 == 0 {
            println!(
                "crash loop: {} kills, {} runs, {} tasks answered, {:.0} s",
                k + 1,
                h.runs.len(),
                h.answered,
                began.elapsed().as_secs_f64()
            );
        }
    }
    let loop_took = began.elapsed();

    // Let everything finish: answer what is open, run the daemon until the
    // recorder goes quiet, stop it cleanly, look, again.
    let deadline = Instant::now() + Duration::from_secs(60 + 2 * h.runs.len() as u64);
    let mut finishing_rounds = 0;
    loop {
        finishing_rounds += 1;
        h.force_quarantined();
        h.answer_all();
        let mut daemon = h.daemon();
        until_quiet(
            &mut daemon,
            &h.recorder,
            Duration::from_millis(2500),
            Duration::from_secs(60),
        );
        let status = daemon.stop(Duration::from_secs(15));
        assert!(status.success(), "the daemon's exit on SIGTERM: {status}");
        h.observe("after a clean stop", false);
        if h.all_runs_finished() && h.last.open_tasks.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "runs did not finish (seed {seed}): {:#?}\ndaemon log tail:\n{}",
            h.unfinished(),
            log_tail(&h.log, 40)
        );
    }

    check_poison(&mut h);
    check_runs(&mut h);
    check_recorder(&h);
    let emails = check_emails(&mut h, &sink);
    check_tasks(&mut h);
    check_store_and_audit(&mut h);
    assert!(
        h.history_problems.is_empty(),
        "run histories with repeated steps (seed {seed}):\n{}",
        h.history_problems.join("\n")
    );
    println!(
        "crash loop: kill loop {:.1} s, finishing {:.1} s ({finishing_rounds} daemon starts), of which {:.1} s in garita commands and {:.1} s reading the store; {} tasks answered",
        loop_took.as_secs_f64(),
        (began.elapsed() - loop_took).as_secs_f64(),
        h.in_commands.as_secs_f64(),
        h.observing.as_secs_f64(),
        h.answered
    );
    println!(
        "crash loop: {} answers sent while the daemon ran were acknowledged, {} were cut off by a kill",
        h.answered_through_daemon, h.cut_off_by_kill
    );
    println!(
        "crash loop: survived {} kills, {} runs, {} emails; {} run(s) quarantined by two kills in one step and forced",
        h.kills,
        h.runs.len(),
        emails,
        h.forced
    );
}

/// Every started run and each of its children is in `runs list`, succeeded.
/// The poison run stayed set aside through every kill and restart: no
/// daemon resumed it (the daemon never died by itself again) and it still
/// says why.
fn check_poison(h: &mut Harness) {
    let id = h.poison.clone().expect("the poison run was started");
    let out = h.garita_ok(&["runs", "show", &id]);
    let text = stdout(&out);
    assert!(text.contains("status    quarantined"), "{text}");
    assert!(text.contains("step `boom`"), "{text}");
}

fn check_runs(h: &mut Harness) {
    let out = h.garita_ok(&["runs", "list", "--limit", "1000000", "--json"]);
    let listed: Vec<Value> = serde_json::from_slice(&out.stdout).expect("runs list --json");
    let status: BTreeMap<&str, &str> = listed
        .iter()
        .filter_map(|r| Some((r["id"].as_str()?, r["status"].as_str()?)))
        .collect();
    let mut expected = BTreeSet::new();
    for run in &h.runs {
        expected.insert(run.clone());
        expected.extend(child_ids(run));
    }
    for id in &expected {
        assert_eq!(
            status.get(id.as_str()).copied(),
            Some("succeeded"),
            "run {id} is missing or did not succeed"
        );
    }
    let extra: Vec<&&str> = status
        .keys()
        .filter(|id| !expected.contains(**id) && Some(**id) != h.poison.as_deref())
        .collect();
    assert!(extra.is_empty(), "runs nobody started: {extra:?}");
}

/// Every recorder step ran; one that ran more than once was in flight at a
/// kill once per extra execution; one recorded as finished never ran again.
fn check_recorder(h: &Harness) {
    let executions = executions(&h.recorder);
    let mut expected = Vec::new();
    for run in &h.runs {
        expected.extend(RUN_RECORDERS.iter().map(|s| (run.clone(), s.to_string())));
        for child in child_ids(run) {
            expected.extend(
                CHILD_RECORDERS
                    .iter()
                    .map(|s| (child.clone(), s.to_string())),
            );
        }
    }
    for key in &expected {
        let count = executions.get(key).copied().unwrap_or(0);
        assert!(count >= 1, "step `{}` of run {} never ran", key.1, key.0);
        let kills_in_flight = h.in_flight_at_kills.get(key).copied().unwrap_or(0);
        assert!(
            count <= 1 + kills_in_flight,
            "step `{}` of run {} ran {count} times but was in flight at only {kills_in_flight} kill(s)",
            key.1,
            key.0
        );
        assert_eq!(
            h.finished_with.get(key),
            Some(&count),
            "step `{}` of run {}: executions when first seen finished vs. at the end",
            key.1,
            key.0
        );
    }
    let unexpected: Vec<&StepKey> = executions
        .keys()
        .filter(|k| !expected.contains(k))
        .collect();
    assert!(
        unexpected.is_empty(),
        "unexpected executions: {unexpected:?}"
    );
    let repeated = executions.values().filter(|&&n| n > 1).count();
    println!(
        "crash loop: {} recorded steps, {repeated} re-run after a kill caught them in flight",
        expected.len()
    );
}

/// Each outbox message is sent and reached the server once, or once more
/// per kill that caught its step mid-send, under the same Message-ID;
/// nothing else arrived.
fn check_emails(h: &mut Harness, sink: &Sink) -> usize {
    let out = h.garita_ok(&["outbox", "list", "--json"]);
    let entries: Vec<Value> = serde_json::from_slice(&out.stdout).expect("outbox list --json");
    let seen = check_email_copies(
        &entries,
        h.runs.len() * EMAILS_PER_RUN,
        sink,
        &h.in_flight_at_kills,
    );
    println!(
        "crash loop: {} emails, {} received more than once after a kill mid-send, at most {} copies of one",
        seen.messages, seen.received_again, seen.most
    );
    seen.messages
}

/// One task per run, each completed.
fn check_tasks(h: &mut Harness) {
    let out = h.garita_ok(&["tasks", "list", "--all", "--json"]);
    let tasks: Vec<Value> = serde_json::from_slice(&out.stdout).expect("tasks list --json");
    assert_eq!(tasks.len(), h.runs.len(), "one task per run");
    let not_completed: Vec<&Value> = tasks
        .iter()
        .filter(|t| t["status"] != "completed")
        .collect();
    assert!(
        not_completed.is_empty(),
        "tasks not completed: {not_completed:#?}"
    );
}

/// The store opens for the CLI after everything, and the audit chain (when
/// this garita has one) verifies.
fn check_store_and_audit(h: &mut Harness) {
    h.garita_ok(&["runs", "list"]);
    let help = run(garita(&h.store).arg("--help"));
    if stdout(&help)
        .lines()
        .any(|l| l.trim_start().starts_with("audit"))
    {
        let out = h.garita_ok(&["audit", "verify"]);
        println!("crash loop: audit verify: {}", stdout(&out).trim());
    } else {
        println!("crash loop: this garita has no `audit verify` command yet; audit not checked");
    }
}

/// Compiles tests/fixtures/hostile.c as connector `poison` into a private
/// plugin directory; returns the directory and the library's SHA-256 (as
/// `garita plugins check` prints it), to pin it in process.
fn poison_plugin(dir: &Path) -> (PathBuf, String) {
    use std::os::unix::fs::PermissionsExt;
    let plugins = dir.join("plugins");
    std::fs::create_dir(&plugins).expect("plugins dir");
    std::fs::set_permissions(&plugins, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let lib = plugins.join("libpoison.so");
    let status = Command::new("cc")
        .args([
            "-shared",
            "-fPIC",
            "-Wall",
            "-Werror",
            "-DNAME=\"poison\"",
            "-o",
        ])
        .arg(&lib)
        .arg(root().join("tests/fixtures/hostile.c"))
        .status()
        .expect("cc runs");
    assert!(status.success(), "compiling hostile.c failed");
    std::fs::set_permissions(&lib, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let check = run(garita(&dir.join("check-store"))
        .args(["plugins", "check", "--json"])
        .arg(&lib));
    assert!(check.status.success(), "{}", stderr(&check));
    let report: Value = serde_json::from_slice(&check.stdout).expect("plugins check --json");
    let sha = report["sha256"].as_str().expect("sha256").to_owned();
    (plugins, sha)
}
