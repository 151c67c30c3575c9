//! Durable step transitions per second, next to raw sled insert+flush per
//! second measured in the same run, on the same disk, with the same
//! durability policy (sled flush + fdatasync).
//!
//! The side-effect-free row shows how many events share a flush when fast
//! steps need no commit of their own.
//!
//! `cargo bench -p tests --bench durable_steps` (set GARITA_BENCH_STEPS to change the size).

mod common;

use common::durable::{engine_runs, engine_runs_of, raw_sled, TARGET_RATIO};

fn main() {
    let steps = common::stats::env_number("GARITA_BENCH_STEPS", 300);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let tmp = tempfile::tempdir().expect("tempdir");

    let raw = raw_sled(&tmp.path().join("raw"), steps * 2);
    let one = runtime.block_on(engine_runs(&tmp.path().join("one"), 1, steps));
    let many16 = runtime.block_on(engine_runs(&tmp.path().join("c16"), 16, steps / 8));
    let many64 = runtime.block_on(engine_runs(&tmp.path().join("c64"), 64, steps / 16));
    // Fast side-effect-free steps share commits (bounded by count and by age).
    let pure = runtime.block_on(engine_runs_of(&tmp.path().join("pure"), 1, steps, false));

    println!("durable step transitions (sled flush + fdatasync per commit)");
    println!(
        "{:<34} {:>12} {:>12} {:>14} {:>10}",
        "case", "events/s", "steps/s", "events/flush", "ratio"
    );
    println!(
        "{:<34} {:>12.0} {:>12} {:>14} {:>10}",
        "raw sled insert+flush", raw, "-", "1.0", "1.00"
    );
    for (name, m) in [
        ("engine, 1 run", &one),
        ("engine, 16 concurrent runs", &many16),
        ("engine, 64 concurrent runs", &many64),
        ("engine, 1 run, side-effect-free", &pure),
    ] {
        println!(
            "{:<34} {:>12.0} {:>12.0} {:>14.1} {:>10.2}",
            name,
            m.events_per_sec,
            m.steps_per_sec,
            m.events_per_flush,
            m.events_per_sec / raw
        );
    }
    println!();
    println!(
        "ratio (1 run events/s / raw insert+flush/s): {:.2}  (target >= {TARGET_RATIO})",
        one.events_per_sec / raw
    );
    println!(
        "concurrency gain (64 runs / 1 run, events/s): {:.2}x  (target > 1)",
        many64.events_per_sec / one.events_per_sec
    );
}
