//! Handing the memory the process freed back to the system, and keeping
//! large blocks out of the arenas in the first place.
//!
//! glibc's allocator keeps what a thread freed in that thread's arena and
//! returns pages only from the top of each heap, so after a burst of work
//! (10,000 runs, a console under load) pages whose objects are all freed
//! stay resident for ever. `malloc_trim(0)` gives back every whole free page
//! of every arena; live objects are untouched. It lives here, not in the
//! daemon, because unsafe code is kept to the SDK and the host.

/// Has the C allocator map every block of `bytes` or more on its own
/// (and unmap it when freed) instead of carving it from an arena, and stop
/// raising that threshold by itself. Returns whether the allocator took
/// the setting; always `false` off glibc.
///
/// glibc starts at 128 KiB but raises the threshold to the size of any
/// mapped block freed, so a long-running process soon carves its large
/// buffers (sled's 128 KiB segment buffers, a console page's HTML) from
/// the arenas, where small objects that outlive them settle in the holes
/// they leave and keep those pages resident. A fixed 64 KiB threshold took
/// the daemon after 10,000 runs 0.5 to 0.9 MiB lower (three pairs of runs,
/// docs/performance.md, session 21).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn map_large_blocks_apart(bytes: usize) -> bool {
    extern "C" {
        fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
    }
    // glibc's <malloc.h>: M_MMAP_THRESHOLD.
    const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
    let Ok(value) = std::ffi::c_int::try_from(bytes) else {
        return false;
    };
    // SAFETY: mallopt takes two integers and no pointer; glibc applies the
    // setting under its own lock, and it only decides how later blocks are
    // allocated (a block already allocated is freed the way it was made).
    unsafe { mallopt(M_MMAP_THRESHOLD, value) == 1 }
}

/// Off glibc: nothing to do.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn map_large_blocks_apart(_bytes: usize) -> bool {
    false
}

/// Asks the C allocator to return its free pages to the system. Returns
/// whether it gave anything back; always `false` off glibc (musl's and other
/// systems' allocators return memory by themselves or have no such call).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn release_freed_memory() -> bool {
    extern "C" {
        fn malloc_trim(pad: usize) -> std::ffi::c_int;
    }
    // SAFETY: malloc_trim takes no pointer and reads no caller state; glibc
    // locks each arena while it trims it, so concurrent allocations in other
    // threads stay correct (they wait for that arena).
    unsafe { malloc_trim(0) == 1 }
}

/// Off glibc: nothing to do.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_freed_memory() -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::{map_large_blocks_apart, release_freed_memory};

    /// glibc's counters (`mallinfo2`): bytes in blocks mapped apart, and
    /// the main arena's free top, from which a block is carved first.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn mapped_apart_and_top() -> (usize, usize) {
        #[repr(C)]
        struct MallInfo2 {
            arena: usize,
            ordblks: usize,
            smblks: usize,
            hblks: usize,
            hblkhd: usize,
            usmblks: usize,
            fsmblks: usize,
            uordblks: usize,
            fordblks: usize,
            keepcost: usize,
        }
        extern "C" {
            fn mallinfo2() -> MallInfo2;
        }
        // SAFETY: mallinfo2 takes nothing and returns a plain struct of
        // counters, laid out as glibc's <malloc.h> declares it.
        let info = unsafe { mallinfo2() };
        (info.hblkhd, info.keepcost)
    }

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn a_block_the_arena_would_grow_for_is_mapped_apart() {
        // Freeing a mapped 10 MiB block raises glibc's own threshold to
        // 10 MiB: from then on, it would grow an arena for anything less.
        drop(vec![1u8; 10 << 20]);
        assert!(map_large_blocks_apart(64 * 1024));
        let (before, top) = mapped_apart_and_top();
        // Larger than the arena's free top, so the arena cannot carve it.
        let size = (4 << 20).max(top + (256 << 10));
        let block = vec![7u8; size];
        let (during, _) = mapped_apart_and_top();
        assert!(
            during >= before + size,
            "a block of {size} bytes with a 64 KiB threshold: {before} bytes mapped apart before, {during} after"
        );
        drop(block);
        assert!(mapped_apart_and_top().0 < during, "freeing it unmapped it");
        assert!(!map_large_blocks_apart(usize::MAX));
    }

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn freed_pages_go_back_and_live_objects_survive() {
        // Many small blocks (below the mmap threshold, so they come from the
        // heap), all but the last freed: the free pages sit under a live
        // object, where only a trim returns them.
        let mut blocks: Vec<Vec<u8>> = (0..4096).map(|i| vec![(i % 251) as u8; 4000]).collect();
        let keep = blocks.pop().expect("4096 blocks");
        drop(blocks);
        assert!(
            release_freed_memory(),
            "16 MB of freed blocks gave nothing back"
        );
        assert!(keep.iter().all(|&b| b == (4095 % 251) as u8));
    }
}
