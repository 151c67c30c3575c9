//! What sled defers is freed by `free_deferred_pages` once no thread can
//! read it. One test in its own binary: a store open in a test running
//! beside it could hold the epoch back for a moment and make it flaky.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[test]
fn what_this_thread_and_a_quiet_store_deferred_is_freed_by_the_drain() {
    let freed = Arc::new(AtomicUsize::new(0));
    {
        let guard = sled::crossbeam_pin();
        for _ in 0..10 {
            let freed = freed.clone();
            guard.defer(move || freed.fetch_add(1, Ordering::SeqCst));
        }
    }
    // Fewer than a bag's 64 items: without a flush they would wait for
    // this thread's next 54 deferrals.
    assert_eq!(freed.load(Ordering::SeqCst), 0, "nothing is freed early");
    garita_store::free_deferred_pages();
    assert_eq!(freed.load(Ordering::SeqCst), 10);

    // The same once a store has written many pages through a small cache
    // and gone quiet.
    let dir = tempfile::tempdir().expect("temp dir");
    // As the store opens sled: no flusher thread (it flushes when it
    // commits), whose sleeps would hold the epoch back.
    let db = garita_store::sled_config(dir.path())
        .expect("config")
        .cache_capacity(64 * 1024)
        .flush_every_ms(None)
        .open()
        .expect("open");
    let tree = db.open_tree("t").expect("tree");
    for i in 0..20_000u32 {
        tree.insert(i.to_be_bytes(), vec![7u8; 100])
            .expect("insert");
    }
    db.flush().expect("flush");
    let marker = Arc::new(AtomicUsize::new(0));
    {
        let marker = marker.clone();
        sled::crossbeam_pin().defer(move || marker.fetch_add(1, Ordering::SeqCst));
    }
    // Right after a flush some sled thread may still be pinned, and then
    // the epoch cannot move on (two of three runs failed when the drain
    // came at once). The daemon drains after a quiet second; here, drains
    // are tried for up to five seconds. Nothing else would free the marker:
    // this thread defers nothing more.
    let mut drains = 0;
    while marker.load(Ordering::SeqCst) == 0 && drains < 50 {
        garita_store::free_deferred_pages();
        drains += 1;
        if marker.load(Ordering::SeqCst) == 0 {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
    assert_eq!(
        marker.load(Ordering::SeqCst),
        1,
        "what was deferred after the writes is freed by a drain once the store is quiet"
    );
    drop(tree);
    drop(db);
}
