//! `garita backup`, `garita backup verify` and `garita restore` with the real
//! binary, as the OEA profile asks of backups: a store with runs, accounts
//! and outbox is backed up, changed, deleted and restored, and reads back
//! exactly as before; a damaged backup is refused and the store untouched;
//! a store held by a running daemon is not replaced.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{garita, run, stderr, stdout, write};

const NOW: &str = "2026-01-10T12:00:00Z";

const CSV: &str = "portal,account,holder_name,holder_email,employee_id,holder_national_id,company,tax_id,ctpat_account_number,role,status,last_sign_in,attr.site
ecuapass,OPER1,Operador 1,oper1@exportadora1.example,E-1,,Exportadora 1 S.A.,1793058124001,,Empleado,active,2025-12-02,Guayaquil
anam,usuario2.mx,Usuario 2,usuario2@agencia2.example,E-2,,Agencia 2 S.C.,LOG030214Q70,,Dependiente,,2025-12-03,Celaya
";

const MAIL: &str = r#"
name: backup-mail
steps:
  - id: greet
    uses: core.set
    with: {value: hola}
  - id: notify
    uses: email.send
    with: {to: [ana.perez@example.com], subject: Respaldo, body: "Prueba de respaldo"}
"#;

const WAITS: &str = r#"
name: backup-waits
steps:
  - id: confirm
    task: {title: Confirme el respaldo, due: 7d}
"#;

fn ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// What an auditor would compare: runs, accounts, the outbox and tasks, as JSON.
fn listings(store: &Path) -> [String; 4] {
    [
        ok(garita(store).args(["--now", NOW, "--json", "runs", "list"])),
        ok(garita(store).args(["--now", NOW, "--json", "accounts", "list"])),
        ok(garita(store).args(["--now", NOW, "--json", "outbox", "list"])),
        ok(garita(store).args(["--now", NOW, "--json", "tasks", "list"])),
    ]
}

fn siblings(store: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(store.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A store with two accounts, a finished run that sent an email, and a run
/// waiting for a person's task.
fn populated(dir: &Path) -> std::path::PathBuf {
    let store = dir.join("store");
    let csv = write(dir, "accounts.csv", CSV);
    ok(garita(&store)
        .args(["--now", NOW, "accounts", "import"])
        .arg(&csv));
    let mail = write(dir, "mail.yaml", MAIL);
    ok(garita(&store).args(["--now", NOW, "run"]).arg(&mail));
    let waits = write(dir, "waits.yaml", WAITS);
    ok(garita(&store).args(["--now", NOW, "run"]).arg(&waits));
    store
}

#[test]
fn a_store_is_backed_up_changed_deleted_and_restored_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let store = populated(tmp.path());
    let before = listings(&store);
    assert!(before[0].contains("backup-mail") && before[0].contains("backup-waits"));
    assert!(before[1].contains("OPER1") && before[2].contains("Respaldo"));

    let file = tmp.path().join("garita.backup");
    let said = ok(garita(&store).args(["--now", NOW, "backup"]).arg(&file));
    assert!(
        said.contains("backup written to") && said.contains("runs 2"),
        "{said}"
    );
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the backup holds everything the store holds");
    let header: serde_json::Value = serde_json::from_str(&ok(garita(&store)
        .args(["--json", "backup", "verify"])
        .arg(&file)))
    .unwrap();
    assert_eq!(header["created_at"], "2026-01-10T12:00:00Z");
    assert_eq!(header["format_version"], 2, "a backup of records");
    let sections: Vec<&str> = header["sections"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    for kind in ["runs", "events", "accounts", "outbox", "tasks", "audit"] {
        assert!(sections.contains(&kind), "{kind} missing from {sections:?}");
    }
    assert!(header["audit_head"]["seq"].as_u64().unwrap() > 0);

    // Changed after the backup: a new run, a new account.
    ok(garita(&store)
        .args(["--now", NOW, "run"])
        .arg(tmp.path().join("mail.yaml")));
    let more = write(
        tmp.path(),
        "more.csv",
        &CSV.replace("OPER1", "OPER9")
            .replace("usuario2.mx", "usuario9.mx"),
    );
    ok(garita(&store)
        .args(["--now", NOW, "accounts", "import"])
        .arg(&more));
    assert_ne!(listings(&store), before);

    let said = ok(garita(&store).args(["--now", NOW, "restore"]).arg(&file));
    assert!(
        said.contains("restored") && said.contains("before-restore"),
        "{said}"
    );
    assert_eq!(listings(&store), before);
    // The audit chain came back whole, and the restore is on it.
    ok(garita(&store).args(["audit", "verify"]));
    let evidence = ok(garita(&store).args([
        "audit",
        "export",
        // Periods are by the real time of writing: any date that holds today.
        "--from",
        "2000-01-01",
        "--to",
        "2999-12-31",
        "--format",
        "json",
    ]));
    assert!(evidence.contains("store.restored"), "{evidence}");
    let kept: Vec<String> = siblings(&store)
        .into_iter()
        .filter(|n| n.starts_with("store.before-restore-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let old = tmp.path().join(&kept[0]);
    assert!(ok(garita(&old).args(["--json", "accounts", "list"])).contains("OPER9"));

    // Deleted outright, then restored.
    std::fs::remove_dir_all(&store).unwrap();
    ok(garita(&store).args(["--now", NOW, "restore"]).arg(&file));
    assert_eq!(listings(&store), before);
    let mode = std::fs::metadata(&store).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    // The waiting run still waits for its task, and goes on when it is answered.
    let tasks = ok(garita(&store).args(["--json", "tasks", "list"]));
    let task = serde_json::from_str::<serde_json::Value>(&tasks).unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(garita(&store).args(["--now", NOW, "tasks", "complete", &task]));
    let runs = ok(garita(&store).args(["--json", "runs", "list", "--status", "waiting"]));
    assert_eq!(runs.trim(), "[]", "{runs}");
}

#[test]
fn a_damaged_or_truncated_backup_is_refused_and_the_store_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let store = populated(tmp.path());
    let file = tmp.path().join("good.backup");
    ok(garita(&store).args(["--now", NOW, "backup"]).arg(&file));
    ok(garita(&store)
        .args(["--now", NOW, "run"])
        .arg(tmp.path().join("mail.yaml")));
    let current = listings(&store);
    let good = std::fs::read(&file).unwrap();

    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x04;
    let damaged = tmp.path().join("damaged.backup");
    std::fs::write(&damaged, &flipped).unwrap();
    let truncated = tmp.path().join("truncated.backup");
    std::fs::write(&truncated, &good[..good.len() * 2 / 3]).unwrap();
    let listing = siblings(&store);

    for (bad, expected) in [(&damaged, "SHA-256"), (&truncated, "truncated")] {
        let out = run(garita(&store).args(["--now", NOW, "restore"]).arg(bad));
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        let text = stderr(&out);
        assert!(
            text.contains("cannot be used")
                && text.contains(expected)
                && text.contains("nothing was changed"),
            "{text}"
        );
        let out = run(garita(&store).args(["backup", "verify"]).arg(bad));
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    }
    assert_eq!(siblings(&store), listing, "nothing created or moved");
    assert_eq!(listings(&store), current, "the store is as it was");
}

#[test]
fn a_store_held_by_the_daemon_is_not_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let store = populated(tmp.path());
    let file = tmp.path().join("b.backup");
    ok(garita(&store).args(["--now", NOW, "backup"]).arg(&file));
    let workflows = tmp.path().join("no-workflows");
    std::fs::create_dir(&workflows).unwrap();
    let mut daemon = garita(&store)
        .args(["daemon", "--workflows"])
        .arg(&workflows)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("daemon starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !store.join("garita.pid").exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let out = run(garita(&store).args(["--now", NOW, "restore"]).arg(&file));
    let _ = daemon.kill();
    let _ = daemon.wait();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stderr(&out);
    assert!(
        text.contains("in use by another process") && text.contains("Nothing was changed"),
        "{text}"
    );
    assert!(
        !siblings(&store).iter().any(|n| n.contains("restor")),
        "{:?}",
        siblings(&store)
    );
}

#[test]
fn the_store_and_the_outbox_are_owner_only_and_a_widened_store_is_tightened() {
    let tmp = tempfile::tempdir().unwrap();
    let store = populated(tmp.path());
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let outbox = store.join("outbox");
    assert_eq!(mode(&store), 0o700);
    assert_eq!(mode(&outbox), 0o700);
    let emails: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!emails.is_empty());
    for file in emails
        .iter()
        .chain([store.join("db"), store.join("conf")].iter())
    {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }

    // Someone widened it by hand: the next command tightens it and says so.
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(store.join("db"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = run(garita(&store).args(["-v", "runs", "list"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("open to group or others; tightened to 0700"),
        "{}",
        stderr(&out)
    );
    assert_eq!(mode(&store), 0o700);
    assert_eq!(mode(&store.join("db")), 0o600);
}

/// A backup written by the garita of December 2026 before backups were
/// records (format 1, a copy of sled's trees; `tests/fixtures/backup-format1`
/// holds it with the listings its store gave) is still verified and
/// restored, and the restored store lists exactly what that store listed.
#[test]
fn a_format_1_backup_from_an_earlier_garita_is_still_restored() {
    let fixture = support::root().join("tests/fixtures/backup-format1");
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let said = ok(garita(&store)
        .args(["backup", "verify"])
        .arg(fixture.join("format1.backup")));
    assert!(
        said.contains("format 1") && said.contains("38 records"),
        "{said}"
    );
    let said = ok(garita(&store)
        .args(["--now", NOW, "restore"])
        .arg(fixture.join("format1.backup")));
    assert!(said.contains("restored"), "{said}");
    let expected = ["runs", "accounts", "outbox", "tasks"]
        .map(|what| std::fs::read_to_string(fixture.join(format!("listing-{what}.json"))).unwrap());
    assert_eq!(listings(&store), expected);
    ok(garita(&store).args(["audit", "verify"]));
    // And the restored store backs up as records and restores again.
    let file = tmp.path().join("again.backup");
    ok(garita(&store).args(["--now", NOW, "backup"]).arg(&file));
    let again = tmp.path().join("again");
    ok(garita(&again).args(["--now", NOW, "restore"]).arg(&file));
    assert_eq!(listings(&again), expected);
}
