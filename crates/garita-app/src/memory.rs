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
//! writer still holds is touched. Before that, a daemon keeps its large
//! blocks out of the arenas altogether ([`map_large_blocks_apart`]).

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

/// Blocks of this size or more are mapped apart from the allocator's
/// arenas in a long-running process ([`map_large_blocks_apart`]).
pub const LARGE_BLOCK_BYTES: usize = 64 * 1024;

/// Sets the allocator up for a process that runs for months (the daemon):
/// large blocks mapped on their own, so that freeing one returns its
/// memory at once and leaves no hole for small objects to pin. Call it
/// before the work starts; a one-shot command does not need it.
pub fn map_large_blocks_apart() -> bool {
    garita_host::map_large_blocks_apart(LARGE_BLOCK_BYTES)
}
