//! The first write to a store does not cost sled's metrics histograms
//! (vendor/sled/GARITA-PATCH.md, 4).
//!
//! sled 0.34.7 builds its metrics (some forty histograms of 2^16 buckets
//! each, 21 MB) the first time anything touches them, which every write
//! does, even with its default `no_metrics` feature, which records nothing.
//! Whether the zeroed buckets became resident memory depended on the
//! optimiser: at `opt-level = 3` LLVM turned the zeroing into `calloc` and
//! the pages stayed untouched; at `opt-level = "s"` or in a debug build they
//! were 21 MB of every writing process (a `garita run` peaked at 41 MiB
//! instead of 24). This is its own test binary so that the process's
//! resident memory is this test's alone.

mod rss_anon;

use rss_anon::rss_anon_kib;

#[test]
fn the_first_write_costs_no_histograms() {
    let dir = tempfile::tempdir().expect("temp dir");
    let before = rss_anon_kib();
    let db = sled::Config::new()
        .path(dir.path())
        .cache_capacity(1024 * 1024)
        .open()
        .expect("open");
    let tree = db.open_tree("records").expect("tree");
    // Opening a store writes its log, and so builds the metrics; so do
    // the writes, which split a node, and the flush (as every commit).
    for i in 0..64u32 {
        tree.insert(i.to_be_bytes(), vec![7u8; 100])
            .expect("insert");
    }
    db.flush().expect("flush");
    let grown_mib = rss_anon_kib().saturating_sub(before) as f64 / 1024.0;
    // Measured in a debug build: 21.2 MiB before the patch, 0.5 MiB
    // after. The bound is far from both.
    assert!(
        grown_mib < 8.0,
        "opening a store and 64 small writes grew resident memory by {grown_mib:.1} MiB"
    );
}
