//! The daemon's memory and the store's bytes after many runs (issue 23),
//! alone: `cargo bench -p tests --bench daemon_history`;
//! `GARITA_BENCH_HISTORY_RUNS` sets the runs (default 10,000),
//! `GARITA_BENCH_BINARY=PATH` measures another build of garita.

mod common;

use common::history::{daemon_with_history, TARGET_BYTES_PER_RUN, TARGET_RSS_RATIO};
use common::stats::env_number;

fn main() {
    common::release::release_garita();
    let runs = env_number("GARITA_BENCH_HISTORY_RUNS", 10_000).max(1);
    let dir = tempfile::tempdir().expect("temp dir");
    let f = daemon_with_history(dir.path(), runs, 4);
    println!(
        "garita daemon: VmRSS idle {:.1} MiB, after {} runs {:.1} MiB ({:.2}x, target <= {TARGET_RSS_RATIO}x), peak {:.1} MiB; the runs took {:.1} s",
        f.idle_mib,
        f.runs,
        f.after_mib,
        f.after_mib / f.idle_mib,
        f.peak_mib,
        f.runs_secs
    );
    println!(
        "bytes per finished 3-step run: {:.0} on disk, all included (target < {TARGET_BYTES_PER_RUN:.0})",
        f.disk_bytes_per_run
    );
    for (tree, bytes) in &f.tree_bytes_per_run {
        println!("  tree {tree:<16} {bytes:>8.0} B per run (keys + values)");
    }
}
