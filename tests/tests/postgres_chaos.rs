//! Chaos on a shared PostgreSQL store: three `garita daemon` processes on
//! one database drive 300 runs (waits, recorded steps, a task, two emails
//! over real SMTP each) and a schedule that fires every minute, while a
//! random daemon is SIGKILLed and restarted every few seconds and tasks are
//! answered by `garita tasks complete` straight on the database. At the end,
//! with every run finished:
//!
//! - no run is lost: each one started succeeded;
//! - no step the store recorded as finished ran again, and a step ran more
//!   than once only when a kill caught it in flight (the killed daemon held
//!   the run's lease and the run's last event for it was its start);
//! - each email reached the SMTP server at least once, a second time only
//!   for a step in flight at a kill, always under its one Message-ID;
//! - every schedule fire of the period started exactly one run;
//! - `garita audit verify` says the chain is intact.
//!
//! Leases last 3 s here (`[store] lease_ttl`), so a dead daemon's runs are
//! taken over quickly; daemons hear each other's writes by LISTEN/NOTIFY.
//!
//! Modes: `GARITA_CHAOS_RUNS=N` (default 300), `GARITA_CHAOS_SEED=S` replays
//! the random choices of the run that printed seed S (timing still differs).
//! Needs PostgreSQL (see tests/tests/postgres.rs) and python3 with aiosmtpd
//! for the SMTP sink; under CI neither may be missing.

mod support;

#[path = "support/crash_daemon.rs"]
mod crash_daemon;
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
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use crash_daemon::{log_tail, Daemon};
use email_copies::check_email_copies;
use garita_engine::{RunEvent, RunFilter, RunStatus, Store, TaskFilter, TaskStatus};
use garita_store_postgres::test_cluster::TestDb;
use garita_store_postgres::PostgresStore;
use seeded_rng::SeededRng;
use serde_json::Value;
use sink::Sink;
use step_fold::{steps_of, StepKey};
use support::{garita, run, stderr, stdout, write};

const DAEMONS: usize = 3;
const RECORDERS: [&str; 3] = ["a", "b", "c"];
const EMAILS_PER_RUN: usize = 2;

/// One run: a short wait (so `garita run --no-wait` only creates it), a
/// recorded step, an email, a task, another wait, a recorded step, a nap,
/// an email, a recorded step. A recorded step writes a fresh file per
/// execution, so the files of a (run, step) count its real executions.
fn workflow_yaml() -> String {
    let recorder = |id: &str| {
        format!(
            "  - id: {id}\n    uses: core.append_file\n    with: {{path: \"${{{{ inputs.dir }}}}/${{{{ run.id }}}}~{id}~${{{{ now }}}}\", line: \"{id}\"}}\n"
        )
    };
    let mail = |id: &str, subject: &str| {
        format!(
            "  - id: {id}\n    uses: email.send\n    retry: {{attempts: 5, backoff: 200ms}}\n    with:\n      from: \"Garita <robot@garita.test>\"\n      to: \"${{{{ inputs.to }}}}\"\n      subject: \"{subject} ${{{{ run.id }}}}\"\n      body: \"Mensaje de prueba.\"\n"
        )
    };
    let mut y = String::from(
        "name: chaos-pg\ninputs:\n  dir: {type: string, required: true}\n  to: {type: string, required: true}\nsteps:\n  - id: start\n    wait: {for: 1s}\n",
    );
    y += &recorder("a");
    y += &mail("notice", "Aprobación pendiente");
    y += "  - id: approve\n    task:\n      title: \"Aprobar ${{ run.id }}\"\n      assignee: oficial@garita.test\n  - id: settle\n    wait: {for: 1s}\n";
    y += &recorder("b");
    y += "  - id: nap\n    uses: core.sleep\n    with: {ms: 300}\n";
    y += &mail("receipt", "Listo");
    y += &recorder("c");
    y
}

/// A workflow every daemon loads: it fires every minute and records the
/// fire's instant in a file name.
fn minute_yaml(recorder: &Path) -> String {
    format!(
        "name: chaos-minute\ninputs:\n  scheduled_for: {{type: string}}\non:\n  schedule:\n    cron: \"* * * * *\"\n    time_zone: UTC\n    catch_up: all\nsteps:\n  - id: tick\n    uses: core.append_file\n    with: {{path: \"{}/fire~${{{{ inputs.scheduled_for }}}}~${{{{ run.id }}}}~${{{{ now }}}}\", line: \"x\"}}\n",
        recorder.display()
    )
}

struct Harness {
    _dir: tempfile::TempDir,
    url: String,
    store: PostgresStore,
    configs: Vec<PathBuf>,
    logs: Vec<PathBuf>,
    workflows: PathBuf,
    workflow_file: PathBuf,
    recorder: PathBuf,
    runs: Vec<String>,
    /// For each (run, step): how many kills found it in flight in a run the
    /// killed daemon held.
    in_flight_at_kills: BTreeMap<StepKey, usize>,
    kills: usize,
    /// Runs the killed daemons held, over all kills.
    held_at_kills: usize,
    answered: usize,
}

impl Harness {
    async fn new(db: &TestDb, sink: &Sink) -> Harness {
        let dir = tempfile::tempdir().expect("temp dir");
        let recorder = dir.path().join("recorder");
        std::fs::create_dir(&recorder).expect("recorder dir");
        let workflows = dir.path().join("workflows");
        std::fs::create_dir(&workflows).expect("workflows dir");
        write(&workflows, "minute.yaml", &minute_yaml(&recorder));
        let workflow_file = write(dir.path(), "chaos-pg.yaml", &workflow_yaml());
        // Each daemon has a local folder of its own (its control socket),
        // as on separate machines; the recorder is shared.
        let configs = (0..DAEMONS)
            .map(|i| {
                let local = dir.path().join(format!("daemon-{i}"));
                std::fs::create_dir(&local).expect("local dir");
                write(
                    &local,
                    "garita.toml",
                    &format!(
                        "[store]\npath = {:?}\nlease_ttl = \"3s\"\n\n[daemon]\nmax_concurrent_runs = 16\nreload_poll = \"0s\"\nshutdown_grace = \"2s\"\n\n[files]\nallowed_dirs = [{:?}]\n\n{}",
                        local.join("local").display().to_string(),
                        recorder.display().to_string(),
                        sink.config_toml()
                    ),
                )
            })
            .collect();
        let logs = (0..DAEMONS)
            .map(|i| dir.path().join(format!("daemon-{i}.log")))
            .collect();
        let store = PostgresStore::connect(&db.url)
            .await
            .expect("connect to the test database");
        Harness {
            _dir: dir,
            url: db.url.clone(),
            store,
            configs,
            logs,
            workflows,
            workflow_file,
            recorder,
            runs: Vec::new(),
            in_flight_at_kills: BTreeMap::new(),
            kills: 0,
            held_at_kills: 0,
            answered: 0,
        }
    }

    /// `garita --config (daemon 0's) ARGS` on the database.
    fn garita(&self, args: &[&str]) -> Command {
        let mut cmd = garita(Path::new(&self.url));
        cmd.arg("--config").arg(&self.configs[0]).args(args);
        cmd
    }

    fn ok(&self, args: &[&str]) -> Output {
        let out = run(&mut self.garita(args));
        assert!(
            out.status.success(),
            "garita {} failed ({}):\n{}{}",
            args.join(" "),
            out.status,
            stdout(&out),
            stderr(&out)
        );
        out
    }

    fn daemon(&self, i: usize) -> Daemon {
        Daemon::start(
            Path::new(&self.url),
            &self.configs[i],
            &self.workflows,
            &self.logs[i],
        )
    }

    /// The people's side, on a thread of its own so the kills keep their
    /// pace: start runs (`garita run --no-wait`, four at a time) until
    /// `total`, and answer open tasks (`garita tasks complete`, straight on
    /// the database: the command waits for a run's lease if a daemon holds
    /// it), until told to stop.
    fn people(&self, total: usize, seed: u64) -> People {
        let runs = Arc::new(Mutex::new(Vec::new()));
        let answered = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let command = {
            let (url, config) = (self.url.clone(), self.configs[0].clone());
            move |args: &[&str]| {
                let mut cmd = garita(Path::new(&url));
                cmd.arg("--config").arg(&config).args(args);
                cmd
            }
        };
        let file = self.workflow_file.display().to_string();
        let dir = format!("dir={}", self.recorder.display());
        let thread = {
            let (runs, answered, stop) = (runs.clone(), answered.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut rng = SeededRng::new(seed ^ 0x009E_0F1E);
                while !stop.load(Ordering::Relaxed) {
                    let started = runs.lock().map_or(total, |r| r.len());
                    let children: Vec<_> = (0..(total - started).min(4))
                        .map(|_| {
                            command(&[
                                "run",
                                "--no-wait",
                                &file,
                                "--input",
                                &dir,
                                "--input",
                                "to=Oficial <oficial@cliente.test>",
                            ])
                            .stdout(Stdio::piped())
                            .stderr(Stdio::piped())
                            .spawn()
                            .expect("start garita run")
                        })
                        .collect();
                    for child in children {
                        let out = child.wait_with_output().expect("garita run");
                        let text = stdout(&out);
                        // It parks on its first wait, unless a daemon that
                        // heard of it already holds it ("running").
                        assert!(
                            out.status.success()
                                && (text.contains("waiting") || text.contains("running")),
                            "a new run is created: {text}{}",
                            stderr(&out)
                        );
                        let id = text.split_whitespace().next().expect("the run id");
                        runs.lock().expect("runs").push(id.to_owned());
                    }
                    let listed = run(&mut command(&["--json", "tasks", "list"]));
                    assert!(listed.status.success(), "tasks list: {}", stderr(&listed));
                    let tasks: Vec<Value> =
                        serde_json::from_slice(&listed.stdout).expect("tasks list --json");
                    let mut open: Vec<String> = tasks
                        .iter()
                        .filter_map(|t| t["id"].as_str().map(str::to_owned))
                        .collect();
                    rng.shuffle(&mut open);
                    for task in open.into_iter().take(4) {
                        let out = run(&mut command(&[
                            "tasks",
                            "complete",
                            &task,
                            "--by",
                            "oficial@garita.test",
                        ]));
                        assert!(
                            out.status.success(),
                            "tasks complete {task}: {}{}",
                            stdout(&out),
                            stderr(&out)
                        );
                        answered.fetch_add(1, Ordering::Relaxed);
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        };
        People {
            runs,
            answered,
            stop,
            thread,
        }
    }

    async fn open_tasks(&self) -> Vec<String> {
        self.store
            .list_tasks(&TaskFilter {
                statuses: vec![TaskStatus::Open],
                ..TaskFilter::default()
            })
            .await
            .expect("list open tasks")
            .into_iter()
            .map(|t| t.id)
            .collect()
    }

    /// After daemon `pid` was killed: the steps in flight in the runs whose
    /// lease it held. Nobody else may drive those runs until the leases
    /// expire (3 s), so what is read now is what the kill cut.
    async fn note_kill(&mut self, pid: u32) {
        let pool = sqlx::PgPool::connect(&self.url)
            .await
            .expect("connect to read leases");
        let held: Vec<String> =
            sqlx::query_scalar("SELECT run_id FROM run_leases WHERE owner LIKE $1")
                .bind(format!("%:{pid}:%"))
                .fetch_all(&pool)
                .await
                .expect("read the leases");
        pool.close().await;
        self.held_at_kills += held.len();
        for run in held {
            let events = self.store.events(&run).await.expect("read events");
            for step in steps_of(events.iter().map(|e| &e.event)).in_flight {
                *self
                    .in_flight_at_kills
                    .entry((run.clone(), step))
                    .or_default() += 1;
            }
        }
    }

    /// Runs set aside because daemons died twice in a row during one of
    /// their steps: random kills can do that (it is what quarantine is
    /// for). Only with the evidence that kills caught a step of the run in
    /// flight at least twice; then the operator's remedy, `garita resume
    /// RUN --force`, must let it finish with every invariant intact.
    async fn force_quarantined(&mut self) {
        let runs = self
            .store
            .list_runs(&RunFilter::default())
            .await
            .expect("list runs");
        for run in runs.iter().filter(|r| r.status == RunStatus::Quarantined) {
            let caught = self
                .in_flight_at_kills
                .iter()
                .filter(|((id, _), _)| *id == run.id)
                .map(|(_, n)| *n)
                .max()
                .unwrap_or(0);
            assert!(
                caught >= 2,
                "run {} was quarantined but kills caught its steps in flight only {caught} time(s)",
                run.id
            );
            println!(
                "postgres chaos: run {} quarantined after {caught} kills caught it in flight; forcing it",
                run.id
            );
            self.ok(&["resume", &run.id, "--force", "--by", "oficial@garita.test"]);
        }
    }

    async fn unfinished(&self) -> Vec<String> {
        self.store
            .list_runs(&RunFilter::default())
            .await
            .expect("list runs")
            .into_iter()
            .filter(|r| !r.status.is_terminal())
            .map(|r| format!("{} {:?}", r.id, r.status))
            .collect()
    }
}

/// The thread starting runs and answering tasks, and what it did.
struct People {
    runs: Arc<Mutex<Vec<String>>>,
    answered: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl People {
    fn started(&self) -> usize {
        self.runs.lock().map_or(0, |r| r.len())
    }

    /// Stops the thread; the runs it started and the tasks it answered.
    fn finish(self) -> (Vec<String>, usize) {
        self.stop.store(true, Ordering::Relaxed);
        if let Err(panic) = self.thread.join() {
            std::panic::resume_unwind(panic);
        }
        let runs = self.runs.lock().expect("runs").clone();
        (runs, self.answered.load(Ordering::Relaxed))
    }
}

/// Files of the recorder: (run, step) of a run's step and the `now` of
/// each execution; the minute workflow's fires apart.
struct Recorded {
    executions: BTreeMap<StepKey, Vec<DateTime<Utc>>>,
    /// scheduled_for -> the run ids that recorded it.
    fires: BTreeMap<String, BTreeSet<String>>,
}

fn recorded(dir: &Path) -> Recorded {
    let mut executions = BTreeMap::<StepKey, Vec<DateTime<Utc>>>::new();
    let mut fires = BTreeMap::<String, BTreeSet<String>>::new();
    for entry in std::fs::read_dir(dir).expect("read the recorder") {
        let name = entry.expect("an entry").file_name();
        let name = name.to_string_lossy().into_owned();
        let parts: Vec<&str> = name.split('~').collect();
        match parts.as_slice() {
            ["fire", scheduled_for, run, _now] => {
                fires
                    .entry((*scheduled_for).to_owned())
                    .or_default()
                    .insert((*run).to_owned());
            }
            [run, step, now] => {
                let at = DateTime::parse_from_rfc3339(now)
                    .unwrap_or_else(|e| panic!("the recorder's `now` in {name}: {e}"))
                    .with_timezone(&Utc);
                executions
                    .entry(((*run).to_owned(), (*step).to_owned()))
                    .or_default()
                    .push(at);
            }
            _ => panic!("a file the recorder did not write: {name}"),
        }
    }
    Recorded { executions, fires }
}

fn wanted_runs() -> usize {
    match std::env::var("GARITA_CHAOS_RUNS") {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("GARITA_CHAOS_RUNS must be a whole number, not `{text}`")),
        Err(_) => 300,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_daemons_killed_at_random_lose_nothing_and_repeat_nothing_finished() {
    let Some(sink) = Sink::start() else { return };
    let db = TestDb::create().await;
    let total = wanted_runs();
    let seed = SeededRng::seed_from_env("GARITA_CHAOS_SEED");
    println!("postgres chaos: seed {seed} (replay with GARITA_CHAOS_SEED={seed}), {total} runs");
    let mut rng = SeededRng::new(seed);
    let mut h = Harness::new(&db, &sink).await;
    support::garita_bin();
    let began = Instant::now();

    // The daemons start on an empty database; runs arrive while they run
    // (they hear of them by NOTIFY) and tasks are answered meanwhile.
    let first_start = Utc::now();
    let mut daemons: Vec<Option<Daemon>> = (0..DAEMONS).map(|i| Some(h.daemon(i))).collect();
    let people = h.people(total, seed);
    let limit = Duration::from_secs(240 + total as u64);
    loop {
        tokio::time::sleep(rng.millis(800..2500)).await;
        for (i, d) in daemons.iter_mut().enumerate() {
            if let Some(d) = d {
                d.assert_alive(&format!("daemon {i} during the chaos"));
            }
        }
        assert!(
            !people.thread.is_finished(),
            "the thread starting runs and answering tasks failed"
        );
        let victim = rng.in_range(0..DAEMONS as u64) as usize;
        if let Some(d) = daemons[victim].take() {
            let pid = d.pid();
            d.kill();
            h.kills += 1;
            h.note_kill(pid).await;
        }
        // Back at once or after a moment, so sometimes two are down.
        if rng.chance(70) {
            daemons[victim] = Some(h.daemon(victim));
        }
        for (i, slot) in daemons.iter_mut().enumerate() {
            if slot.is_none() && i != victim {
                *slot = Some(h.daemon(i));
            }
        }
        h.force_quarantined().await;
        let unfinished = h.unfinished().await;
        if people.started() == total && unfinished.is_empty() && h.open_tasks().await.is_empty() {
            break;
        }
        assert!(
            began.elapsed() < limit,
            "runs did not finish in {limit:?} (seed {seed}): {} started, {} unfinished, e.g. {:?}\nlast log lines of daemon 0:\n{}",
            people.started(),
            unfinished.len(),
            unfinished.iter().take(5).collect::<Vec<_>>(),
            log_tail(&h.logs[0], 30)
        );
        if h.kills % 10 == 0 {
            println!(
                "postgres chaos: {} kills, {} runs started, {} unfinished, {} tasks answered, {:.0} s",
                h.kills,
                people.started(),
                unfinished.len(),
                people.answered.load(Ordering::Relaxed),
                began.elapsed().as_secs_f64()
            );
        }
    }
    (h.runs, h.answered) = people.finish();
    let chaos_took = began.elapsed();
    // Every daemon up for the last whole minute's fire, then stopped cleanly.
    for (i, slot) in daemons.iter_mut().enumerate() {
        if slot.is_none() {
            *slot = Some(h.daemon(i));
        }
    }
    let last_minute = wait_for_next_minute_fire(&h, Duration::from_secs(90)).await;
    for (i, d) in daemons.into_iter().enumerate() {
        if let Some(d) = d {
            let status = d.stop(Duration::from_secs(20));
            assert!(status.success(), "daemon {i} on SIGTERM: {status}");
        }
    }

    let seen = recorded(&h.recorder);
    check_runs(&h).await;
    check_recorder(&h, &seen).await;
    let emails = check_emails(&h, &sink);
    check_tasks(&h);
    let fires = check_fires(&h, &seen, first_start, last_minute).await;
    let verified = h.ok(&["audit", "verify"]);
    let said = stdout(&verified);
    assert!(said.contains("intact"), "{said}");
    println!("postgres chaos: audit verify: {}", said.trim());
    println!(
        "postgres chaos: the killed daemons held {} runs, with {} steps in flight",
        h.held_at_kills,
        h.in_flight_at_kills.values().sum::<usize>()
    );
    println!(
        "postgres chaos: survived {} kills of {DAEMONS} daemons in {:.0} s: {} runs, {emails} emails, {} tasks answered, {fires} schedule fires each once",
        h.kills,
        chaos_took.as_secs_f64(),
        h.runs.len(),
        h.answered
    );
}

/// Waits until the minute workflow has recorded a fire at or after the
/// minute that follows now; returns that minute.
async fn wait_for_next_minute_fire(h: &Harness, limit: Duration) -> DateTime<Utc> {
    let now = Utc::now();
    let next = DateTime::from_timestamp((now.timestamp() / 60 + 1) * 60, 0).expect("a minute");
    let started = Instant::now();
    loop {
        let fired = recorded(&h.recorder).fires.keys().any(|at| {
            DateTime::parse_from_rfc3339(at).is_ok_and(|t| t.with_timezone(&Utc) >= next)
        });
        if fired {
            return next;
        }
        assert!(
            started.elapsed() < limit,
            "no schedule fire for {next} within {limit:?}; log tail:\n{}",
            log_tail(&h.logs[0], 30)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every run started succeeded, and nothing else ran but the minute's fires.
async fn check_runs(h: &Harness) {
    let all = h
        .store
        .list_runs(&RunFilter::default())
        .await
        .expect("list runs");
    let status: BTreeMap<&str, String> = all
        .iter()
        .map(|r| (r.id.as_str(), format!("{:?}", r.status)))
        .collect();
    for id in &h.runs {
        assert_eq!(
            status.get(id.as_str()).map(String::as_str),
            Some("Succeeded"),
            "run {id} is missing or did not succeed"
        );
    }
    let strangers: Vec<&str> = all
        .iter()
        .filter(|r| r.workflow != "chaos-minute" && !h.runs.contains(&r.id))
        .map(|r| r.id.as_str())
        .collect();
    assert!(strangers.is_empty(), "runs nobody started: {strangers:?}");
}

/// Each recorded step ran at least once, more often only when kills caught
/// it in flight, and never after the store recorded it as succeeded.
async fn check_recorder(h: &Harness, seen: &Recorded) {
    let mut repeated = 0;
    for run in &h.runs {
        let events = h.store.events(run).await.expect("read events");
        let mut succeeded_at = BTreeMap::new();
        let mut problems = Vec::new();
        for event in &events {
            if let RunEvent::StepSucceeded { step, at, .. } = &event.event {
                if succeeded_at.insert(step.clone(), *at).is_some() {
                    problems.push(format!("step `{step}` succeeded twice"));
                }
            }
        }
        assert!(problems.is_empty(), "run {run}: {problems:?}");
        for step in RECORDERS {
            let key = (run.clone(), step.to_owned());
            let times = seen.executions.get(&key).cloned().unwrap_or_default();
            let caught = h.in_flight_at_kills.get(&key).copied().unwrap_or(0);
            assert!(!times.is_empty(), "step `{step}` of run {run} never ran");
            assert!(
                times.len() <= 1 + caught,
                "step `{step}` of run {run} ran {} times but kills caught it in flight {caught} time(s)",
                times.len()
            );
            let done = succeeded_at
                .get(step)
                .unwrap_or_else(|| panic!("step `{step}` of run {run} has no success recorded"));
            for at in &times {
                assert!(
                    at <= done,
                    "step `{step}` of run {run} ran at {at}, after the store recorded it as succeeded at {done}"
                );
            }
            repeated += usize::from(times.len() > 1);
        }
    }
    let unknown: Vec<&StepKey> = seen
        .executions
        .keys()
        .filter(|(run, step)| !h.runs.contains(run) || !RECORDERS.contains(&step.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "executions nobody asked for: {unknown:?}"
    );
    println!(
        "postgres chaos: {} recorded steps, {repeated} ran again after a kill caught them in flight",
        h.runs.len() * RECORDERS.len()
    );
}

/// One outbox message per email step, each sent; each reached the server
/// once, or once more per kill that caught its step in flight, always
/// under its one Message-ID; nothing else arrived.
fn check_emails(h: &Harness, sink: &Sink) -> usize {
    let out = h.ok(&["--json", "outbox", "list"]);
    let entries: Vec<Value> = serde_json::from_slice(&out.stdout).expect("outbox list --json");
    let seen = check_email_copies(
        &entries,
        h.runs.len() * EMAILS_PER_RUN,
        sink,
        &h.in_flight_at_kills,
    );
    println!(
        "postgres chaos: {} emails, {} received again after a kill caught the send, at most {} copies of one",
        seen.messages, seen.received_again, seen.most
    );
    seen.messages
}

fn check_tasks(h: &Harness) {
    let out = h.ok(&["--json", "tasks", "list", "--all"]);
    let tasks: Vec<Value> = serde_json::from_slice(&out.stdout).expect("tasks list --json");
    assert_eq!(tasks.len(), h.runs.len(), "one task per run");
    let open: Vec<&Value> = tasks
        .iter()
        .filter(|t| t["status"] != "completed")
        .collect();
    assert!(open.is_empty(), "tasks not completed: {open:#?}");
}

/// Every minute from the first daemon's start to `last` fired exactly one
/// run, which succeeded; no fire is doubled.
async fn check_fires(
    h: &Harness,
    seen: &Recorded,
    first_start: DateTime<Utc>,
    last: DateTime<Utc>,
) -> usize {
    let runs = h
        .store
        .list_runs(&RunFilter::default())
        .await
        .expect("list runs");
    let minute_runs: Vec<_> = runs
        .iter()
        .filter(|r| r.workflow == "chaos-minute")
        .collect();
    let mut by_instant = BTreeMap::<String, Vec<String>>::new();
    for (at, run_ids) in &seen.fires {
        by_instant
            .entry(at.clone())
            .or_default()
            .extend(run_ids.iter().cloned());
    }
    let doubled: Vec<_> = by_instant.iter().filter(|(_, r)| r.len() > 1).collect();
    assert!(doubled.is_empty(), "fires started twice: {doubled:?}");
    assert_eq!(
        minute_runs.len(),
        by_instant.len(),
        "one stored run per recorded fire: {:?}",
        by_instant.keys().collect::<Vec<_>>()
    );
    for run in &minute_runs {
        assert!(
            run.status.is_terminal(),
            "fire run {} is {:?}",
            run.id,
            run.status
        );
    }
    let mut minute =
        DateTime::from_timestamp((first_start.timestamp() / 60 + 1) * 60, 0).expect("a minute");
    let mut expected = 0;
    while minute <= last {
        let key = garita_engine::schedule::instant_text(minute);
        assert!(
            by_instant.contains_key(&key),
            "no run for the fire at {key}; fired: {:?}",
            by_instant.keys().collect::<Vec<_>>()
        );
        expected += 1;
        minute += chrono::TimeDelta::minutes(1);
    }
    assert!(expected >= 1, "the chaos lasted less than a minute");
    by_instant.len()
}
