//! The file transport: each message becomes `<hash>.eml` in an outbox
//! directory readable only by its owner.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `bytes` as `<file_stem>.eml` in `outbox_dir` and returns its path.
///
/// Writing the same stem again replaces the file, so delivering a message
/// twice (a re-run after a crash) leaves one file. The content goes to a
/// temporary file first and is renamed into place, so a reader never sees a
/// half-written message. The directory is created with mode 0700 and the
/// file with 0600: messages may carry personal data.
pub(crate) fn write(outbox_dir: &Path, file_stem: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    create_private_dir(outbox_dir)?;
    let final_path = outbox_dir.join(format!("{file_stem}.eml"));
    let temp_path = outbox_dir.join(format!(".{file_stem}.eml.tmp"));
    let mut file = private_file(&temp_path)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&temp_path, &final_path)?;
    Ok(final_path)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)
}

#[cfg(unix)]
fn private_file(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writing_the_same_stem_twice_leaves_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = dir.path().join("a/b/outbox");
        let first = write(&outbox, "abc", b"first").unwrap();
        let second = write(&outbox, "abc", b"second").unwrap();
        assert_eq!(first, second);
        assert_eq!(fs::read(&second).unwrap(), b"second");
        assert_eq!(fs::read_dir(&outbox).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn the_outbox_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let outbox = dir.path().join("outbox");
        let path = write(&outbox, "abc", b"x").unwrap();
        assert_eq!(
            fs::metadata(&outbox).unwrap().permissions().mode() & 0o777,
            0o700
        );
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}
