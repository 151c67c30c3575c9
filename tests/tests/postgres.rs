//! The real `garita` binary on a PostgreSQL store (`--store postgres://…`
//! or `[store] url`): the inventory, a run with an email and a task, the
//! listings and `audit verify` all work on the database; two daemons on one
//! database start each scheduled fire once; an unreachable server is
//! reported with its address, never its password.
//!
//! The server is a throwaway cluster this test process starts
//! (`garita_store_postgres::test_cluster`), or `GARITA_TEST_POSTGRES_URL`.
//! Without PostgreSQL these tests fail saying how to install it: they never
//! skip.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use garita_store_postgres::test_cluster::TestDb;
use serde_json::Value;
use support::{garita, root, run, stderr, stdout, write};

const NOW: &str = "2026-03-02T12:00:00Z";

const APPROVAL: &str = r#"
name: pg-approval
steps:
  - id: notify
    uses: email.send
    with: {to: [oficial@example.com], subject: Reactivación, body: "Hay una solicitud"}
  - id: approve
    task:
      title: "Approve the reactivation request"
      assignee: oficial@example.com
      due: 3d
      fields:
        type: object
        required: [date]
        properties:
          date: {type: string}
  - id: record
    uses: core.append_file
    with:
      path: "${{ env.effects }}"
      line: "approved ${{ steps.approve.outputs.fields.date }}"
"#;

/// A daily 08:00 Guayaquil workflow (13:00 UTC) that catches up every
/// missed fire.
const DAILY: &str = r#"
name: pg-daily
inputs:
  scheduled_for: {type: string}
on:
  schedule:
    cron: "0 8 * * *"
    time_zone: America/Guayaquil
    catch_up: all
steps:
  - id: note
    uses: core.set
    with: {for: "${{ inputs.scheduled_for }}"}
"#;

/// A configuration whose local folder (files, the email outbox copies) is
/// `local`, with `url` as `[store] url` when given.
fn config(dir: &Path, local: &Path, url: Option<&str>) -> PathBuf {
    let mut text = format!("[store]\npath = {:?}\n", local.display().to_string());
    if let Some(url) = url {
        text.push_str(&format!("url = {url:?}\n"));
    }
    write(dir, "garita.toml", &text)
}

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

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_postgres_store_imports_runs_answers_and_verifies() {
    let db = TestDb::create().await;
    let tmp = tempfile::tempdir().unwrap();
    let local = tmp.path().join("local");
    let cfg = config(tmp.path(), &local, None);
    let effects = local.join("files").join("effects.txt");
    let on_pg = || {
        let mut cmd = garita(Path::new(&db.url));
        cmd.arg("--config").arg(&cfg).args(["--now", NOW]);
        cmd
    };

    let imported = ok(on_pg()
        .args(["accounts", "import"])
        .arg(root().join("workflows/examples/accounts.csv")));
    assert!(imported.contains("imported 20"), "{imported}");
    let accounts = json(&ok(on_pg().args(["--json", "accounts", "list"])));
    assert!(
        accounts.as_array().is_some_and(|a| a.len() >= 2),
        "{accounts}"
    );

    let wf = write(
        tmp.path(),
        "approval.yaml",
        &APPROVAL.replace("${{ env.effects }}", &effects.display().to_string()),
    );
    let started = ok(on_pg().arg("run").arg(&wf));
    assert!(started.contains("waiting"), "{started}");
    let run_id = started.split_whitespace().next().unwrap().to_owned();

    let runs = ok(on_pg().args(["--json", "runs", "list"]));
    assert!(
        runs.contains(&run_id) && runs.contains("pg-approval"),
        "{runs}"
    );
    let outbox = ok(on_pg().args(["--json", "outbox", "list"]));
    assert!(outbox.contains("oficial@example.com"), "{outbox}");

    let tasks = json(&ok(on_pg().args(["--json", "tasks", "list"])));
    let task_id = tasks[0]["id"].as_str().unwrap().to_owned();
    let done = ok(on_pg().args(["tasks", "complete", &task_id, "--field", "date=2026-03-05"]));
    assert!(done.contains("succeeded"), "{done}");
    let written = std::fs::read_to_string(&effects).unwrap();
    assert!(written.starts_with("approved 2026-03-05\t"), "{written}");

    let verified = ok(on_pg().args(["audit", "verify"]));
    assert!(verified.contains("intact"), "{verified}");
    // Nothing of the store went to the local folder: the records are in
    // the database (a second database would be empty).
    assert!(!local.join("db").exists(), "no sled store beside it");
    // What sled-only commands say on PostgreSQL.
    let restore = run(on_pg().arg("restore").arg(tmp.path().join("x.backup")));
    assert_eq!(restore.status.code(), Some(1), "{}", stderr(&restore));
    assert!(
        stderr(&restore).contains("store copy"),
        "{}",
        stderr(&restore)
    );
}

/// `garita --now NOW daemon --once` on the database `[store] url` names.
fn once(cfg: &Path, workflows: &Path, now: &str) -> Command {
    let mut cmd = Command::new(support::garita_bin());
    cmd.arg("--config")
        .arg(cfg)
        .args(["--now", now, "--json", "daemon", "--once", "--workflows"])
        .arg(workflows)
        .env_remove("GARITA_NOW")
        .env_remove("GARITA_STORE")
        .env_remove("RUST_LOG")
        .current_dir(root());
    cmd
}

/// The instants whose fire this pass started. A run one daemon started
/// may be driven by the other (it found it unfinished and took its lease),
/// so the status of each is not asserted here but at the end.
fn scheduled_for(out: &Output) -> Vec<String> {
    assert!(
        out.status.success(),
        "daemon --once failed: {}\n{}",
        stdout(out),
        stderr(out)
    );
    let report = json(&stdout(out));
    report["driven"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|row| row["scheduled_for"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_daemons_on_one_database_start_each_fire_once() {
    let db = TestDb::create().await;
    let tmp = tempfile::tempdir().unwrap();
    let workflows = tmp.path().join("workflows");
    std::fs::create_dir(&workflows).unwrap();
    write(&workflows, "daily.yaml", DAILY);
    // Each daemon has a local folder of its own, as on two machines.
    let configs: Vec<PathBuf> = ["a", "b"]
        .iter()
        .map(|name| {
            let dir = tmp.path().join(name);
            std::fs::create_dir(&dir).unwrap();
            config(&dir, &dir.join("local"), Some(&db.url))
        })
        .collect();

    // The first pass sees the schedule (before its first fire); three
    // days later both daemons catch up at once.
    let first = run(&mut once(&configs[0], &workflows, "2026-01-01T12:00:00Z"));
    assert_eq!(scheduled_for(&first), Vec::<String>::new());
    let children: Vec<_> = configs
        .iter()
        .map(|cfg| {
            once(cfg, &workflows, "2026-01-04T14:00:00Z")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut fired: Vec<String> = children
        .into_iter()
        .flat_map(|child| scheduled_for(&child.wait_with_output().unwrap()))
        .collect();
    fired.sort();
    assert_eq!(
        fired,
        [
            "2026-01-01T13:00:00Z",
            "2026-01-02T13:00:00Z",
            "2026-01-03T13:00:00Z",
            "2026-01-04T13:00:00Z"
        ],
        "each fire started by one daemon, none twice"
    );
    let runs = json(&ok(Command::new(support::garita_bin())
        .arg("--config")
        .arg(&configs[1])
        .args(["--json", "runs", "list"])
        .current_dir(root())));
    let statuses: Vec<&str> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(statuses, ["succeeded"; 4], "{runs}");
    let again = run(&mut once(&configs[1], &workflows, "2026-01-04T14:00:00Z"));
    assert_eq!(scheduled_for(&again), Vec::<String>::new(), "nothing twice");
}

#[test]
fn an_unreachable_server_is_named_without_its_password() {
    // Port 1 on loopback: nothing listens there.
    let url = "postgres://garita:s3cret@127.0.0.1:1/garita";
    let out = run(garita(Path::new(url)).args(["runs", "list"]));
    assert_ne!(out.status.code(), Some(0));
    let said = stderr(&out);
    assert!(!said.contains("s3cret"), "{said}");
    assert!(
        said.contains("postgres://garita:***@127.0.0.1:1/garita"),
        "{said}"
    );
    assert!(
        said.contains("--store") && said.contains("running"),
        "{said}"
    );
}

/// What a copy must keep, as the commands show it: runs, accounts, the
/// outbox and tasks.
fn listings(store: &Path, cfg: &Path) -> Vec<String> {
    [
        ["runs", "list"],
        ["accounts", "list"],
        ["outbox", "list"],
        ["tasks", "list"],
    ]
    .iter()
    .map(|args| {
        ok(garita(store)
            .arg("--config")
            .arg(cfg)
            .args(["--now", NOW, "--json"])
            .args(args))
    })
    .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn store_copy_moves_a_store_to_postgres_and_back() {
    let db = TestDb::create().await;
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path(), &tmp.path().join("local"), None);
    let sled = tmp.path().join("store");
    let effects = sled.join("files").join("effects.txt");
    ok(garita(&sled)
        .args(["--now", NOW, "accounts", "import"])
        .arg(root().join("workflows/examples/accounts.csv")));
    let wf = write(
        tmp.path(),
        "approval.yaml",
        &APPROVAL.replace("${{ env.effects }}", &effects.display().to_string()),
    );
    ok(garita(&sled).args(["--now", NOW, "run"]).arg(&wf));
    let before = listings(&sled, &cfg);
    assert!(before[0].contains("pg-approval") && before[3].contains("Approve"));

    let copy = |from: &Path, to: &Path| {
        run(garita(&sled)
            .arg("--config")
            .arg(&cfg)
            .args(["store", "copy", "--from"])
            .arg(from)
            .arg("--to")
            .arg(to))
    };
    let pg = Path::new(&db.url);
    let out = copy(&sled, pg);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(
        said.contains("copied") && said.contains("accounts 20") && said.contains("verifies"),
        "{said}"
    );
    assert!(
        stderr(&out).contains("verifying the copy"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        listings(pg, &cfg),
        before,
        "PostgreSQL answers as the directory"
    );
    let verified = ok(garita(pg)
        .arg("--config")
        .arg(&cfg)
        .args(["audit", "verify"]));
    assert!(verified.contains("intact"), "{verified}");

    // A target that holds records is refused and left as it was.
    let again = copy(&sled, pg);
    assert_ne!(again.status.code(), Some(0));
    assert!(stderr(&again).contains("empty"), "{}", stderr(&again));
    assert_eq!(listings(pg, &cfg), before);

    // Back into a new directory, and directory to directory.
    let back = tmp.path().join("back");
    let out = copy(pg, &back);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        listings(&back, &cfg),
        before,
        "the directory answers as PostgreSQL"
    );
    let twin = tmp.path().join("twin");
    let out = copy(&back, &twin);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(listings(&twin, &cfg), before);
    // The copy goes on working: the task is answered there (its last
    // step writes where the first store's files were).
    let tasks = json(&before[3]);
    let task_id = tasks[0]["id"].as_str().unwrap();
    std::fs::create_dir_all(sled.join("files")).unwrap();
    let allow = write(
        tmp.path(),
        "allow.toml",
        &format!(
            "[files]\nallowed_dirs = [{:?}]\n",
            sled.join("files").display().to_string()
        ),
    );
    let done = ok(garita(&twin).arg("--config").arg(&allow).args([
        "--now",
        NOW,
        "tasks",
        "complete",
        task_id,
        "--field",
        "date=2026-03-06",
    ]));
    assert!(done.contains("succeeded"), "{done}");

    let missing = copy(&tmp.path().join("nothing-here"), &tmp.path().join("x"));
    assert_ne!(missing.status.code(), Some(0));
    assert!(
        stderr(&missing).contains("no store"),
        "{}",
        stderr(&missing)
    );
}
