//! Finding plugin libraries on disk and deciding whether they may be loaded at
//! all (before any of their code runs): permissions and the SHA-256 allow-list.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::HostError;

/// The file extension of shared libraries here: `so`, or `dylib` on macOS.
pub const LIBRARY_EXTENSION: &str = std::env::consts::DLL_EXTENSION;

/// The plugin libraries directly inside `dir`, sorted by file name so loading
/// order is stable. `Ok(None)` when the directory does not exist.
pub fn libraries_in(dir: &Path) -> Result<Option<Vec<PathBuf>>, HostError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(HostError::Io {
                path: dir.to_path_buf(),
                source,
            })
        }
    };
    let mut found = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|source| HostError::Io {
                path: dir.to_path_buf(),
                source,
            })?
            .path();
        if path.extension().is_some_and(|ext| ext == LIBRARY_EXTENSION) && path.is_file() {
            found.push(path);
        }
    }
    found.sort();
    Ok(Some(found))
}

/// Refuses a library that anyone but root and the user Garita runs as could
/// have replaced: the file, and every directory from it up to `/` (of its
/// real path, and of the directory it was listed in when that is a symlink
/// elsewhere), must belong to root or to that user and not be writable by
/// group or others. The one exception is a directory writable by others
/// with the sticky bit and a trusted owner (`/tmp`): there nobody can
/// rename or remove an entry they do not own, and the entry below it is
/// checked in turn. The first offender is named, with what to do.
#[cfg(unix)]
pub fn check_permissions(path: &Path) -> Result<(), HostError> {
    use std::os::unix::fs::MetadataExt;

    let io = |source| HostError::Io {
        path: path.to_path_buf(),
        source,
    };
    let trusted = rustix::process::geteuid().as_raw();
    let real = std::fs::canonicalize(path).map_err(io)?;
    let mut checks = vec![("file", real.clone())];
    checks.extend(
        real.ancestors()
            .skip(1)
            .map(|d| ("directory", d.to_path_buf())),
    );
    // The directory the library was found in, when it is a symlink elsewhere.
    if let Some(listed) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        let listed = std::fs::canonicalize(listed).map_err(io)?;
        for dir in listed.ancestors() {
            if !checks.iter().any(|(_, p)| p == dir) {
                checks.push(("directory", dir.to_path_buf()));
            }
        }
    }
    for (kind, offender) in checks {
        let meta = std::fs::metadata(&offender).map_err(io)?;
        let owner = meta.uid();
        if owner != 0 && owner != trusted {
            return Err(HostError::UntrustedOwner {
                path: path.to_path_buf(),
                kind,
                offender,
                owner,
                trusted,
            });
        }
        let mode = meta.mode();
        let sticky_dir = kind == "directory" && mode & 0o1000 != 0;
        if mode & 0o022 != 0 && !sticky_dir {
            return Err(HostError::InsecurePermissions {
                path: path.to_path_buf(),
                kind,
                offender,
                mode: mode & 0o7777,
            });
        }
    }
    Ok(())
}

/// Other systems have no mode bits to check.
#[cfg(not(unix))]
pub fn check_permissions(_path: &Path) -> Result<(), HostError> {
    Ok(())
}

/// The SHA-256 of the file, lowercase hex.
pub fn sha256_of(path: &Path) -> Result<String, HostError> {
    let bytes = std::fs::read(path).map_err(|source| HostError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let digest = Sha256::digest(&bytes);
    Ok(digest.iter().map(|byte| format!("{byte:02x}")).collect())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// An owner-only directory, removed with the returned guard.
    fn private_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        dir
    }

    fn file(dir: &Path, name: &str, mode: u32) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, b"abc").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    #[test]
    fn lists_only_libraries_sorted() {
        let guard = private_dir();
        let dir = guard.path();
        file(dir, &format!("b.{LIBRARY_EXTENSION}"), 0o644);
        file(dir, &format!("a.{LIBRARY_EXTENSION}"), 0o644);
        file(dir, "notes.txt", 0o644);
        let names: Vec<_> = libraries_in(dir)
            .unwrap()
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                format!("a.{LIBRARY_EXTENSION}"),
                format!("b.{LIBRARY_EXTENSION}")
            ]
        );
        assert!(libraries_in(&dir.join("missing")).unwrap().is_none());
    }

    #[test]
    fn refuses_group_writable_files_and_directories() {
        let guard = private_dir();
        let dir = guard.path();
        let good = file(dir, "good.so", 0o755);
        check_permissions(&good).unwrap();
        let lax = file(dir, "lax.so", 0o775);
        let err = check_permissions(&lax).unwrap_err().to_string();
        assert!(
            err.contains("lax.so")
                && err.contains("writable by group or others")
                && err.contains("chmod go-w"),
            "{err}"
        );
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = check_permissions(&good).unwrap_err();
        assert!(
            matches!(
                err,
                HostError::InsecurePermissions {
                    kind: "directory",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn hashes_files() {
        let guard = private_dir();
        let dir = guard.path();
        let path = file(dir, "x.so", 0o644);
        assert_eq!(
            sha256_of(&path).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
