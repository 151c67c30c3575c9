//! The page cache bounds what a pass keeps when records are small too
//! (vendor/sled/GARITA-PATCH.md, 7).
//!
//! sled counted a decoded node by its keys' and values' lengths alone. A
//! small record takes far more than that in memory: two 40-byte slots in
//! the leaf's vectors and, past 22 bytes, its own block for the value. The
//! audit entries, events and run summaries Garita writes are such records,
//! so a cache of N MiB held two to three times N.

mod cache_pass;
mod rss_anon;

/// 240,000 records of 40 bytes each: 9.6 MB of values, 31 MB once decoded.
const SMALL: cache_pass::Shape = cache_pass::Shape {
    records: 240_000,
    value_bytes: 40,
};

/// Not a test of its own: the writing half, run by the test below in a
/// child process.
#[test]
#[ignore = "run by a_pass_over_small_records_keeps_about_the_cache"]
fn write_the_small_records() {
    cache_pass::write_the_store(true, SMALL);
}

#[test]
fn a_pass_over_small_records_keeps_about_the_cache() {
    let (grown_mib, read) = cache_pass::pass("write_the_small_records", true, SMALL);
    assert!(
        grown_mib < 2.5,
        "a pass over {} MB of small records with a 1 MiB cache kept {grown_mib:.1} MiB",
        read / 1_000_000
    );
}
