//! `garita` as a whole release process: the wall time and peak memory of
//! `garita run` on a three-step workflow, and the resident memory of an idle
//! `garita daemon` over a store with many accounts.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use garita_store::{SledStore, StoreOptions};

use super::release::{garita, root};
use super::stats::median;

/// Target wall time of `garita run` on three steps, ms.
pub const TARGET_RUN_MS: f64 = 20.0;
/// Target peak resident memory of `garita run` on three steps, MiB.
pub const TARGET_RUN_MIB: f64 = 20.0;
/// Target resident memory of the idle daemon, MiB.
pub const TARGET_DAEMON_MIB: f64 = 30.0;

/// Three `core.set` steps that pass values along through expressions.
pub const THREE_STEPS: &str = r#"name: three-steps
description: Three core steps that pass values along.
inputs:
  who: {type: string, default: Ana}
  year: {type: number, required: true}
steps:
  - id: greet
    uses: core.set
    with: {text: "Hola ${{ inputs.who }}", year: "${{ inputs.year }}"}
  - id: next
    uses: core.set
    with: {previous: "${{ steps.greet.outputs.text }}", following: "${{ inputs.year + 1 }}"}
  - id: done
    uses: core.set
    with: {ok: true}
outputs:
  following: "${{ steps.next.outputs.following }}"
"#;

/// What `garita run` measured.
pub struct RunFigures {
    /// Median wall time from spawn to exit, ms.
    pub wall_ms: f64,
    /// Largest peak resident set (ru_maxrss) of any measured run, MiB;
    /// `None` without GNU time at /usr/bin/time.
    pub peak_mib: Option<f64>,
    /// Runs timed.
    pub runs: usize,
}

fn run_command(dir: &Path) -> Command {
    let mut cmd = garita(&dir.join("store"));
    cmd.args(["run"])
        .arg(dir.join("three-steps.yaml"))
        .args(["--input", "year=2026"]);
    cmd
}

fn assert_succeeded(output: &std::process::Output) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("succeeded"),
        "garita run failed: {}\n{stdout}{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs the three-step workflow `runs` times on one store (after one
/// warm-up run that creates it), alternating timed runs with runs under
/// GNU time for the peak memory, so that both see the same load.
pub fn garita_run(dir: &Path, runs: usize) -> RunFigures {
    std::fs::write(dir.join("three-steps.yaml"), THREE_STEPS).expect("write the workflow");
    assert_succeeded(&run_command(dir).output().expect("garita runs"));
    let gnu_time = Path::new("/usr/bin/time").is_file();
    let mut walls = Vec::with_capacity(runs);
    let mut peak_kib: Option<u64> = None;
    for _ in 0..runs {
        let start = Instant::now();
        let output = run_command(dir).output().expect("garita runs");
        walls.push(start.elapsed().as_secs_f64() * 1e3);
        assert_succeeded(&output);
        if gnu_time {
            // GNU time reports the child's ru_maxrss (wait4) on stderr's last line.
            let timed = run_command(dir);
            let mut wrapped = Command::new("/usr/bin/time");
            wrapped
                .args(["-f", "%M"])
                .arg(timed.get_program())
                .args(timed.get_args())
                .current_dir(dir);
            for (key, value) in timed.get_envs() {
                match value {
                    Some(value) => wrapped.env(key, value),
                    None => wrapped.env_remove(key),
                };
            }
            let output = wrapped.output().expect("/usr/bin/time runs");
            assert_succeeded(&output);
            let stderr = String::from_utf8_lossy(&output.stderr);
            let kib: u64 = stderr
                .lines()
                .last()
                .and_then(|line| line.trim().parse().ok())
                .expect("GNU time prints the peak in KiB");
            peak_kib = Some(peak_kib.map_or(kib, |p| p.max(kib)));
        }
    }
    RunFigures {
        wall_ms: median(walls),
        peak_mib: peak_kib.map(|kib| kib as f64 / 1024.0),
        runs,
    }
}

/// What the idle daemon measured.
pub struct DaemonFigures {
    /// Median VmRSS over the samples, MiB.
    pub rss_mib: f64,
    /// VmHWM (peak) at the last sample, MiB.
    pub hwm_mib: f64,
    /// Accounts in the store.
    pub accounts: usize,
}

/// Fills a store with `accounts` accounts, starts `garita daemon` on it with
/// the shipped workflows, lets it settle, and samples its resident memory.
pub fn idle_daemon(
    runtime: &tokio::runtime::Runtime,
    dir: &Path,
    accounts: usize,
) -> DaemonFigures {
    let store_dir = dir.join("daemon-store");
    {
        let store =
            Arc::new(SledStore::open(&store_dir, StoreOptions::default()).expect("open store"));
        // Quiet accounts: "idle" means nothing is due. (With accounts past
        // the 45-day rule, the daemon's first reconcile deactivates them and
        // starts their alert and reactivation runs: work, not idleness.)
        runtime.block_on(super::inventory::fill_quiet_accounts(&*store, accounts));
        // Dropped here: the daemon opens the store alone.
    }
    let mut child = garita(&store_dir)
        .arg("daemon")
        .arg("--workflows")
        .arg(root().join("workflows"))
        .env("GARITA_NOW", super::inventory::now().to_rfc3339())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("garita daemon starts");
    let status_path = format!("/proc/{}/status", child.id());
    // Start-up (opening the store, loading workflows, the first tick) is
    // over well within this; the samples after it are the idle state.
    std::thread::sleep(Duration::from_secs(3));
    let mut samples = Vec::new();
    let mut hwm = 0.0;
    for _ in 0..10 {
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the daemon exited early"
        );
        let status = std::fs::read_to_string(&status_path).expect("read /proc status");
        samples.push(status_kib(&status, "VmRSS:") / 1024.0);
        hwm = status_kib(&status, "VmHWM:") / 1024.0;
        std::thread::sleep(Duration::from_millis(200));
    }
    child.kill().expect("stop the daemon");
    child.wait().expect("reap the daemon");
    DaemonFigures {
        rss_mib: median(samples),
        hwm_mib: hwm,
        accounts,
    }
}

/// The number of a `/proc/PID/status` line such as `VmRSS:   1234 kB`.
pub fn status_kib(status: &str, key: &str) -> f64 {
    status
        .lines()
        .find_map(|line| line.strip_prefix(key))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{key} in /proc status"))
}
