//! Durable-commit throughput of `SledStore`, side by side with raw sled under
//! the same flush policy, single writer against concurrent writers.
//!
//! `cargo bench -p garita-store` prints one table per durability level. The
//! rows are measured in interleaved rounds and each cell is the median over
//! the rounds, so a burst of other disk traffic skews one round, not one row.
//! `GARITA_BENCH_ROUNDS` sets the rounds (default 5), `GARITA_BENCH_SECS` the
//! seconds per row and round (default 1);
//! `GARITA_BENCH_DIR` the directory the stores are made in (default: the
//! system temp dir; put it on the disk you want to measure).

use std::fs::File;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use garita_engine::{RunEvent, RunRecord, RunStatus, Store};
use garita_store::{Durability, SledStore, StoreOptions};

/// Concurrent writer counts measured.
const WRITER_COUNTS: [usize; 3] = [1, 8, 64];

/// One measured row.
struct Row {
    name: String,
    ops_per_sec: f64,
    events_per_flush: Option<f64>,
}

fn main() {
    let secs = env_number("GARITA_BENCH_SECS", 1.0);
    let rounds = env_number("GARITA_BENCH_ROUNDS", 5.0).max(1.0) as usize;
    let budget = Duration::from_secs_f64(secs);
    let base = std::env::var_os("GARITA_BENCH_DIR").map_or_else(std::env::temp_dir, Into::into);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");

    println!(
        "durable commit throughput: median of {rounds} interleaved rounds of {secs} s per row; stores under {}",
        base.display()
    );
    for durability in [Durability::PowerLoss, Durability::ProcessCrash] {
        let options = StoreOptions {
            durability,
            ..StoreOptions::default()
        };
        let mut rounds_measured = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let mut round = vec![
                raw_sled(&base, durability, budget),
                runtime.block_on(single_writer(&base, &options, budget)),
            ];
            for writers in WRITER_COUNTS {
                round.push(runtime.block_on(concurrent_writers(&base, &options, writers, budget)));
            }
            rounds_measured.push(round);
        }
        print_table(durability, &medians(rounds_measured));
    }
}

fn env_number(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Per row, the measurement with the median throughput over the rounds.
fn medians(rounds: Vec<Vec<Row>>) -> Vec<Row> {
    let row_count = rounds.first().map_or(0, Vec::len);
    let mut by_row: Vec<Vec<Row>> = (0..row_count).map(|_| Vec::new()).collect();
    for round in rounds {
        for (index, row) in round.into_iter().enumerate() {
            by_row[index].push(row);
        }
    }
    by_row
        .into_iter()
        .map(|mut samples| {
            samples.sort_by(|a, b| a.ops_per_sec.total_cmp(&b.ops_per_sec));
            let middle = samples.len() / 2;
            samples.swap_remove(middle)
        })
        .collect()
}

fn temp_dir(base: &Path) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("garita-bench-")
        .tempdir_in(base)
        .expect("temp dir")
}

/// An event the size of a typical one (a step start).
fn event() -> RunEvent {
    RunEvent::StepStarted {
        step: "notify_compliance_officer".into(),
        attempt: 1,
        at: Utc::now(),
    }
}

fn record(id: String) -> RunRecord {
    let now = Utc::now();
    RunRecord {
        id,
        workflow: "ecuapass-annual-update".into(),
        source: "name: ecuapass-annual-update\nsteps: []\n".repeat(20),
        source_path: "workflows/ecuapass-annual-update.yaml".into(),
        inputs: serde_json::json!({"ruc": "0991234567001", "user": "operador1"}),
        parent: None,
        status: RunStatus::Running,
        created_at: now,
        updated_at: now,
        next_seq: 0,
        wake_at: None,
        error: None,
        scope: serde_json::Value::Null,
    }
}

/// sled alone, in the format of a new store (compressed pages): insert one
/// event-sized value, flush, fdatasync, repeat.
fn raw_sled(base: &Path, durability: Durability, budget: Duration) -> Row {
    let dir = temp_dir(base);
    let db = garita_store::sled_config(dir.path())
        .expect("sled configuration")
        .cache_capacity(garita_store::DEFAULT_CACHE_CAPACITY)
        .mode(sled::Mode::HighThroughput)
        .flush_every_ms(None)
        .open()
        .expect("open sled");
    let db_file = File::open(dir.path().join("db")).expect("open sled's db file");
    let value = serde_json::to_vec(&event()).expect("encode");
    let start = Instant::now();
    let mut ops = 0u64;
    while start.elapsed() < budget {
        db.insert(ops.to_be_bytes(), value.as_slice())
            .expect("insert");
        db.flush().expect("flush");
        if durability == Durability::PowerLoss {
            db_file.sync_data().expect("fdatasync");
        }
        ops += 1;
    }
    Row {
        name: "raw sled insert+flush".into(),
        ops_per_sec: ops as f64 / start.elapsed().as_secs_f64(),
        events_per_flush: Some(1.0),
    }
}

/// One run, one event per append, each awaited.
async fn single_writer(base: &Path, options: &StoreOptions, budget: Duration) -> Row {
    let dir = temp_dir(base);
    let store = SledStore::open(dir.path(), options.clone()).expect("open store");
    let mut run = record("01SINGLE".into());
    store.create_run(&mut run, &[]).await.expect("create");
    let flushes_before = store.flush_count();
    let start = Instant::now();
    let mut ops = 0u64;
    while start.elapsed() < budget {
        store.append(&mut run, &[event()]).await.expect("append");
        ops += 1;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let flushes = store.flush_count() - flushes_before;
    Row {
        name: "Store::append, single writer".into(),
        ops_per_sec: ops as f64 / elapsed,
        events_per_flush: Some(ops as f64 / flushes.max(1) as f64),
    }
}

/// `writers` tokio tasks, each appending to its own run.
async fn concurrent_writers(
    base: &Path,
    options: &StoreOptions,
    writers: usize,
    budget: Duration,
) -> Row {
    let dir = temp_dir(base);
    let store = Arc::new(SledStore::open(dir.path(), options.clone()).expect("open store"));
    let mut runs = Vec::with_capacity(writers);
    for i in 0..writers {
        let mut run = record(format!("01WRITER{i:04}"));
        store.create_run(&mut run, &[]).await.expect("create");
        runs.push(run);
    }
    let flushes_before = store.flush_count();
    let start = Instant::now();
    let tasks: Vec<_> = runs
        .into_iter()
        .map(|mut run| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let mut ops = 0u64;
                while start.elapsed() < budget {
                    store.append(&mut run, &[event()]).await.expect("append");
                    ops += 1;
                }
                ops
            })
        })
        .collect();
    let mut ops = 0u64;
    for task in tasks {
        ops += task.await.expect("writer task");
    }
    let elapsed = start.elapsed().as_secs_f64();
    let flushes = store.flush_count() - flushes_before;
    Row {
        name: format!("Store::append, {writers} concurrent"),
        ops_per_sec: ops as f64 / elapsed,
        events_per_flush: Some(ops as f64 / flushes.max(1) as f64),
    }
}

fn print_table(durability: Durability, rows: &[Row]) {
    let raw = rows[0].ops_per_sec;
    let single = rows[1].ops_per_sec;
    println!();
    println!("durability: {durability:?}");
    println!(
        "{:<32} {:>12} {:>14} {:>10} {:>12}",
        "scenario", "commits/s", "events/flush", "vs raw", "vs single"
    );
    for row in rows {
        let per_flush = row
            .events_per_flush
            .map_or_else(|| "-".into(), |v| format!("{v:.2}"));
        println!(
            "{:<32} {:>12.0} {:>14} {:>10.2} {:>12.2}",
            row.name,
            row.ops_per_sec,
            per_flush,
            row.ops_per_sec / raw,
            row.ops_per_sec / single
        );
    }
    let best = rows[2..].iter().map(|r| r.ops_per_sec).fold(0.0, f64::max);
    println!(
        "append/raw (single writer) = {:.2}; best concurrent/single = {:.2}",
        single / raw,
        best / single
    );
}
