//! Files Garita writes that hold store data (backups, exports): written
//! whole or not at all, owner-only, and never through a link someone else
//! planted; and never inside the store directory itself.
//!
//! Why each step: the temporary file is created exclusively (`O_EXCL`) and
//! without following a symlink (`O_NOFOLLOW`), mode 0600 from the first
//! byte, under a name nobody can predict, in the target's own directory (so
//! the final rename is atomic). A local user who can write that directory
//! can then neither receive the data through a planted link nor make Garita
//! overwrite a file of theirs choosing. The rename replaces a symlink at the
//! target's name with the file itself; it never writes through it.

use std::fs::{File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

use crate::file_sync::sync_dir;

/// Owner read and write only.
pub const PRIVATE_FILE_MODE: u32 = 0o600;

/// How many fresh names are tried when one is taken.
const NAME_ATTEMPTS: u32 = 16;

/// Why an output path was refused before anything was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutputPathError {
    /// The output lies inside the store directory: writing it could replace
    /// a file the store is using (a backup over `db` destroys the store).
    #[error("{output} is inside the store directory {store}; writing there could damage the store. Choose a path outside it, for example /var/backups/garita/")]
    InsideStore {
        /// The output, as resolved (symlinks and `..` followed).
        output: String,
        /// The store directory, as resolved.
        store: String,
    },
    /// The output's directory does not exist (or cannot be resolved).
    #[error("cannot write {output}: its directory {dir} {detail}; create the directory first")]
    NoDirectory {
        /// The output as given.
        output: String,
        /// Its directory.
        dir: String,
        /// What resolving it said.
        detail: String,
    },
    /// The path names no file (`/`, `..`, a directory's trailing `/.`).
    #[error("{0} names no file; give a file name such as garita-2026-01-05.backup")]
    NotAFile(String),
}

/// Where `output` really is: its directory resolved (symlinks, `..`), then
/// its file name. A file that does not exist yet is judged by its directory.
pub fn resolve_output(output: &Path) -> Result<PathBuf, OutputPathError> {
    let name = match output.components().next_back() {
        Some(Component::Normal(name)) => name.to_owned(),
        _ => return Err(OutputPathError::NotAFile(output.display().to_string())),
    };
    let dir = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let real_dir = dir
        .canonicalize()
        .map_err(|e| OutputPathError::NoDirectory {
            output: output.display().to_string(),
            dir: dir.display().to_string(),
            detail: match e.kind() {
                io::ErrorKind::NotFound => "does not exist".to_owned(),
                _ => format!("cannot be resolved ({e})"),
            },
        })?;
    Ok(real_dir.join(name))
}

/// Name prefix and suffix of the one kind of file that may be written in
/// the store directory: the hidden backup `garita simulate` asks a running
/// daemon for (the one directory both processes are sure to reach). Such a
/// name can never be one of the store's own files.
pub const SCRATCH_BACKUP_PREFIX: &str = ".simulate-";
/// See [`SCRATCH_BACKUP_PREFIX`].
pub const SCRATCH_BACKUP_SUFFIX: &str = ".backup";

/// Refuses `output` when it lies inside `store_dir` (both resolved first,
/// so a symlink to the store or a `..` detour is seen through), except a
/// scratch backup directly in it ([`SCRATCH_BACKUP_PREFIX`]). A store
/// directory that does not exist yet holds nothing to damage.
pub fn refuse_inside_store(store_dir: &Path, output: &Path) -> Result<PathBuf, OutputPathError> {
    let resolved = resolve_output(output)?;
    if let Ok(store) = store_dir.canonicalize() {
        let scratch = resolved.parent() == Some(store.as_path())
            && resolved.file_name().is_some_and(|n| {
                let n = n.to_string_lossy();
                n.starts_with(SCRATCH_BACKUP_PREFIX) && n.ends_with(SCRATCH_BACKUP_SUFFIX)
            });
        if resolved.starts_with(&store) && !scratch {
            return Err(OutputPathError::InsideStore {
                output: resolved.display().to_string(),
                store: store.display().to_string(),
            });
        }
    }
    Ok(resolved)
}

/// Writes `bytes` to `path` whole or not at all, 0600, as the module says:
/// an exclusive, unpredictable temporary file beside it, synced, renamed
/// over it, and the directory synced.
pub fn write_private_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?
        .to_string_lossy()
        .into_owned();
    let (temp, mut file) = create_temp(&dir, &name)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&temp, path))
        .and_then(|()| sync_dir(&dir));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// A new temporary file in `dir`, created exclusively, not through a
/// symlink, 0600.
fn create_temp(dir: &Path, name: &str) -> io::Result<(PathBuf, File)> {
    let mut last = None;
    for _ in 0..NAME_ATTEMPTS {
        let temp = dir.join(format!(".{name}.{:016x}.tmp", unpredictable()));
        let opened = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(PRIVATE_FILE_MODE)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(&temp);
        match opened {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free temporary name")))
}

/// 64 bits nobody outside this process can guess: std's hasher keys are
/// drawn from the operating system's random source.
fn unpredictable() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt};

    #[test]
    fn a_written_file_is_private_and_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.csv");
        write_private_file(&path, b"a,b\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"a,b\n");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // Nothing left beside it.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_symlink_at_the_target_is_replaced_not_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"keep me").unwrap();
        let path = dir.path().join("export.csv");
        symlink(&victim, &path).unwrap();
        write_private_file(&path, b"data").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep me");
        assert!(!std::fs::symlink_metadata(&path).unwrap().is_symlink());
        assert_eq!(std::fs::read(&path).unwrap(), b"data");
    }

    #[test]
    fn temporary_names_differ_each_time() {
        assert_ne!(unpredictable(), unpredictable());
    }

    #[test]
    fn a_planted_temporary_name_is_never_opened() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"keep me").unwrap();
        // Whatever name comes up, an existing entry (a planted link) is
        // refused by O_EXCL rather than followed.
        let planted = dir.path().join(".x.planted.tmp");
        symlink(&victim, &planted).unwrap();
        let err = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(PRIVATE_FILE_MODE)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(&planted)
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep me");
    }

    #[test]
    fn outputs_inside_the_store_are_refused_through_links_and_dot_dots() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        std::fs::create_dir_all(store.join("sub")).unwrap();
        let outside = dir.path().join("backups");
        std::fs::create_dir(&outside).unwrap();
        let link = dir.path().join("link-to-store");
        symlink(&store, &link).unwrap();

        for inside in [
            store.join("db"),
            store.join("conf"),
            store.join("sub/../db"),
            outside.join("../store/db"),
            link.join("db"),
        ] {
            let err = refuse_inside_store(&store, &inside).unwrap_err();
            assert!(
                matches!(err, OutputPathError::InsideStore { .. }),
                "{}: {err}",
                inside.display()
            );
        }
        // The store reached through a link is refused too.
        assert!(refuse_inside_store(&link, &store.join("db")).is_err());
        let fine = refuse_inside_store(&store, &outside.join("store.backup")).unwrap();
        assert!(fine.ends_with("backups/store.backup"));
        // The simulation's scratch backup, directly in the store, is allowed.
        assert!(refuse_inside_store(&store, &store.join(".simulate-ab12.backup")).is_ok());
        assert!(refuse_inside_store(&store, &store.join("sub/.simulate-ab12.backup")).is_err());
        // A store-like name beside the store is not inside it.
        assert!(refuse_inside_store(&store, &dir.path().join("store.backup")).is_ok());
    }

    #[test]
    fn a_missing_directory_or_no_file_name_is_said_plainly() {
        let dir = tempfile::tempdir().unwrap();
        let err = refuse_inside_store(dir.path(), &dir.path().join("nope/x.csv")).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
        let err = refuse_inside_store(dir.path(), Path::new("/")).unwrap_err();
        assert!(matches!(err, OutputPathError::NotAFile(_)), "{err}");
    }
}
