//! Turning `std::io` and sled errors into the engine's [`StoreError`], with a
//! hint that says what to do.

use std::io;
use std::path::Path;

use garita_engine::StoreError;

/// `ENOSPC` on Linux; `io::ErrorKind::StorageFull` is newer than our MSRV.
const NO_SPACE_LEFT: i32 = 28;

/// The hint that fits an I/O failure.
fn hint(err: &io::Error) -> &'static str {
    if err.kind() == io::ErrorKind::PermissionDenied {
        "; make the directory readable and writable by the user that runs garita, or choose another with --store DIR"
    } else if err.raw_os_error() == Some(NO_SPACE_LEFT) {
        "; the disk is full: free some space and try again"
    } else {
        "; check that the directory is on a healthy local disk and that garita may write there"
    }
}

/// An I/O failure at `path` while `doing` something.
pub(crate) fn io_error(path: &Path, doing: &str, err: &io::Error) -> StoreError {
    StoreError::Io {
        path: path.display().to_string(),
        detail: format!("{doing}: {err}{}", hint(err)),
    }
}

/// A sled failure at `path` while `doing` something.
pub(crate) fn sled_error(path: &Path, doing: &str, err: sled::Error) -> StoreError {
    match err {
        sled::Error::Io(io) => io_error(path, doing, &io),
        sled::Error::Corruption { at, .. } => StoreError::Corrupt {
            what: format!("sled data in {}", path.display()),
            detail: format!("{doing}: sled found damaged data at {at:?}"),
        },
        sled::Error::Unsupported(msg) | sled::Error::ReportableBug(msg) => StoreError::Corrupt {
            what: format!("sled data in {}", path.display()),
            detail: format!("{doing}: {msg}"),
        },
        other => StoreError::Io {
            path: path.display().to_string(),
            detail: format!("{doing}: {other}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_denied_says_what_to_do() {
        let err = io_error(
            Path::new("/x"),
            "creating it",
            &io::Error::from(io::ErrorKind::PermissionDenied),
        );
        let text = err.to_string();
        assert!(
            text.contains("/x") && text.contains("--store DIR"),
            "{text}"
        );
    }
}
