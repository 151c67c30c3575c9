//! The page cache bounds what a pass over a store with compressed pages
//! keeps in memory too (vendor/sled/GARITA-PATCH.md, 6).
//!
//! sled counted a page in its cache at its size in the log, which for a
//! compressed page is what zstd made of it: these records shrink many
//! times over, so a 1 MiB cache held far more than a MiB of pages.

mod cache_pass;
mod rss_anon;

/// Not a test of its own: the writing half, run by the test below in a
/// child process.
#[test]
#[ignore = "run by a_pass_over_a_compressed_store_keeps_about_the_cache"]
fn write_the_compressed_store() {
    cache_pass::write_the_store(true, cache_pass::LARGE);
}

#[test]
fn a_pass_over_a_compressed_store_keeps_about_the_cache() {
    let (grown_mib, read) = cache_pass::pass("write_the_compressed_store", true, cache_pass::LARGE);
    // Measured on the development VM: 31.7 MiB when sled counted the pages
    // at their compressed size, 3.3 MiB since.
    assert!(
        grown_mib < 8.0,
        "a pass over {} MB of compressed pages with a 1 MiB cache kept {grown_mib:.1} MiB",
        read / 1_000_000
    );
}
