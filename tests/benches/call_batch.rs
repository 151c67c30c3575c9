//! `garita call CONNECTOR.ACTION -` as a whole process: lines per second for
//! each identifier validator, JSON lines in and out, with the release binary.
//!
//! `cargo bench -p tests --bench call_batch` (GARITA_BENCH_LINES sets the size).

mod common;

use common::call_batch::{measure, CASES, TARGET_LINES_PER_SEC};

fn main() {
    let n = common::stats::env_number("GARITA_BENCH_LINES", 200_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("store");
    println!("garita call ACTION - (release build, whole process, {n} JSON lines each)");
    println!(
        "{:<28} {:>14} {:>10} {:>10}",
        "action", "lines/s", "invalid", "target"
    );
    let mut worst = f64::MAX;
    for case in &CASES {
        let batch = measure(&store, case, n);
        worst = worst.min(batch.lines_per_sec);
        println!(
            "{:<28} {:>14.0} {:>10} {:>10}",
            case.action,
            batch.lines_per_sec,
            batch.invalid,
            format!(">={TARGET_LINES_PER_SEC}")
        );
    }
    println!();
    println!(
        "slowest validator: {worst:.0} lines/s ({})",
        if worst >= TARGET_LINES_PER_SEC {
            "meets the target"
        } else {
            "BELOW the target"
        }
    );
}
