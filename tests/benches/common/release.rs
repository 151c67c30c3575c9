//! The release `garita` binary, built once per bench process.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// `target/release/garita`, built with `cargo build --release` on first use;
/// or the binary `GARITA_BENCH_BINARY` names (to measure another build, e.g.
/// an older commit's, with the same bench).
pub fn release_garita() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(given) = std::env::var_os("GARITA_BENCH_BINARY") {
            return PathBuf::from(given);
        }
        // Without the bench package's variables, or every bench would
        // link the release binary again (see `tests::cargo_command`).
        let status = tests::cargo_command()
            .args(["build", "--quiet", "--release", "-p", "garita-cli"])
            .current_dir(root())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the release garita failed");
        // A relative CARGO_TARGET_DIR is relative to where cargo started: the root.
        std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| root().join("target"), |dir| root().join(dir))
            .join("release")
            .join("garita")
    })
}

/// A release `garita` command on `store`, with no configuration from the
/// environment and logs quiet. It starts in the store's parent folder, so no
/// `garita.toml` of the repository is read.
pub fn garita(store: &Path) -> Command {
    let mut cmd = quiet_garita();
    cmd.arg("--store").arg(store);
    if let Some(parent) = store.parent() {
        cmd.current_dir(parent);
    }
    cmd
}

/// A release `garita` command started in `dir` with no `--store`: the
/// store is the one its `--config` names (a PostgreSQL `[store] url`).
/// No configuration from the environment, logs quiet.
pub fn garita_in(dir: &Path) -> Command {
    let mut cmd = quiet_garita();
    cmd.current_dir(dir);
    cmd
}

fn quiet_garita() -> Command {
    let mut cmd = Command::new(release_garita());
    cmd.env_remove("GARITA_NOW")
        .env_remove("GARITA_STORE")
        .env_remove("RUST_LOG");
    for (key, _) in std::env::vars() {
        if key.starts_with("GARITA_") && key.contains("__") {
            cmd.env_remove(key);
        }
    }
    cmd
}
