//! Pages sled replaced or evicted, freed now rather than whenever the
//! thread that dropped them next gets round to it.
//!
//! sled frees a page, and a full segment buffer (128 KiB), only once no
//! thread can still read it, through crossbeam's epoch collector: each
//! thread keeps up to 64 such items in a bag of its own, and full bags wait
//! in a global queue that is collected a few bags at a time, every 128
//! times some thread pins. A daemon that goes quiet after a burst stops
//! pinning, so its last bags stay allocated until the next burst: heaptrack
//! found 1.2 MB of them after 10,000 runs, half of it segment buffers
//! (docs/performance.md, session 20).

/// Hands the calling thread's bag to the global queue and collects what
/// has expired, as far as one call goes (a few bags). No I/O; a few atomic
/// operations when there is nothing to free.
pub(crate) fn hand_over_this_threads_pages() {
    sled::crossbeam_pin().flush();
}

/// Frees what the collector holds that no thread can still read: the
/// calling thread's bag and the global queue. Other threads' bags stay
/// theirs; the store's commit thread hands its own over whenever its queue
/// runs dry. For a daemon that has just gone quiet.
pub fn free_deferred_pages() {
    // Each call collects up to eight bags and may move the epoch on, which
    // is what lets a later call free the bags sealed before it; 64 calls
    // drain what a burst of 10,000 runs leaves, in microseconds.
    for _ in 0..64 {
        hand_over_this_threads_pages();
    }
}
