//! A `garita` command routed through the running daemon's control API, as a
//! whole process (start, find the daemon, send, replay, exit), against the
//! 20 ms target; the same command with no daemon (the store opened directly)
//! side by side. Release build.
//!
//! `cargo bench -p tests --bench routed_command` (GARITA_BENCH_RUNS sets the
//! number of timed runs per command, default 60).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// What a routed command may take, whole process.
const TARGET: Duration = Duration::from_millis(20);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// `target/release/garita`, built on first use.
fn release_garita() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--release", "-p", "garita-cli"])
            .current_dir(root())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the release garita failed");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root().join("target"));
        target.join("release").join("garita")
    })
}

fn garita(store: &Path) -> Command {
    let mut cmd = Command::new(release_garita());
    cmd.arg("--store").arg(store);
    cmd.env_remove("GARITA_NOW")
        .env_remove("GARITA_STORE")
        .env_remove("RUST_LOG");
    cmd.current_dir(root());
    cmd
}

fn ok(cmd: &mut Command) {
    let out = cmd.output().expect("garita starts");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Wall times of `n` runs of `garita ARGS` (after two warm-up runs).
fn time(store: &Path, args: &[&str], n: usize) -> Vec<Duration> {
    for _ in 0..2 {
        ok(garita(store).args(args));
    }
    (0..n)
        .map(|_| {
            let started = Instant::now();
            ok(garita(store).args(args).stdout(Stdio::null()));
            started.elapsed()
        })
        .collect()
}

/// Median and 95th percentile.
fn summary(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    (at(0.5), at(0.95))
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn start_daemon(store: &Path, workflows: &Path) -> Child {
    let child = garita(store)
        .args(["daemon", "--workflows"])
        .arg(workflows)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("garita daemon starts");
    let started = Instant::now();
    // Ready when `runs list` goes through it (the socket answers).
    while !store.join("control.sock").exists() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the daemon never listened"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

fn main() {
    let n = std::env::var("GARITA_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60usize)
        .max(5);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("store");
    let workflows = dir.path().join("workflows");
    std::fs::create_dir(&workflows).expect("workflows dir");
    ok(garita(&store).args([
        "accounts",
        "add",
        "--portal",
        "ctpat",
        "--account",
        "ana@example.com",
        "--holder-name",
        "Ana Pérez",
        "--holder-email",
        "ana@example.com",
        "--company",
        "Acme Imports",
        "--tax-id",
        "12-3456789",
    ]));
    let commands: [&[&str]; 3] = [
        &["runs", "list"],
        &["accounts", "list"],
        &[
            "accounts",
            "touch",
            "ctpat:ana@example.com",
            "--at",
            "2026-11-02",
        ],
    ];
    println!("garita as a whole process, release build, {n} runs each (median / p95)");
    let direct: Vec<_> = commands
        .iter()
        .map(|args| summary(time(&store, args, n)))
        .collect();
    let mut daemon = start_daemon(&store, &workflows);
    let routed: Vec<_> = commands
        .iter()
        .map(|args| summary(time(&store, args, n)))
        .collect();
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(daemon.id().to_string())
        .status();
    let _ = daemon.wait();
    println!(
        "{:<52} {:>20} {:>20} {:>8}",
        "command", "through the daemon", "direct (no daemon)", "target"
    );
    let mut worst = Duration::ZERO;
    for (i, args) in commands.iter().enumerate() {
        let (r50, r95) = routed[i];
        let (d50, d95) = direct[i];
        worst = worst.max(r50);
        println!(
            "{:<52} {:>20} {:>20} {:>8}",
            format!("garita {}", args.join(" ")),
            format!("{} / {}", ms(r50), ms(r95)),
            format!("{} / {}", ms(d50), ms(d95)),
            format!("<{}", ms(TARGET))
        );
    }
    println!();
    println!(
        "slowest routed median: {} ({})",
        ms(worst),
        if worst < TARGET {
            "meets the 20 ms target"
        } else {
            "ABOVE the 20 ms target"
        }
    );
}
