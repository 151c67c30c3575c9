//! Memory a burst of work leaves behind, given back once it is over.
//!
//! Three things keep a quiet daemon larger than its work needs: pages and
//! segment buffers sled has let go of, which wait in its epoch collector
//! until some thread pins again ([`garita_store::free_deferred_pages`]);
//! the zstd contexts sled keeps for the next page
//! ([`garita_store::drop_idle_compression_contexts`]); and the pages the C
//! allocator keeps free in its arenas
//! ([`garita_host::release_freed_memory`]). The daemon calls
//! [`release_after_burst`] when it has gone quiet; nothing a reader or a
//! writer still holds is touched.

/// Frees sled's deferred pages and idle zstd contexts, then gives the
/// allocator's free pages back to the system. Returns whether the
/// allocator gave anything back. It walks every arena: call it off the
/// async runtime's worker threads.
pub fn release_after_burst() -> bool {
    // First, so that what the collector frees is among what goes back.
    garita_store::free_deferred_pages();
    garita_store::drop_idle_compression_contexts();
    garita_host::release_freed_memory()
}

