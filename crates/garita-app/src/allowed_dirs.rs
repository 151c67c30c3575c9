//! `[files] allowed_dirs`: the directories whose files a workflow may write
//! or attach and a control-API client may name. A workflow file can come
//! from anyone who may write the workflows directory or hold the control
//! token; without this rule it could append to any file the daemon's user
//! can write, or mail `/proc/self/environ` (the control token with it).

use std::os::unix::fs::DirBuilderExt;
use std::path::{Component, Path, PathBuf};

/// A path outside the allowed directories, or one that cannot be judged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path} is outside the directories workflows and clients may use ({allowed}){detail}; put the file in one of them, or add its directory to `[files] allowed_dirs` in garita.toml (docs/operations.md)")]
pub struct PathRefused {
    /// The path as given.
    pub path: String,
    /// The allowed directories, as configured.
    pub allowed: String,
    /// What was found, when it is more than "outside".
    pub detail: String,
}

/// The allowed directories.
#[derive(Debug, Clone)]
pub struct AllowedDirs {
    dirs: Vec<PathBuf>,
    /// The default (`STORE/files`), created owner-only when first needed.
    default: Option<PathBuf>,
}

impl AllowedDirs {
    /// `configured` (`[files] allowed_dirs`), else `store_dir/files`.
    pub fn new(configured: Option<&[PathBuf]>, store_dir: &Path) -> Self {
        match configured {
            Some(dirs) => Self {
                dirs: dirs.iter().map(|d| absolute(d)).collect(),
                default: None,
            },
            None => {
                let default = absolute(&store_dir.join("files"));
                Self {
                    dirs: vec![default.clone()],
                    default: Some(default),
                }
            }
        }
    }

    /// The path as it will be opened (symlinks and `..` resolved; a file
    /// that does not exist yet by its directory), when it lies in an
    /// allowed directory.
    pub fn judge(&self, path: &Path) -> Result<PathBuf, PathRefused> {
        let refused = |detail: String| PathRefused {
            path: path.display().to_string(),
            allowed: self
                .dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            detail,
        };
        if let Some(default) = self.default.as_ref().filter(|d| !d.exists()) {
            // Best effort: a store directory not created yet is made by
            // the store; what cannot be created is judged missing below.
            let _ = std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(default);
        }
        let resolved = resolve(path).map_err(refused)?;
        for dir in &self.dirs {
            if let Ok(real) = dir.canonicalize() {
                if resolved.starts_with(&real) {
                    return Ok(resolved);
                }
            }
        }
        Err(refused(if resolved.as_path() != path {
            format!(" (it resolves to {})", resolved.display())
        } else {
            String::new()
        }))
    }
}

/// `path` made absolute against the working directory (not resolved).
fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map_or_else(|_| path.to_path_buf(), |cwd| cwd.join(path))
    }
}

/// Where `path` really is: an existing one (a symlink included) fully
/// resolved; a new one by its resolved directory and its name.
fn resolve(path: &Path) -> Result<PathBuf, String> {
    if std::fs::symlink_metadata(path).is_ok() {
        return path
            .canonicalize()
            .map_err(|e| format!(" (it cannot be resolved: {e})"));
    }
    let Some(Component::Normal(name)) = path.components().next_back() else {
        return Err(" (it names no file)".into());
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let real = dir
        .canonicalize()
        .map_err(|_| format!(" (its directory {} does not exist)", dir.display()))?;
    Ok(real.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn only_paths_inside_an_allowed_directory_pass_after_resolution() {
        let dir = tempfile::tempdir().unwrap();
        let allowed = dir.path().join("allowed");
        let other = dir.path().join("other");
        std::fs::create_dir_all(allowed.join("sub")).unwrap();
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(other.join("secret"), "x").unwrap();
        symlink(other.join("secret"), allowed.join("link")).unwrap();
        symlink(&other, allowed.join("dirlink")).unwrap();
        let rule = AllowedDirs::new(Some(std::slice::from_ref(&allowed)), dir.path());

        assert!(rule.judge(&allowed.join("new.log")).is_ok());
        assert!(rule.judge(&allowed.join("sub/new.log")).is_ok());
        for outside in [
            other.join("x.log"),
            allowed.join("../other/x.log"),
            allowed.join("link"),
            allowed.join("dirlink/x.log"),
            PathBuf::from("/proc/self/environ"),
        ] {
            let err = rule.judge(&outside).unwrap_err();
            assert!(err.to_string().contains("[files] allowed_dirs"), "{err}");
        }
        let err = rule.judge(&allowed.join("missing/x.log")).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
    }

    #[test]
    fn the_default_is_the_store_files_folder_created_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        std::fs::create_dir(&store).unwrap();
        let rule = AllowedDirs::new(None, &store);
        assert!(rule.judge(&store.join("files/evidence.log")).is_ok());
        assert!(store.join("files").is_dir());
        let mode = std::fs::metadata(store.join("files"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o700);
        assert!(rule.judge(&store.join("files/evidence.log")).is_ok());
        assert!(rule.judge(&store.join("db")).is_err());
    }
}
