//! The idle daemon's resident memory alone (the last row of the report):
//! `cargo bench -p tests --bench idle_daemon`; `GARITA_BENCH_BINARY=PATH`
//! measures another build of garita the same way.

mod common;

use common::process::{idle_daemon, TARGET_DAEMON_MIB};

/// Accounts in the store, as in the report.
const ACCOUNTS: usize = 10_000;

fn main() {
    common::release::release_garita();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let figures = idle_daemon(&runtime, dir.path(), ACCOUNTS);
    println!(
        "garita daemon idle, {} accounts: VmRSS {:.1} MiB (peak {:.1}), target < {TARGET_DAEMON_MIB} MiB",
        figures.accounts, figures.rss_mib, figures.hwm_mib
    );
}
