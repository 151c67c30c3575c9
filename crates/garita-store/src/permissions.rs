//! Owner-only permissions for the store directory and everything in it.
//!
//! The store says who holds which government-portal account: only the user
//! running garita may read it. A directory Garita creates is 0700 from the
//! start (`open.rs`); on every open, a store directory that group or others
//! may enter is tightened to 0700 (with a warning, since someone widened it
//! or created it by hand), and the files in it (sled's `db`, `conf`,
//! `snap.*`, `blobs/`, our markers) to 0600 (directories 0700). Files sled
//! creates later inherit the process umask but sit inside the 0700
//! directory, which no one else can enter.

use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Permission bits of group and others.
const GROUP_OTHER: u32 = 0o077;

/// Tightens `dir` and its contents to owner-only; warns about what was
/// wider than that and about what cannot be changed (another owner). Never
/// fails: a store that opened stays usable.
pub(crate) fn make_owner_only(dir: &Path) {
    match tighten(dir, true) {
        Ok(()) => {}
        Err(e) => tracing::warn!(
            store = %dir.display(),
            error = %e,
            "cannot make the store directory owner-only; run garita as the directory's owner, or `chmod -R go-rwx` it"
        ),
    }
}

fn tighten(path: &Path, is_store_dir: bool) -> io::Result<()> {
    let meta = fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        return Ok(());
    }
    let mode = meta.permissions().mode() & 0o7777;
    if meta.is_dir() {
        if mode & GROUP_OTHER != 0 {
            if is_store_dir {
                tracing::warn!(
                    store = %path.display(),
                    mode = %format!("{mode:o}"),
                    "the store directory was open to group or others; tightened to 0700"
                );
            }
            fs::set_permissions(path, fs::Permissions::from_mode(0o700))?;
        }
        for entry in fs::read_dir(path)? {
            tighten(&entry?.path(), false)?;
        }
    } else if meta.is_file() && mode & GROUP_OTHER != 0 {
        fs::set_permissions(
            path,
            fs::Permissions::from_mode(mode & !GROUP_OTHER & 0o700 | 0o600),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_wide_store_directory_and_its_files_become_owner_only() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("store");
        fs::create_dir_all(dir.join("blobs")).unwrap();
        fs::write(dir.join("db"), b"x").unwrap();
        fs::write(dir.join("blobs").join("1"), b"x").unwrap();
        for p in [&dir, &dir.join("blobs")] {
            fs::set_permissions(p, fs::Permissions::from_mode(0o755)).unwrap();
        }
        for p in [dir.join("db"), dir.join("blobs").join("1")] {
            fs::set_permissions(p, fs::Permissions::from_mode(0o644)).unwrap();
        }
        make_owner_only(&dir);
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("blobs")), 0o700);
        assert_eq!(mode(&dir.join("db")), 0o600);
        assert_eq!(mode(&dir.join("blobs").join("1")), 0o600);
    }

    #[test]
    fn a_store_opened_by_garita_is_owner_only() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("store");
        let store = crate::SledStore::open(&dir, crate::StoreOptions::default()).unwrap();
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let expected = if path.is_dir() { 0o700 } else { 0o600 };
            assert_eq!(mode(&path), expected, "{}", path.display());
        }
        assert_eq!(mode(&dir), 0o700);
        drop(store);
    }
}
