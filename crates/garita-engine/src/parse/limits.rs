//! Bounds on what a workflow file may contain, so that no input can exhaust
//! memory or time while being read.

/// Largest accepted file, in bytes (1 MiB).
pub const MAX_FILE_BYTES: usize = 1 << 20;

/// Deepest nesting of YAML collections.
pub const MAX_DEPTH: usize = 64;

/// Most YAML values (scalars and collections) in one file.
pub const MAX_NODES: usize = 20_000;

/// Longest accepted duration (`timeout:`, `due:`, `wait: for:` …): ten years,
/// far beyond any compliance deadline, and safe to add to any date.
pub const MAX_DURATION_SECS: u64 = 10 * 366 * 24 * 3600;

/// Most business days a `due:` may count: about ten years of them, as
/// [`MAX_DURATION_SECS`] bounds elapsed time.
pub const MAX_DUE_BUSINESS_DAYS: u32 = 2_600;

/// Most attempts a retry policy may ask for.
pub const MAX_RETRY_ATTEMPTS: u32 = 100;

/// Highest `for_each` concurrency.
pub const MAX_CONCURRENCY: u32 = 64;

/// Most triggers under `on:`.
pub const MAX_TRIGGERS: usize = 50;

/// Most problems reported for one file. Past this the file is far from a
/// workflow, and looking for more (each with a "did you mean" search over
/// every step) only costs time: a file of 25,000 unknown step references once
/// took minutes to check.
pub const MAX_PROBLEMS: usize = 200;
