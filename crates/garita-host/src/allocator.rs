//! Handing the memory the process freed back to the system.
//!
//! glibc's allocator keeps what a thread freed in that thread's arena and
//! returns pages only from the top of each heap, so after a burst of work
//! (10,000 runs, a console under load) pages whose objects are all freed
//! stay resident for ever. `malloc_trim(0)` gives back every whole free page
//! of every arena; live objects are untouched. It lives here, not in the
//! daemon, because unsafe code is kept to the SDK and the host.

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
    use super::release_freed_memory;

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
