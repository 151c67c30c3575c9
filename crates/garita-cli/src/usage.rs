//! Errors in how the command was called (exit code 2), as opposed to work that failed.

/// The command line was wrong in a way clap could not see (a malformed
/// `--input`, an ambiguous run id).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);
