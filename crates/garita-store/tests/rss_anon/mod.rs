//! The test process's anonymous resident memory, for the tests that check
//! what sled keeps in memory (each its own test binary, so the process's
//! memory is that test's alone).

/// `RssAnon` of this process, KiB.
pub fn rss_anon_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("RssAnon:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("RssAnon in /proc/self/status")
}
