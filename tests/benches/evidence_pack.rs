//! The evidence-pack row of the report alone (issue 22): a year of
//! `GARITA_BENCH_EVIDENCE_ACCOUNTS` accounts (default 10,000) built with the
//! release `garita`, then `garita evidence pack` of it timed, by the same
//! code as the report's row: `cargo bench -p tests --bench evidence_pack`.
//! `GARITA_BENCH_BINARY=PATH` measures another build of garita.

mod common;

use common::evidence::{pack_a_year, TARGET_PACK_SECS};
use common::stats::env_number;

fn main() {
    common::release::release_garita();
    let accounts = env_number("GARITA_BENCH_EVIDENCE_ACCOUNTS", 10_000).max(1);
    let dir = tempfile::tempdir().expect("temp dir");
    let started = std::time::Instant::now();
    let pack = pack_a_year(dir.path(), accounts);
    println!(
        "evidence pack, {accounts} accounts, a year of entries: {:.1} s ({} entries; target < {TARGET_PACK_SECS} s: {}); verify {:.1} s; the year took {:.0} s to build",
        pack.seconds,
        pack.entries,
        if pack.seconds < TARGET_PACK_SECS { "pass" } else { "FAIL" },
        pack.verify_seconds,
        started.elapsed().as_secs_f64() - pack.seconds - pack.verify_seconds,
    );
}
