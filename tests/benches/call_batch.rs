//! `garita call CONNECTOR.ACTION -` as a whole process: lines per second for
//! each identifier validator, JSON lines in and out, with the release binary.
//!
//! `cargo bench -p tests --bench call_batch` (GARITA_BENCH_LINES sets the size).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn release_garita() -> PathBuf {
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
}

/// Runs one batch and returns (lines/s, lines that came out invalid).
fn measure(bin: &Path, store: &Path, action: &str, lines: &[String]) -> (f64, usize) {
    let mut input = String::with_capacity(lines.len() * 40);
    for line in lines {
        input.push_str(line);
        input.push('\n');
    }
    let start = Instant::now();
    let mut child = Command::new(bin)
        .arg("--store")
        .arg(store)
        .args(["call", action, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("garita starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("garita finishes");
    writer.join().expect("writer thread").expect("write stdin");
    let elapsed = start.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&output.stdout);
    let out_lines = text.lines().count();
    assert_eq!(out_lines, lines.len(), "one output line per input line");
    let invalid = text
        .lines()
        .filter(|l| l.contains("\"valid\":false") || l.contains("\"error\""))
        .count();
    (lines.len() as f64 / elapsed, invalid)
}

fn main() {
    let n: usize = std::env::var("GARITA_BENCH_LINES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000);
    let bin = release_garita();
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: [(&str, &str, [&str; 4]); 4] = [
        (
            "ecuapass.validate_cedula",
            "cedula",
            ["1710034065", "0926687856", "1710034066", "17-1003-4065"],
        ),
        (
            "ecuapass.validate_ruc",
            "ruc",
            [
                "1790011674001",
                "1710034065001",
                "1760001550001",
                "1790011674000",
            ],
        ),
        (
            "anam.validate_rfc",
            "rfc",
            [
                "GODE561231GR8",
                "SAT970701NN3",
                "XAXX010101000",
                "GODE561331GR8",
            ],
        ),
        (
            "anam.validate_curp",
            "curp",
            [
                "GODE561231HDFRRN09",
                "BADD110313HCMLNS09",
                "XXXX991301HDFRRN00",
                "GODE561231HDFRRN01",
            ],
        ),
    ];
    println!("garita call ACTION - (release build, whole process, {n} JSON lines each)");
    println!(
        "{:<28} {:>14} {:>10} {:>10}",
        "action", "lines/s", "invalid", "target"
    );
    let mut worst = f64::MAX;
    for (action, field, samples) in cases {
        let lines: Vec<String> = (0..n)
            .map(|i| format!("{{\"{field}\":\"{}\"}}", samples[i % samples.len()]))
            .collect();
        let (rate, invalid) = measure(&bin, &dir.path().join("store"), action, &lines);
        worst = worst.min(rate);
        println!("{action:<28} {rate:>14.0} {invalid:>10} {:>10}", ">=100000");
    }
    println!();
    println!(
        "slowest validator: {worst:.0} lines/s ({})",
        if worst >= 100_000.0 {
            "meets the target"
        } else {
            "BELOW the target"
        }
    );
}
