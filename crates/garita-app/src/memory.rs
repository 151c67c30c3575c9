//! Memory a burst of work leaves behind, given back once it is over, and
//! the allocator setting that keeps less of it behind.
//!
//! Three things keep a quiet daemon larger than its work needs: pages and
//! segment buffers sled has let go of, which wait in its epoch collector
//! until some thread pins again ([`garita_store::free_deferred_pages`]);
//! the zstd contexts sled keeps for the next page
//! ([`garita_store::drop_idle_compression_contexts`]); and the pages the C
//! allocator keeps free in its arenas
//! ([`garita_host::release_freed_memory`]). The daemon calls
//! [`release_after_burst`] when it has gone quiet; nothing a reader or a
//! writer still holds is touched. Every process first caps the allocator's
//! arenas ([`limit_allocator_arenas`]), so that a burst's garbage lands in
//! fewer heaps.

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

/// Caps the C allocator's arenas at one per core (at least two), for the
/// whole process: call it first thing, before the async runtime starts its
/// threads. See [`garita_host::limit_arenas`] for why.
pub fn limit_allocator_arenas() -> bool {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    garita_host::limit_arenas(cores)
}
