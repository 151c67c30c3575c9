//! Building and locating the plugin libraries the integration tests load.
//!
//! Libraries are built with the same cargo that runs the tests, and copied into
//! a private temporary directory before loading so the host's permission check
//! (no group/other write on the file or its directory) passes whatever the
//! umask of the build was.

#![allow(dead_code)] // each test file uses a different part

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use garita_host::LIBRARY_EXTENSION;

/// The workspace's target directory (honours `CARGO_TARGET_DIR`).
pub fn target_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    match std::env::var_os("CARGO_TARGET_DIR") {
        // Relative to where cargo was started, normally the workspace root.
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

fn cargo(args: &[&str]) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(&cargo)
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .status()
        .unwrap_or_else(|err| panic!("cannot run {cargo}: {err}"));
    assert!(status.success(), "`cargo {}` failed", args.join(" "));
}

/// `target/debug/libgarita_core.so`, built as a plugin (`--features cdylib`)
/// so it is fresh for this checkout.
pub fn core_library() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        cargo(&[
            "build",
            "--quiet",
            "-p",
            "garita-core",
            "--features",
            "cdylib",
        ]);
        target_dir()
            .join("debug")
            .join(format!("libgarita_core.{LIBRARY_EXTENSION}"))
    })
}

/// The directory holding the misbehaving fixture libraries of `tests/fixtures`.
pub fn fixtures_dir() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let target = target_dir().join("garita-host-fixtures");
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/Cargo.toml");
        cargo(&[
            "build",
            "--quiet",
            "--manifest-path",
            manifest.to_str().expect("UTF-8 path"),
            "--target-dir",
            target.to_str().expect("UTF-8 path"),
        ]);
        target.join("debug")
    })
}

/// `examples/hello-plugin` built as the out-of-tree plugin it is.
pub fn hello_library() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let target = target_dir().join("garita-host-fixtures");
        let manifest =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/hello-plugin/Cargo.toml");
        cargo(&[
            "build",
            "--quiet",
            "--manifest-path",
            manifest.to_str().expect("UTF-8 path"),
            "--target-dir",
            target.to_str().expect("UTF-8 path"),
        ]);
        target
            .join("debug")
            .join(format!("libhello_plugin.{LIBRARY_EXTENSION}"))
    })
}

/// The fixture library `name` (crate name with underscores).
pub fn fixture(name: &str) -> PathBuf {
    fixtures_dir().join(format!("lib{name}.{LIBRARY_EXTENSION}"))
}

/// A private (0700) temporary directory.
pub fn private_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).expect("chmod");
    dir
}

/// Copies `library` into `dir` as `file_name` with mode 0755.
pub fn install(library: &Path, dir: &Path, file_name: &str) -> PathBuf {
    let path = dir.join(file_name);
    std::fs::copy(library, &path).unwrap_or_else(|err| panic!("copy {}: {err}", library.display()));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// Copies `library` into a fresh private directory; keep the returned guard alive.
pub fn installed(library: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = private_dir();
    let name = library
        .file_name()
        .expect("file name")
        .to_string_lossy()
        .into_owned();
    let path = install(library, dir.path(), &name);
    (dir, path)
}
