//! The sled configuration of a store directory: one place decides whether
//! its files are compressed, so every opener (the store, a restore, tests and
//! benches reading the files with sled alone) agrees with what is on disk.
//!
//! sled compresses each page it writes to its log with zstd when the store
//! was created with compression, and refuses to open a store with the other
//! setting ("cannot change compression values across restarts"). New
//! stores are compressed: a finished three-step run then takes about 3 KB
//! of files instead of 7 KB, mostly because sled's log holds two to four
//! times the live records (superseded pages wait for its segment cleaner)
//! and each copy shrinks (docs/performance.md, "Compressed pages").
//! New stores also use 128 KiB segments (sled's default is 512 KiB): the
//! `db` file grows a segment at a time, and smaller segments are cleaned
//! sooner, which took about 100 B more off a run.
//!
//! A store created before keeps its format, which sled records in its
//! `conf` file and which is read back here; copying it (a backup restored
//! into a new directory) gives one in the new format.

use std::io;
use std::path::Path;

use garita_engine::StoreError;

use crate::errors::io_error;

/// zstd's level for new stores. Level 1 is zstd's fastest; level 3 gave
/// the same files for a run's pages, which are small and repetitive, and
/// only cost time.
pub const ZSTD_LEVEL: i32 = 1;

/// sled's segment size for new stores.
pub const SEGMENT_SIZE: usize = 128 * 1024;

/// How a store's files are laid out, as sled records it in `conf`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredFormat {
    /// Pages compressed with zstd.
    pub compressed: bool,
    /// Bytes of each segment of the `db` file.
    pub segment_size: usize,
}

/// What a store created now gets.
pub const NEW_STORE_FORMAT: StoredFormat = StoredFormat {
    compressed: true,
    segment_size: SEGMENT_SIZE,
};

/// sled's configuration for the store in `dir`: its path and the format
/// its files were created with ([`NEW_STORE_FORMAT`] when it has none
/// yet). Callers add the cache size and flush policy.
pub fn sled_config(dir: &Path) -> Result<sled::Config, StoreError> {
    let format = stored_format(dir)?;
    Ok(sled::Config::new()
        .path(dir)
        .use_compression(format.compressed)
        .compression_factor(ZSTD_LEVEL)
        .segment_size(format.segment_size))
}

/// The format of the store in `dir`, or the one it will get when new.
/// sled writes `conf` when it creates a store, as `key: value` lines
/// followed by a checksum; a missing file means a new store. A setting the
/// file does not name readably is left at the new store's: sled then
/// reports the damage itself, in its own words, when it checks the file's
/// checksum.
pub fn stored_format(dir: &Path) -> Result<StoredFormat, StoreError> {
    let conf = dir.join("conf");
    let bytes = match std::fs::read(&conf) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(NEW_STORE_FORMAT),
        Err(e) => return Err(io_error(&conf, "reading sled's configuration", &e)),
    };
    Ok(StoredFormat {
        compressed: setting(&bytes, "use_compression")
            .and_then(|v| v.parse().ok())
            .unwrap_or(NEW_STORE_FORMAT.compressed),
        segment_size: setting(&bytes, "segment_size")
            .and_then(|v| v.parse().ok())
            .unwrap_or(NEW_STORE_FORMAT.segment_size),
    })
}

/// The value of `key` in sled's `conf` bytes.
fn setting(conf: &[u8], key: &str) -> Option<String> {
    String::from_utf8_lossy(conf).lines().find_map(|line| {
        let value = line.strip_prefix(key)?.strip_prefix(": ")?;
        Some(value.trim().to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store of an older Garita: sled's defaults.
    const OLD_STORE_FORMAT: StoredFormat = StoredFormat {
        compressed: false,
        segment_size: 512 * 1024,
    };

    #[test]
    fn reads_what_sled_wrote_either_way() {
        for format in [NEW_STORE_FORMAT, OLD_STORE_FORMAT] {
            let dir = tempfile::tempdir().unwrap();
            let db = sled::Config::new()
                .path(dir.path())
                .use_compression(format.compressed)
                .segment_size(format.segment_size)
                .open()
                .unwrap();
            drop(db);
            assert_eq!(stored_format(dir.path()).unwrap(), format);
            // And sled accepts the configuration built from it (once its
            // I/O threads let go of the lock of the handle just dropped).
            let config = sled_config(dir.path()).unwrap();
            crate::open::open_waiting_for_lock(&config)
                .expect("sled does not panic")
                .expect("sled opens the store");
        }
    }

    #[test]
    fn a_new_store_gets_the_new_format() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("new");
        assert_eq!(stored_format(&store).unwrap(), NEW_STORE_FORMAT);
        sled_config(&store).unwrap().open().unwrap();
        assert_eq!(stored_format(&store).unwrap(), NEW_STORE_FORMAT);
    }

    #[test]
    fn unreadable_settings_are_left_to_sled() {
        let conf = b"segment_size: 524288\nuse_compression: false\n";
        assert_eq!(setting(conf, "use_compression").as_deref(), Some("false"));
        assert_eq!(setting(conf, "segment_size").as_deref(), Some("524288"));
        assert_eq!(setting(b"use_compression: maybe\n", "segment_size"), None);
        assert_eq!(setting(&[0xff, 0xfe, 0x00], "use_compression"), None);
    }
}
