//! Manifests of plugin libraries remembered by SHA-256, so that a command
//! which needs connectors does not start every library's worker just to
//! learn what it offers: a library seen before is registered from its
//! remembered manifest, and its worker starts only when one of its actions
//! is called. A library with other bytes has another hash, so a remembered
//! manifest is never applied to a different file.

use std::path::{Path, PathBuf};

use garita_sdk::Manifest;
use serde::{Deserialize, Serialize};

/// A remembered manifest file larger than this is ignored (a manifest is a
/// few KiB).
const MAX_ENTRY: u64 = 1 << 20;

/// One remembered library.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CachedManifest {
    pub sdk_version: String,
    pub manifest: Manifest,
}

/// A directory of `<sha256>.json` files, private to garita's user.
#[derive(Debug, Clone)]
pub(crate) struct ManifestCache {
    dir: PathBuf,
}

impl ManifestCache {
    pub(crate) fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    fn path(&self, sha256: &str) -> Option<PathBuf> {
        // Only a hex digest names a file here.
        (sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| self.dir.join(format!("{sha256}.json")))
    }

    /// The manifest remembered for `sha256`; `None` when there is none, or
    /// it cannot be read (then the library is simply started to ask it).
    pub(crate) fn get(&self, sha256: &str) -> Option<CachedManifest> {
        let path = self.path(sha256)?;
        let meta = std::fs::metadata(&path).ok()?;
        if !meta.is_file() || meta.len() > MAX_ENTRY {
            return None;
        }
        serde_json::from_slice(&std::fs::read(&path).ok()?).ok()
    }

    /// Remembers `entry` for `sha256`. A failure is only logged: without the
    /// file the library is started next time, as before.
    pub(crate) fn put(&self, sha256: &str, entry: &CachedManifest) {
        let Some(path) = self.path(sha256) else {
            return;
        };
        if let Err(e) = write_entry(&self.dir, &path, entry) {
            tracing::debug!(error = %e, dir = %self.dir.display(), "plugin manifest not remembered");
        }
    }
}

fn write_entry(dir: &Path, path: &Path, entry: &CachedManifest) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)?;
    let bytes = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
    // Written aside and renamed: a reader sees the old file or the new one.
    let temporary = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("entry"),
        std::process::id()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temporary)?;
    file.write_all(&bytes)?;
    drop(file);
    std::fs::rename(&temporary, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        serde_json::from_value(serde_json::json!({
            "name": "demo", "version": "1.0.0", "description": "d", "actions": []
        }))
        .unwrap()
    }

    #[test]
    fn a_manifest_is_remembered_by_its_hash_only() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ManifestCache::new(dir.path().join("manifests"));
        let sha = "ab".repeat(32);
        assert!(cache.get(&sha).is_none());
        cache.put(
            &sha,
            &CachedManifest {
                sdk_version: "0.1.0".into(),
                manifest: manifest(),
            },
        );
        assert_eq!(cache.get(&sha).unwrap().manifest.name, "demo");
        assert!(cache.get(&"cd".repeat(32)).is_none());
        // Not a digest: never a path.
        assert!(cache.get("../../etc/passwd").is_none());
        cache.put("../x", &cache.get(&sha).unwrap());
        assert!(!dir.path().join("x").exists());
    }

    #[test]
    fn an_unreadable_entry_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ManifestCache::new(dir.path().to_path_buf());
        let sha = "ef".repeat(32);
        std::fs::write(dir.path().join(format!("{sha}.json")), "{not json").unwrap();
        assert!(cache.get(&sha).is_none());
    }
}
