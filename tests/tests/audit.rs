//! The tamper-evident audit log with the real binary: a workflow that sends
//! an email and waits for a task, the task's answer, an account added and
//! touched; `garita audit verify` passes, exports for a period hold exactly
//! the entries written in that period (by the real time of writing, never
//! by `--now`) with hashes a reviewer can recompute, and after the store's
//! files are altered with sled directly, verify fails naming the entry.

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use garita_engine::audit::AuditEntry;
use serde_json::Value;
use support::*;

const WORKFLOW: &str = r#"
name: audited
inputs:
  to: {type: string, required: true}
  token: {type: string, secret: true, required: true}
steps:
  - id: notify
    uses: email.send
    with:
      from: "Garita <robot@garita.test>"
      to: "${{ inputs.to }}"
      subject: "Aviso de auditoría"
      body: "Hola"
  - id: confirm
    task:
      title: "Confirm the notice arrived"
      body: "Check the inbox."
      assignee: oficial@example.com
      due: 3d
      on_timeout: fail
  - id: done
    uses: core.set
    with:
      confirmed: true
"#;

/// A secret input value that must never reach the audit log.
const SECRET: &str = "s3cr3t-TOKEN-4711";

fn ok(cmd: &mut std::process::Command) -> String {
    let out = run(cmd);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// The task answered in [`history`], and the real instants just before and
/// just after the command that answered it.
struct Answered {
    task_id: String,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

/// An instant as `--from`/`--to` take it.
fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Every entry, whenever written.
fn export_all(store: &Path) -> Value {
    export_json(store, "2000-01-01", "2999-12-31")
}

/// Everything the test does through garita, day by day in January 2026 by
/// the business clock (`--now`); all of it is written today, really.
fn history(store: &Path, dir: &Path) -> Answered {
    let wf = write(dir, "audited.yaml", WORKFLOW);
    let started = ok(garita(store)
        .args(["--now", "2026-01-05T10:00:00Z", "run"])
        .arg(&wf)
        .args(["--input", "to=ana@cliente.test", "--input"])
        .arg(format!("token={SECRET}")));
    assert!(started.contains("waiting"), "{started}");
    let tasks = ok(garita(store).args(["tasks", "list", "--json"]));
    let tasks: Value = serde_json::from_str(&tasks).unwrap();
    let task_id = tasks[0]["id"].as_str().unwrap().to_owned();
    let from = Utc::now();
    let done = ok(garita(store).args([
        "--now",
        "2026-01-06T09:00:00Z",
        "tasks",
        "complete",
        &task_id,
        "--by",
        "luis@example.com",
        "--note",
        "arrived",
    ]));
    assert!(done.contains("succeeded"), "{done}");
    let to = Utc::now();
    ok(garita(store).args([
        "--now",
        "2026-01-07T08:00:00Z",
        "accounts",
        "add",
        "--portal",
        "ecuapass",
        "--account",
        "ana.u1",
        "--holder-name",
        "Ana Pérez",
        "--holder-email",
        "ana@cliente.test",
        "--company",
        "Exportadora Andina S.A.",
        "--tax-id",
        "1790011674001",
        "--by",
        "ana@example.com",
    ]));
    ok(garita(store).args([
        "--now",
        "2026-01-08T08:00:00Z",
        "accounts",
        "touch",
        "ecuapass:ana.u1",
        "--at",
        "2026-01-08",
        "--by",
        "ana@example.com",
    ]));
    Answered { task_id, from, to }
}

fn export_json(store: &Path, from: &str, to: &str) -> Value {
    let text = ok(garita(store).args([
        "audit", "export", "--from", from, "--to", to, "--format", "json",
    ]));
    serde_json::from_str(&text).unwrap()
}

fn entries(export: &Value) -> Vec<AuditEntry> {
    serde_json::from_value(export["entries"].clone()).unwrap()
}

/// Opens the store's files with sled alone, as someone with write access
/// to the directory could, and changes its audit tree.
fn tamper(store: &Path, change: impl FnOnce(&sled::Tree)) {
    let db = garita_store::sled_config(store).unwrap().open().unwrap();
    change(&db.open_tree("audit").unwrap());
    db.flush().unwrap();
}

/// An entry as sled holds it (compact since schema 4), as JSON to edit.
fn decode(bytes: &[u8]) -> Value {
    assert!(
        matches!(bytes[0], 2 | 3),
        "encoding version byte (compact entry): {}",
        bytes[0]
    );
    serde_json::to_value(garita_store::decode_audit_entry(bytes, String::new).unwrap()).unwrap()
}

fn encode(value: &Value) -> Vec<u8> {
    let entry: AuditEntry = serde_json::from_value(value.clone()).unwrap();
    garita_store::encode_audit_entry(&entry).unwrap()
}

#[test]
fn every_change_is_chained_exported_by_period_and_tampering_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let answer = history(&store, dir.path());
    let task_id = answer.task_id.clone();

    let verified = ok(garita(&store).args(["audit", "verify"]));
    assert!(verified.starts_with("audit chain intact: "), "{verified}");
    assert!(
        verified.contains(
            "run events, account history entries, tasks and messages match their entries"
        ),
        "{verified}"
    );

    let all = export_all(&store);
    let all_entries = entries(&all);
    let head = &all["chain"]["head"];
    assert!(
        verified.contains(&format!(
            "{} entries, head {}",
            all_entries.len(),
            head["hash"].as_str().unwrap()
        )),
        "{verified}\n{head}"
    );
    assert_eq!(all["chain"]["intact"], true);
    // Every entry re-hashes to what it says and links to the one before:
    // what a reviewer checks on an export.
    assert_eq!(all_entries[0].prev_hash, "0".repeat(64));
    for (i, entry) in all_entries.iter().enumerate() {
        assert_eq!(entry.seq, i as u64 + 1);
        assert_eq!(
            entry.computed_hash().as_deref(),
            Some(entry.hash.as_str()),
            "{entry:?}"
        );
        if i > 0 {
            assert_eq!(entry.prev_hash, all_entries[i - 1].hash);
        }
    }
    let kinds: Vec<&str> = all_entries.iter().map(|e| e.kind.as_str()).collect();
    for kind in [
        "run.event",
        "email.queued",
        "email.written",
        "task.opened",
        "task.answered",
        "account.created",
        "account.changed",
    ] {
        assert!(kinds.contains(&kind), "no {kind} in {kinds:?}");
    }
    let answered: Vec<&AuditEntry> = all_entries
        .iter()
        .filter(|e| e.kind == "task.answered")
        .collect();
    assert_eq!(answered.len(), 1);
    assert_eq!(answered[0].subject, task_id);
    assert_eq!(answered[0].actor.as_deref(), Some("luis@example.com"));
    // The file transport (no SMTP configured) writes, it does not send.
    assert!(!kinds.contains(&"email.sent"), "{kinds:?}");
    let sent = all_entries
        .iter()
        .find(|e| e.kind == "email.written")
        .unwrap();
    assert_eq!(sent.summary["to"], "ana@cliente.test");
    let created = all_entries
        .iter()
        .find(|e| e.summary["event"] == "run_created")
        .unwrap();
    assert_eq!(created.summary["inputs"]["token"], "***");
    let whole = serde_json::to_string(&all).unwrap();
    assert!(
        !whole.contains(SECRET),
        "the secret input reached the audit log"
    );

    // The period of one command, in real instants: exactly the entries it
    // wrote (the answer and the run's events it caused), in chain order.
    let (from, to) = (instant(answer.from), instant(answer.to));
    let period = entries(&export_json(&store, &from, &to));
    let expected: Vec<u64> = all_entries
        .iter()
        .filter(|e| {
            e.recorded_at
                .is_some_and(|r| answer.from <= r && r < answer.to)
        })
        .map(|e| e.seq)
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(period.iter().map(|e| e.seq).collect::<Vec<_>>(), expected);
    assert!(period.iter().any(|e| e.kind == "task.answered"));
    assert!(period.iter().any(|e| e.summary["event"] == "run_succeeded"));
    assert!(period.iter().all(|e| !e.kind.starts_with("account.")));

    // The same period as CSV: a header, one row per entry, same hashes.
    let csv_path = dir.path().join("evidence.csv");
    ok(garita(&store)
        .args(["audit", "export", "--from", &from, "--to", &to, "--output"])
        .arg(&csv_path));
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("seq,at,kind,subject,actor,summary,prev_hash,hash,recorded_at,pinned_at,description")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), period.len(), "{csv}");
    for (row, entry) in rows.iter().zip(&period) {
        assert!(row.starts_with(&format!("{},", entry.seq)), "{row}");
        let recorded_at = entry.recorded_at.unwrap();
        assert!(
            row.contains(&format!(
                "{},{},{},2026-01-06T09:00:00Z,",
                entry.prev_hash,
                entry.hash,
                instant(recorded_at)
            )),
            "{row}"
        );
    }
    // The last column says each entry in words (Spanish by default).
    assert!(
        rows.iter()
            .any(|r| r.contains("task.answered") && r.contains("Tarea respondida (completada): «")),
        "{csv}"
    );

    // Someone rewrites who answered the task, straight in sled's files.
    let seq = answered[0].seq;
    tamper(&store, |audit| {
        let key = seq.to_be_bytes();
        let mut entry = decode(&audit.get(key).unwrap().unwrap());
        entry["actor"] = "mallory@example.com".into();
        audit.insert(key, encode(&entry)).unwrap();
    });
    let out = run(garita(&store).args(["audit", "verify"]));
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("audit chain BROKEN: 1 problem(s)"), "{text}");
    assert!(
        text.contains(&format!("entry {seq} (task.answered {task_id}): ")),
        "{text}"
    );
    assert!(text.contains("modified"), "{text}");

    // And removes the account's creation.
    let removed = all_entries
        .iter()
        .find(|e| e.kind == "account.created")
        .unwrap()
        .seq;
    tamper(&store, |audit| {
        audit.remove(removed.to_be_bytes()).unwrap();
    });
    let out = run(garita(&store).args(["--json", "audit", "verify"]));
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["intact"], false);
    let problems = report["problems"].as_array().unwrap();
    assert!(problems.iter().any(|p| p["seq"] == seq), "{report}");
    assert!(
        problems.iter().any(|p| p["seq"] == removed
            && p["problem"]
                .as_str()
                .unwrap()
                .contains(&format!("entry {removed} is missing"))),
        "{report}"
    );
    // The export says the chain no longer verifies.
    assert_eq!(export_all(&store)["chain"]["intact"], false);
}

#[test]
fn an_expected_head_kept_off_machine_must_still_be_in_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    history(&store, dir.path());
    let head = export_all(&store)["chain"]["head"]["hash"]
        .as_str()
        .unwrap()
        .to_owned();
    // More history after the head was copied: it stays in the chain.
    ok(garita(&store).args([
        "--now",
        "2026-01-09T08:00:00Z",
        "accounts",
        "touch",
        "ecuapass:ana.u1",
        "--at",
        "2026-01-09",
    ]));
    let out = ok(garita(&store).args(["audit", "verify", "--expect-head", &head]));
    assert!(
        out.contains(&format!("the expected head {head} is entry ")),
        "{out}"
    );
    let other = "ab".repeat(32);
    let out = run(garita(&store).args(["audit", "verify", "--expect-head", &other]));
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("is not in the chain"),
        "{}",
        stdout(&out)
    );
    let bad = run(garita(&store).args(["audit", "verify", "--expect-head", "xyz"]));
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    let empty = run(garita(&store).args([
        "audit",
        "export",
        "--from",
        "2026-01-09",
        "--to",
        "2026-01-08",
    ]));
    assert_eq!(empty.status.code(), Some(2), "{}", stderr(&empty));
}

/// The brief's case: a command run with `--now 2027-03-01T12:00:00Z` today
/// writes evidence dated today, marked pinned; an export of today (real
/// dates) holds it, an export of March 2027 does not.
#[test]
fn a_pinned_clock_cannot_backdate_the_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let wf = write(
        dir.path(),
        "note.yaml",
        "name: note\nsteps:\n  - id: a\n    uses: core.set\n    with: {x: 1}\n",
    );
    let pinned = "2027-03-01T12:00:00Z";
    let before = Utc::now();
    ok(garita(&store).args(["--now", pinned, "run"]).arg(&wf));
    ok(garita(&store).args([
        "--now",
        pinned,
        "accounts",
        "add",
        "--portal",
        "ecuapass",
        "--account",
        "ana.u1",
        "--holder-name",
        "Ana Pérez",
        "--holder-email",
        "ana@cliente.test",
        "--company",
        "Exportadora Andina S.A.",
        "--tax-id",
        "1790011674001",
        "--by",
        "ana@example.com",
    ]));
    let after = Utc::now();
    let today = |at: DateTime<Utc>| at.date_naive().to_string();

    // Written today, really; the pinned instant beside it.
    let exported = export_json(&store, &today(before), &today(after));
    let written = entries(&exported);
    assert!(written.len() >= 4, "{exported}");
    for entry in &written {
        let recorded_at = entry.recorded_at.expect("every new entry has recorded_at");
        assert!(before <= recorded_at && recorded_at <= after, "{entry:?}");
        assert_eq!(entry.pinned_at.map(instant).as_deref(), Some(pinned));
        assert_eq!(entry.computed_hash().as_deref(), Some(entry.hash.as_str()));
    }
    let run_created = written
        .iter()
        .find(|e| e.summary["event"] == "run_created")
        .unwrap();
    assert_eq!(instant(run_created.at), pinned, "the business time stays");
    assert!(written.iter().any(|e| e.kind == "account.created"));
    let json_entry = &exported["entries"][0];
    assert_eq!(json_entry["pinned_at"], pinned, "{json_entry}");
    let shown = parse_instant(&json_entry["recorded_at"]);
    assert!(before <= shown && shown <= after, "{json_entry}");

    // The period the pinned clock claims holds nothing.
    let march = export_json(&store, "2027-03-01", "2027-03-31");
    assert_eq!(march["entries"], serde_json::json!([]), "{march}");

    // verify lists them as pinned, every one of them.
    let report: Value =
        serde_json::from_str(&ok(garita(&store).args(["--json", "audit", "verify"]))).unwrap();
    assert_eq!(report["intact"], true, "{report}");
    let seqs: Vec<u64> = (1..=written.len() as u64).collect();
    assert_eq!(report["pinned"]["entries"], written.len(), "{report}");
    assert_eq!(
        report["pinned"]["seqs"],
        serde_json::json!(seqs),
        "{report}"
    );
    assert_eq!(report["without_recorded_at"], 0, "{report}");
    assert_eq!(report["clock_warnings"], serde_json::json!([]), "{report}");
    let text = ok(garita(&store).args(["audit", "verify"]));
    assert!(
        text.contains(&format!(
            "{} entries were written with the business clock pinned (--now/GARITA_NOW): 1-{}",
            written.len(),
            written.len()
        )),
        "{text}"
    );

    // The account's history says the same.
    let history: Value = serde_json::from_str(&ok(garita(&store).args([
        "--json",
        "accounts",
        "history",
        "ecuapass:ana.u1",
    ])))
    .unwrap();
    let first = &history["history"][0];
    assert_eq!(first["at"], pinned, "{history}");
    assert_eq!(first["pinned_at"], pinned, "{history}");
    let recorded_at = parse_instant(&first["recorded_at"]);
    assert!(before <= recorded_at && recorded_at <= after, "{history}");
}

/// An RFC 3339 instant shown in JSON.
fn parse_instant(value: &Value) -> DateTime<Utc> {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"));
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .with_timezone(&Utc)
}

/// Waits until `done`, failing if the daemon ends first or a minute passes.
fn wait_for(what: &str, child: &mut Child, done: impl Fn() -> bool) {
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

fn signal(name: &str, child: &Child) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[test]
fn a_daemon_reload_records_the_workflows_in_force() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let workflows = dir.path().join("workflows");
    std::fs::create_dir(&workflows).unwrap();
    write(
        &workflows,
        "first.yaml",
        "name: first\nsteps:\n  - id: a\n    uses: core.set\n    with: {x: 1}\n",
    );
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
    let second = "name: second\nsteps:\n  - id: b\n    uses: core.set\n    with: {y: 2}\n";
    write(&workflows, "second.yaml", second);
    signal("HUP", &child);
    wait_for("the reload", &mut child, || log_has("workflows reloaded"));
    signal("TERM", &child);
    assert!(child.wait().unwrap().success());

    let export = export_json(&store, "2000-01-01", "2100-01-01");
    let reloads: Vec<AuditEntry> = entries(&export)
        .into_iter()
        .filter(|e| e.kind == "config.reload")
        .collect();
    // The file watcher may see the new file before the signal arrives and
    // reload on its own ("files changed"); the SIGHUP reload is recorded
    // either way, once.
    let triggers: Vec<&str> = reloads
        .iter()
        .map(|e| e.summary["trigger"].as_str().unwrap_or_default())
        .collect();
    assert!(
        triggers
            .iter()
            .all(|t| ["SIGHUP", "files changed"].contains(t)),
        "{export}"
    );
    let hup: Vec<&AuditEntry> = reloads
        .iter()
        .filter(|e| e.summary["trigger"] == "SIGHUP")
        .collect();
    assert_eq!(hup.len(), 1, "{export}");
    let summary = &hup[0].summary;
    let names: Vec<&str> = summary["workflows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["first", "second"], "{summary}");
    assert_eq!(
        summary["workflows"][1]["source_sha256"],
        garita_engine::audit::digest(second.as_bytes()),
        "{summary}"
    );
    assert!(ok(garita(&store).args(["audit", "verify"]))
        .starts_with(&format!("audit chain intact: {} entries", reloads.len())));
}

#[test]
fn pausing_and_unpausing_a_schedule_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let workflows = dir.path().join("workflows");
    std::fs::create_dir(&workflows).unwrap();
    write(
        &workflows,
        "daily.yaml",
        "name: daily-check\non:\n  schedule:\n    cron: \"0 8 * * *\"\n    time_zone: America/Guayaquil\nsteps:\n  - id: note\n    uses: core.set\n    with: {x: 1}\n",
    );
    for (now, verb) in [
        ("2026-01-03T12:00:00Z", "pause"),
        ("2026-01-04T12:00:00Z", "unpause"),
    ] {
        ok(garita(&store)
            .args([
                "--now",
                now,
                "schedules",
                verb,
                "daily-check",
                "--workflows",
            ])
            .arg(&workflows));
    }
    let recorded: Vec<(String, String, String)> = entries(&export_all(&store))
        .into_iter()
        .map(|e| (e.kind, e.subject, e.at.to_rfc3339()))
        .collect();
    assert_eq!(
        recorded,
        [
            (
                "schedule.paused".into(),
                "daily-check".into(),
                "2026-01-03T12:00:00+00:00".into()
            ),
            (
                "schedule.unpaused".into(),
                "daily-check".into(),
                "2026-01-04T12:00:00+00:00".into()
            ),
        ]
    );
}

/// `garita keys init` and `garita audit checkpoint`: a signed note that the
/// independent checker (tools/verify_checkpoint.py, Python and the
/// `cryptography` package, no Garita) accepts, with the same root Garita
/// computes; a changed note is refused by both; each checkpoint is recorded
/// in the log, so the next one covers it.
#[test]
fn checkpoints_are_signed_notes_an_independent_checker_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let key = dir.path().join("keys").join("audit.key");
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    let made: Value = serde_json::from_str(&ok(garita(&store).args([
        "--json",
        "keys",
        "init",
        "--name",
        "aduanas.example/garita",
        "--output",
        key.to_str().unwrap(),
    ])))
    .unwrap();
    let verifier_key = made["verifier_key"].as_str().unwrap().to_owned();
    let again = run(garita(&store).args(["keys", "init", "--output", key.to_str().unwrap()]));
    assert_eq!(again.status.code(), Some(1), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("never overwritten"),
        "{}",
        stderr(&again)
    );

    let config = write(
        dir.path(),
        "garita.toml",
        &format!("[audit]\nsigning_key = {:?}\n", key.to_str().unwrap()),
    );
    let with_key = |store: &Path| {
        let mut cmd = garita(store);
        cmd.arg("--config").arg(&config);
        cmd
    };
    let without = run(garita(&store).args(["audit", "checkpoint"]));
    assert_ne!(without.status.code(), Some(0));
    assert!(
        stderr(&without).contains("garita keys init"),
        "{}",
        stderr(&without)
    );

    ok(garita(&store).args([
        "accounts",
        "add",
        "--portal",
        "ctpat",
        "--account",
        "ana@example.com",
        "--holder-name",
        "Ana",
        "--holder-email",
        "ana@example.com",
        "--company",
        "Importadora Norte S.A.",
        "--tax-id",
        "1790011674001",
    ]));
    let first = run(with_key(&store).args(["audit", "checkpoint"]));
    assert_success(&first, "audit checkpoint");
    let note = stdout(&first);
    let note_file = write(dir.path(), "checkpoint-1.txt", &note);
    let checked = python_check(&verifier_key, &note_file);
    assert_eq!(checked.0, Some(0), "{}", checked.1);
    let fields: Vec<&str> = checked.1.split_whitespace().collect();
    assert_eq!(
        fields[..3],
        ["ok", "aduanas.example/garita", "1"],
        "{}",
        checked.1
    );

    // Garita's own reading of the note agrees.
    let verifier =
        garita_engine::audit::tlog::note::CheckpointVerifier::parse(&verifier_key).unwrap();
    let head = verifier.verify(&note).unwrap();
    assert_eq!(head.size, 1);
    assert_eq!(garita_engine::audit::hex(&head.root), fields[3]);

    // A changed note: both refuse it.
    let forged = note.replacen("\n1\n", "\n2\n", 1);
    let forged_file = write(dir.path(), "forged.txt", &forged);
    let refused = python_check(&verifier_key, &forged_file);
    assert_eq!(refused.0, Some(1), "{}", refused.1);
    assert!(refused.1.contains("does not verify"), "{}", refused.1);
    assert!(verifier.verify(&forged).is_err());

    // The checkpoint is an entry of the log: the next covers it.
    let second: Value = serde_json::from_str(&ok(with_key(&store).args([
        "--json",
        "audit",
        "checkpoint",
    ])))
    .unwrap();
    assert_eq!(second["size"], 2);
    assert_eq!(second["recorded_as"], 3);
    assert_ne!(second["root"].as_str().unwrap(), fields[3]);
    let verified = ok(garita(&store).args(["audit", "verify"]));
    assert!(verified.contains("intact: 3 entries"), "{verified}");
}

/// Runs tools/verify_checkpoint.py; (exit code, stdout).
fn python_check(verifier_key: &str, note: &Path) -> (Option<i32>, String) {
    let out = Command::new(system_python())
        .arg(root().join("tools/verify_checkpoint.py"))
        .arg(verifier_key)
        .arg(note)
        .output()
        .expect("python3 runs (CI installs python3-cryptography)");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}
