//! Issue 16.1 and 16.6: no backup or export may land inside the store
//! directory (a backup over `STORE/db` replaced sled's live file and the
//! store was lost at the next restart), and no output follows a symlink a
//! local user planted (a predictable temporary name once handed a full
//! backup to whoever linked it; an export's `.partial` overwrote a file the
//! link pointed to). Every file holding store data is 0600.

mod support;

#[path = "support/crash_daemon.rs"]
#[allow(dead_code)] // `kill` is for the crash loop
mod crash_daemon;

use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use crash_daemon::Daemon;
use support::*;

fn refused_inside(out: &Output, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(1),
        "{what} must be refused: {}{}",
        stdout(out),
        stderr(out)
    );
    assert!(
        stderr(out).contains("inside the store directory"),
        "{what}: {}",
        stderr(out)
    );
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A store with one account, so there is something to lose.
fn store_with_an_account(root: &Path) -> std::path::PathBuf {
    let store = root.join("store");
    assert_success(
        &run(garita(&store).args([
            "accounts",
            "add",
            "--portal",
            "ctpat",
            "--account",
            "ana@andes-sierra.example",
            "--holder-name",
            "Ana",
            "--holder-email",
            "ana@andes-sierra.example",
            "--company",
            "Andes & Sierra Imports LLC",
            "--tax-id",
            "84-3190275",
        ])),
        "accounts add",
    );
    store
}

fn still_whole(store: &Path, root: &Path) {
    let out = run(garita(store).args(["accounts", "list"]));
    assert_success(&out, "accounts list after the refusal");
    assert!(
        stdout(&out).contains("ana@andes-sierra.example"),
        "{}",
        stdout(&out)
    );
    assert_success(
        &run(garita(store).args(["audit", "verify"])),
        "audit verify",
    );
    let backup = root.join("after.backup");
    assert_success(
        &run(garita(store).arg("backup").arg(&backup)),
        "backup outside",
    );
    assert_success(
        &run(garita(store).args(["backup", "verify"]).arg(&backup)),
        "backup verify",
    );
}

#[test]
fn backups_and_exports_inside_the_store_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let store = store_with_an_account(root);
    let db_before = std::fs::read(store.join("db")).unwrap();
    let conf_before = std::fs::read(store.join("conf")).unwrap();

    refused_inside(
        &run(garita(&store).arg("backup").arg(store.join("db"))),
        "backup STORE/db",
    );
    refused_inside(
        &run(garita(&store).arg("backup").arg(store.join("conf"))),
        "backup STORE/conf",
    );
    // Through a symlink to the store, and through `..`.
    let link = root.join("link");
    symlink(&store, &link).unwrap();
    refused_inside(
        &run(garita(&store).arg("backup").arg(link.join("db"))),
        "backup LINK/db",
    );
    refused_inside(
        &run(garita(&store)
            .arg("backup")
            .arg(root.join("link/../store/conf"))),
        "backup via ..",
    );
    refused_inside(
        &run(garita(&store)
            .args([
                "audit",
                "export",
                "--from",
                "2000-01-01",
                "--to",
                "2100-01-01",
                "--output",
            ])
            .arg(store.join("audit.csv"))),
        "audit export inside",
    );
    refused_inside(
        &run(garita(&store)
            .args(["accounts", "export", "--output"])
            .arg(store.join("conf"))),
        "accounts export over STORE/conf",
    );
    assert_eq!(std::fs::read(store.join("conf")).unwrap(), conf_before);
    assert!(!store.join("audit.csv").exists());
    // sled may compact `db` on open, but it must still be the store's file.
    assert!(std::fs::read(store.join("db")).unwrap().len() >= db_before.len() / 2);
    still_whole(&store, root);
}

#[test]
fn a_backup_inside_the_store_is_refused_through_the_daemon_too() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let store = store_with_an_account(root);
    let workflows = root.join("workflows");
    std::fs::create_dir(&workflows).unwrap();
    let config = write(root, "garita.toml", "");
    let mut daemon = Daemon::start(&store, &config, &workflows, &root.join("daemon.log"));
    daemon.wait_for_socket(&store);
    refused_inside(
        &run(garita(&store).arg("backup").arg(store.join("db"))),
        "backup STORE/db through the daemon",
    );
    // A relative path from inside the store directory is the client's.
    refused_inside(
        &run(garita(&store).current_dir(&store).args(["backup", "db"])),
        "backup db from the store directory",
    );
    refused_inside(
        &run(garita(&store)
            .args(["accounts", "export", "--output"])
            .arg(store.join("x.csv"))),
        "accounts export through the daemon",
    );
    // The daemon goes on writing to its live store.
    assert_success(
        &run(garita(&store).args(["accounts", "touch", "ctpat:ana@andes-sierra.example"])),
        "touch through the daemon",
    );
    daemon.stop(Duration::from_secs(15));
    still_whole(&store, root);
}

#[test]
fn outputs_are_private_and_never_written_through_a_planted_link() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let store = store_with_an_account(root);
    let out_dir = root.join("shared");
    std::fs::create_dir(&out_dir).unwrap();
    let victim = root.join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();

    // The old export wrote FILE.partial with a plain create: a link there
    // made it overwrite the victim.
    let export = out_dir.join("inventory.csv");
    symlink(&victim, out_dir.join("inventory.csv.partial")).unwrap();
    assert_success(
        &run(garita(&store)
            .args(["accounts", "export", "--output"])
            .arg(&export)),
        "accounts export",
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert!(std::fs::read_to_string(&export)
        .unwrap()
        .contains("ana@andes-sierra.example"));
    assert_eq!(mode(&export), 0o600, "an export holds store data");

    // A link at the target itself is replaced, not written through.
    let backup = out_dir.join("store.backup");
    symlink(&victim, &backup).unwrap();
    assert_success(
        &run(garita(&store).arg("backup").arg(&backup)),
        "backup over a link",
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert!(!std::fs::symlink_metadata(&backup).unwrap().is_symlink());
    assert_eq!(mode(&backup), 0o600);
    let audit = out_dir.join("audit.csv");
    assert_success(
        &run(garita(&store)
            .args([
                "audit",
                "export",
                "--from",
                "2000-01-01",
                "--to",
                "2100-01-01",
                "--output",
            ])
            .arg(&audit)),
        "audit export",
    );
    assert_eq!(mode(&audit), 0o600);
    // Nothing but the outputs and the planted links is left behind.
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "audit.csv",
            "inventory.csv",
            "inventory.csv.partial",
            "store.backup"
        ]
    );
}
