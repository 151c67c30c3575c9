//! Five years of the shipped workflows over 1,000 accounts in virtual time,
//! with retention on (issue 23, item 4), alone:
//! `cargo bench -p tests --bench five_years`;
//! `GARITA_BENCH_ACCOUNTS` sets the accounts (default 1,000),
//! `GARITA_BENCH_BINARY=PATH` measures another build of garita.

mod common;

use common::five_years::{
    five_years, ACCOUNTS, FROM, RETENTION_DAYS, TARGET_COMMAND_MS, TARGET_DAEMON_MIB,
    TARGET_SIMULATION_SECS, TARGET_STORE_MIB, TO,
};
use common::stats::env_number;

fn main() {
    common::release::release_garita();
    let accounts = env_number("GARITA_BENCH_ACCOUNTS", ACCOUNTS).max(1);
    let dir = tempfile::tempdir().expect("temp dir");
    let f = five_years(dir.path(), accounts);
    println!(
        "{accounts} accounts, {FROM} to {TO}, retention {RETENTION_DAYS} days; audit verify passed"
    );
    println!("{}", f.totals);
    println!(
        "simulation: {:.1} s (target < {TARGET_SIMULATION_SECS} s)",
        f.simulation_secs
    );
    println!(
        "store at the end: {:.1} MiB (target < {TARGET_STORE_MIB} MiB)",
        f.store_bytes as f64 / 1048576.0
    );
    println!(
        "garita daemon on it, idle: VmRSS {:.1} MiB (target < {TARGET_DAEMON_MIB} MiB), peak {:.1} MiB",
        f.daemon_mib, f.daemon_peak_mib
    );
    println!(
        "garita accounts list on it: {:.1} ms median of 5 (target < {TARGET_COMMAND_MS} ms), first {:.1} ms",
        f.command_ms, f.first_command_ms
    );
}
