//! `limit_arenas` caps the arenas glibc makes for new threads. Its own test
//! binary: the cap is process-wide, and the count below includes every
//! arena the process has made.

/// How many arenas glibc reports (`<heap nr=...>` in `malloc_info`).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn arenas() -> usize {
    use std::ffi::{c_char, c_int, c_void, CString};
    extern "C" {
        fn fopen(path: *const c_char, mode: *const c_char) -> *mut c_void;
        fn fclose(stream: *mut c_void) -> c_int;
        fn malloc_info(options: c_int, stream: *mut c_void) -> c_int;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("malloc-info.xml");
    let c_path = CString::new(path.to_str().expect("utf-8 temp path")).expect("no NUL");
    // SAFETY: both strings are NUL-terminated and outlive the calls; the
    // stream is checked for null, written by malloc_info and closed once.
    unsafe {
        let stream = fopen(c_path.as_ptr(), c"w".as_ptr());
        assert!(!stream.is_null(), "fopen {}", path.display());
        assert_eq!(malloc_info(0, stream), 0, "malloc_info");
        assert_eq!(fclose(stream), 0, "fclose");
    }
    let xml = std::fs::read_to_string(&path).expect("read malloc_info");
    xml.matches("<heap nr=").count()
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn threads_started_after_the_cap_share_the_arenas_there_are() {
    assert!(garita_host::limit_arenas(2), "glibc took the setting");
    let before = arenas();
    // Eight threads allocating at once: uncapped, glibc gives each thread
    // that meets a locked arena a new one (up to eight per core).
    let barrier = std::sync::Barrier::new(8);
    std::thread::scope(|scope| {
        for t in 0..8u8 {
            let barrier = &barrier;
            scope.spawn(move || {
                barrier.wait();
                let blocks: Vec<Vec<u8>> = (0..2_000).map(|i| vec![t; 64 + i % 512]).collect();
                barrier.wait();
                assert!(blocks.iter().all(|b| b[0] == t));
            });
        }
    });
    let after = arenas();
    assert!(
        after <= before.max(2),
        "{before} arenas before eight threads allocated, {after} after, with a cap of two"
    );
}
