//! The daemon's idle cost and the inventory's full recomputation, at
//! 100,000 accounts.
//!
//! The store holds 100,000 CTPAT accounts (indexed by deactivation date) and
//! 100,000 waiting runs, one per account deadline (timers spread over the
//! next 45 days), and the scheduler has 20 daily schedules. It measures:
//!
//! 1. one scheduler tick with nothing due (target: under 1 ms), next to a
//!    tick that would scan every unfinished run instead of the timer index;
//! 2. every account's CTPAT inactivity status from scratch: read the whole
//!    inventory from the store and compute each status (target: under 1 s).
//!
//! `cargo bench -p tests --bench tick` (GARITA_BENCH_ACCOUNTS changes the size).

mod common;

use std::sync::Arc;
use std::time::Instant;

use common::inventory::{
    fill_accounts, fill_timers, idle_tick_us, recompute, scan_tick_ms, scheduler, SCHEDULES,
    TARGET_RECOMPUTE_MS, TARGET_TICK_US,
};
use garita_store::{Durability, SledStore, StoreOptions};

const TICKS: u32 = 2_000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n = common::stats::env_number("GARITA_BENCH_ACCOUNTS", 100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let options = StoreOptions {
        durability: Durability::ProcessCrash,
        ..StoreOptions::default()
    };
    let store = Arc::new(SledStore::open(dir.path(), options).expect("open store"));

    let t = Instant::now();
    fill_accounts(&store, n).await;
    fill_timers(store.clone(), n).await;
    println!(
        "setup: {n} accounts and {n} waiting runs with timers in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let (mut scheduler, clock) = scheduler(store.clone()).await;
    let tick_us = idle_tick_us(&mut scheduler, TICKS).await;
    let next = scheduler.next_due().await.expect("next due");
    let scan_ms = scan_tick_ms(&store, &clock).await;

    println!();
    println!("tick with nothing due ({n} timers, {n} accounts, {SCHEDULES} schedules): {tick_us:.1} µs per tick (target < {TARGET_TICK_US} µs: {:.0}x under)",
        TARGET_TICK_US / tick_us);
    println!(
        "  next due: {}",
        next.map(|t| t.to_rfc3339()).unwrap_or_default()
    );
    println!(
        "  a tick scanning every unfinished run instead would take ~{scan_ms:.0} ms ({:.0}x the indexed tick)",
        scan_ms * 1e3 / tick_us
    );

    let status = recompute(&store).await;
    let total = status.read_ms + status.compute_ms;
    println!();
    println!(
        "status of every account from scratch ({} accounts): {total:.0} ms (target < {TARGET_RECOMPUTE_MS} ms: {:.1}x under)",
        status.accounts,
        TARGET_RECOMPUTE_MS / total
    );
    println!(
        "  reading the inventory: {:.0} ms; computing the statuses: {:.1} ms",
        status.read_ms, status.compute_ms
    );
    println!("  stages: {:?}", status.stages);
}
