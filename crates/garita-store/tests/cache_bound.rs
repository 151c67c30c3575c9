//! The page cache the store opens sled with bounds what a pass over the
//! store keeps in memory (vendor/sled/GARITA-PATCH.md, 3).
//!
//! sled 0.34.7 as published counted a page access only once its shard's
//! block of 64 accesses was full, over 256 shards, so the pages a single
//! pass read were never evicted: reading 24 MB of records kept about 29 MiB
//! of heap whatever `cache_capacity` said. This is its own test binary so
//! that the process's resident memory is this test's alone, and the store
//! is written by a child process so that what writing freed is not reused.

mod rss_anon;

use rss_anon::rss_anon_kib;

use std::time::Duration;

/// Records written, and their size: about 24 MB, many times the cache.
const RECORDS: usize = 48_000;
const VALUE_BYTES: usize = 500;
/// The cache the pass runs with.
const CACHE: u64 = 1024 * 1024;

/// Where the child writes the store.
const STORE_VAR: &str = "GARITA_CACHE_BOUND_STORE";

/// Not a test of its own: the writing half, run by the test below in a
/// child process, so that the memory writing frees (which the allocator
/// keeps and the pass would reuse) is not in the measuring process.
#[test]
#[ignore = "run by a_pass_over_the_store_keeps_about_the_cache"]
fn write_the_store() {
    let Some(dir) = std::env::var_os(STORE_VAR) else {
        return;
    };
    let db = sled::Config::new()
        .path(dir)
        .cache_capacity(CACHE)
        .open()
        .expect("open");
    let tree = db.open_tree("records").expect("tree");
    for i in 0..RECORDS {
        let value = vec![(i % 251) as u8; VALUE_BYTES];
        tree.insert(format!("record{i:08}").as_bytes(), value)
            .expect("insert");
    }
    db.flush().expect("flush");
}

#[test]
fn a_pass_over_the_store_keeps_about_the_cache() {
    let dir = tempfile::tempdir().expect("temp dir");
    let written = std::process::Command::new(std::env::current_exe().expect("this test"))
        .args(["--exact", "write_the_store", "--ignored", "--quiet"])
        .env(STORE_VAR, dir.path())
        .status()
        .expect("the writing child runs");
    assert!(written.success(), "the writing child failed");
    // Only the pass reads the pages, from disk.
    let db = sled::Config::new()
        .path(dir.path())
        .cache_capacity(CACHE)
        .open()
        .expect("open");
    let tree = db.open_tree("records").expect("tree");
    let before = rss_anon_kib();
    let mut read = 0usize;
    for entry in tree.iter() {
        let (key, value) = entry.expect("read");
        read += key.len() + value.len();
    }
    // sled frees evicted pages once no thread can still see them.
    std::thread::sleep(Duration::from_millis(200));
    let grown_mib = rss_anon_kib().saturating_sub(before) as f64 / 1024.0;
    assert!(read > RECORDS * VALUE_BYTES, "the pass read everything");
    // Measured on the development VM: 28.7 MiB before the patch, 1.9 MiB
    // after. The bound is far from both, so only an unbounded cache fails.
    assert!(
        grown_mib < 16.0,
        "a pass over {} MB with a 1 MiB cache kept {grown_mib:.1} MiB",
        read / 1_000_000
    );
}
