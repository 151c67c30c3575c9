//! One pass over a store written by a child process, and what it kept in
//! memory: shared by `cache_bound.rs` (plain pages),
//! `cache_bound_compressed.rs` (zstd pages) and `cache_bound_small.rs`
//! (small records), each its own test binary so that the process's
//! resident memory is that test's alone.
//!
//! The store is written by a child process so that the memory writing
//! frees (which the allocator keeps and the pass would reuse) is not in the
//! measuring process.

use std::time::Duration;

use crate::rss_anon::rss_anon_kib;

/// The records a store is written with.
#[derive(Clone, Copy)]
pub struct Shape {
    pub records: usize,
    pub value_bytes: usize,
}

/// About 24 MB of records, many times the cache. (`cache_bound_small.rs`
/// has a shape of its own, so in that test binary this is unused.)
#[allow(dead_code)]
pub const LARGE: Shape = Shape {
    records: 48_000,
    value_bytes: 500,
};
/// The cache the pass runs with.
pub const CACHE: u64 = 1024 * 1024;

/// Where the child writes the store.
const STORE_VAR: &str = "GARITA_CACHE_BOUND_STORE";

fn config(dir: &std::path::Path, compressed: bool) -> sled::Config {
    sled::Config::new()
        .path(dir)
        .use_compression(compressed)
        .cache_capacity(CACHE)
}

/// The writing half, in the child: does nothing unless the parent set
/// the store's path.
pub fn write_the_store(compressed: bool, shape: Shape) {
    let Some(dir) = std::env::var_os(STORE_VAR) else {
        return;
    };
    let db = config(dir.as_ref(), compressed).open().expect("open");
    let tree = db.open_tree("records").expect("tree");
    for i in 0..shape.records {
        let value = vec![(i % 251) as u8; shape.value_bytes];
        tree.insert(format!("record{i:08}").as_bytes(), value)
            .expect("insert");
    }
    db.flush().expect("flush");
}

/// Has the test named `writer` write the store in a child, then reads
/// every record once; the MiB of anonymous memory the pass kept and the
/// bytes it read.
pub fn pass(writer: &str, compressed: bool, shape: Shape) -> (f64, usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let written = std::process::Command::new(std::env::current_exe().expect("this test"))
        .args(["--exact", writer, "--ignored", "--quiet"])
        .env(STORE_VAR, dir.path())
        .status()
        .expect("the writing child runs");
    assert!(written.success(), "the writing child failed");
    // Only the pass reads the pages, from disk.
    let db = config(dir.path(), compressed).open().expect("open");
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
    assert!(
        read > shape.records * shape.value_bytes,
        "the pass read everything"
    );
    eprintln!("the pass read {read} B and kept {grown_mib:.1} MiB");
    (grown_mib, read)
}
