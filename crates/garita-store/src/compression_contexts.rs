//! The zstd contexts sled keeps between pages, dropped when the store is
//! expected to stay quiet.
//!
//! sled keeps up to two compression and two decompression contexts between
//! uses (vendor/sled/GARITA-PATCH.md, 6 and 8), about 0.5 MB after a burst
//! of writes: memory a daemon that then sits idle for hours does not need.

/// Drops the idle contexts and returns how many it dropped. Safe at any
/// time: a page compressed or read meanwhile takes or makes its own
/// context, and the next one after makes a new context, which costs about
/// as much as compressing one page.
pub fn drop_idle_compression_contexts() -> usize {
    sled::release_idle_compression_contexts()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(i: u32) -> Vec<u8> {
        format!("record {i} of a compressed store, {}", "x".repeat(40)).into_bytes()
    }

    #[test]
    fn dropped_contexts_are_made_again_and_every_page_still_reads() {
        let dir = tempfile::tempdir().expect("temp dir");
        // The reopen below waits for sled's I/O threads to let go of the
        // lock of the handle just dropped.
        let open = || {
            let config = crate::sled_config(dir.path())
                .expect("config")
                .cache_capacity(64 * 1024);
            crate::open::open_waiting_for_lock(&config)
                .expect("sled does not panic")
                .expect("open")
        };
        let db = open();
        let tree = db.open_tree("t").expect("tree");
        for i in 0..6_000u32 {
            tree.insert(i.to_be_bytes(), value(i)).expect("insert");
        }
        db.flush().expect("flush");
        // A 64 KiB cache holds a few pages: reading every record back
        // decompresses most pages from the log, so the pool then holds a
        // decompression context as well as the compression one. (A test
        // running beside this one may hold one of them for a moment; not
        // both, as nothing else in this binary drops them.)
        let read_all = || {
            for i in 0..6_000u32 {
                let got = tree.get(i.to_be_bytes()).expect("get").expect("present");
                assert_eq!(&got[..], &value(i)[..], "record {i}");
            }
        };
        read_all();
        assert!(
            drop_idle_compression_contexts() > 0,
            "a store that compressed and read pages kept contexts to drop"
        );
        // Contexts are made again for the pages read and written next.
        read_all();
        for i in 6_000..7_000u32 {
            tree.insert(i.to_be_bytes(), value(i)).expect("insert");
        }
        db.flush().expect("flush");
        drop_idle_compression_contexts();
        drop(tree);
        drop(db);

        let db = open();
        let tree = db.open_tree("t").expect("tree");
        assert_eq!(tree.len(), 7_000);
        for i in (0..7_000u32).step_by(7) {
            let got = tree.get(i.to_be_bytes()).expect("get").expect("present");
            assert_eq!(&got[..], &value(i)[..], "record {i} after reopening");
        }
    }
}
