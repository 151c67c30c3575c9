//! Five years on one small server (issue 23, item 4): 1,000 accounts
//! imported from a CSV (the shipped example's twenty rows, fifty times
//! over with their own identifiers and spread sign-in days), then
//! `garita simulate --summary --keep-store` runs the daemon's logic (the
//! scheduler, the shipped workflows, the portal rules, answered tasks and
//! retention every six virtual hours, with the daemon's own code) over
//! five years of virtual time, and leaves the store it wrote. On that
//! store: its size, a daemon's resident memory, a typical command's time,
//! and `audit verify`, which must pass after five years of pruning.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeDelta};

use super::history::{dir_bytes, sample};
use super::release::{garita, root};
use super::stats::median;

/// Accounts in the inventory.
pub const ACCOUNTS: usize = 1_000;
/// The simulated period: five years from the day after the example
/// inventory's newest sign-in.
pub const FROM: &str = "2026-03-03";
pub const TO: &str = "2031-03-02";
/// `[retention] run_events_days` during the simulation: a year, so that
/// four of the five years are pruned and the store's size is the one
/// retention keeps (with the conservative 1830 nothing would be pruned
/// inside five years and the store would be the unpruned one).
pub const RETENTION_DAYS: u32 = 365;

/// Target: the store's files after five years, MiB.
pub const TARGET_STORE_MIB: f64 = 256.0;
/// Target: a daemon's VmRSS idle on that store, MiB.
pub const TARGET_DAEMON_MIB: f64 = 40.0;
/// Target: `garita accounts list` against that store, ms (median).
pub const TARGET_COMMAND_MS: f64 = 100.0;
/// Target: the simulation itself, s (release build).
pub const TARGET_SIMULATION_SECS: f64 = 180.0;

/// What the five years measured.
pub struct FiveYears {
    /// Seconds `garita simulate` took.
    pub simulation_secs: f64,
    /// The simulation's closing lines (its totals).
    pub totals: String,
    /// Bytes of the store directory at the end.
    pub store_bytes: u64,
    /// VmRSS of `garita daemon` idle on that store, MiB (median), and VmHWM.
    pub daemon_mib: f64,
    pub daemon_peak_mib: f64,
    /// `garita accounts list` on that store: the first, then the median
    /// of the next five, ms.
    pub first_command_ms: f64,
    pub command_ms: f64,
}

/// The example inventory's twenty rows fifty times over: each copy gets
/// its own account identifier and a sign-in spread over the 30 days
/// before the example's date, so reminders and deactivations fall on
/// different days rather than all at once.
fn inventory_csv(accounts: usize) -> String {
    let example = std::fs::read_to_string(root().join("workflows/examples/accounts.csv"))
        .expect("read workflows/examples/accounts.csv");
    let mut lines = example.lines();
    let header = lines.next().expect("a header");
    let rows: Vec<Vec<String>> = lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    let mut out = String::from(header);
    out.push('\n');
    for i in 0..accounts {
        let mut row = rows[i % rows.len()].clone();
        let copy = i / rows.len();
        row[1] = match row[0].as_str() {
            "ctpat" => row[1].replacen('@', &format!("+{copy}@"), 1),
            "ecuapass" => format!("{}{copy}", row[1]),
            _ => format!("{}{copy}", row[1]),
        };
        if let Ok(day) = NaiveDate::parse_from_str(&row[11], "%Y-%m-%d") {
            row[11] = (day - TimeDelta::days((copy % 30) as i64)).to_string();
        }
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// Runs `cmd`, panics with its output unless it succeeded; returns stdout.
fn run_ok(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Imports the inventory into a store under `dir`, simulates five years
/// into another, and measures that one.
pub fn five_years(dir: &Path, accounts: usize) -> FiveYears {
    let start_store = dir.join("five-years-start");
    let csv = dir.join("five-years-accounts.csv");
    std::fs::write(&csv, inventory_csv(accounts)).expect("write the inventory");
    run_ok(
        garita(&start_store)
            .args(["accounts", "import"])
            .arg(&csv)
            .args(["--by", "bench"]),
        "garita accounts import",
    );
    let end_store = dir.join("five-years-end");
    let started = Instant::now();
    let totals = run_ok(
        garita(&start_store)
            .args(["simulate", "--from", FROM, "--to", TO, "--summary"])
            .args(["--assume", "task:complete", "--workflows"])
            .arg(root().join("workflows"))
            .arg("--keep-store")
            .arg(&end_store)
            .env(
                "GARITA_RETENTION__RUN_EVENTS_DAYS",
                RETENTION_DAYS.to_string(),
            ),
        "garita simulate (five years)",
    );
    let simulation_secs = started.elapsed().as_secs_f64();
    let store_bytes = dir_bytes(&end_store);
    // Where the bytes are: keys + values per tree (the rest of the files is
    // sled's own overhead and garbage not yet cleaned).
    let trees = super::history::tree_bytes(&end_store);
    let logical: u64 = trees.values().sum();
    eprintln!("store files {store_bytes} B; keys + values {logical} B:");
    for (tree, bytes) in &trees {
        eprintln!("  {tree:<20} {bytes:>12} B");
    }

    run_ok(
        garita(&end_store).args(["audit", "verify"]),
        "garita audit verify after five years with retention",
    );

    let list = |store: &PathBuf| {
        let started = Instant::now();
        run_ok(
            garita(store)
                .args(["accounts", "list"])
                .stdout(Stdio::piped()),
            "garita accounts list",
        );
        started.elapsed().as_secs_f64() * 1e3
    };
    let first_command_ms = list(&end_store);
    let command_ms = median((0..5).map(|_| list(&end_store)).collect());

    let (daemon_mib, daemon_peak_mib) = idle_daemon_on(&end_store, dir);
    FiveYears {
        simulation_secs,
        totals: totals.trim().to_owned(),
        store_bytes,
        daemon_mib,
        daemon_peak_mib,
        first_command_ms,
        command_ms,
    }
}

/// `garita daemon` on `store` with an empty workflows directory (nothing
/// to fire: what is measured is what the store costs to hold open),
/// sampled idle after 2 s; then stopped.
fn idle_daemon_on(store: &Path, dir: &Path) -> (f64, f64) {
    let workflows = dir.join("five-years-no-workflows");
    std::fs::create_dir_all(&workflows).expect("workflows dir");
    let mut child = garita(store)
        .arg("daemon")
        .arg("--workflows")
        .arg(&workflows)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("garita daemon starts");
    let socket = store.join("control.sock");
    for _ in 0..500 {
        if std::os::unix::net::UnixStream::connect(&socket).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_secs(2));
    let figures = sample(&mut child);
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    child.wait().expect("reap the daemon");
    figures
}
