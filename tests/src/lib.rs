//! End-to-end tests live in `tests/` and benches in `benches/`; this
//! library holds what both need.

use std::process::Command;

/// `cargo`, as the test or bench process was started by, without the
/// variables cargo gives that process about the package it runs
/// (`CARGO_PKG_NAME=tests`, ...).
///
/// A dependency's build script that watches one of them (ring's watches
/// `CARGO_PKG_NAME`) would see it change between `cargo test`'s (or
/// `cargo bench`'s) own build and a build started from inside, and both
/// would rebuild ring, rustls and everything above them: minutes for a
/// debug build, a whole fat-LTO link for a release one, every time.
pub fn cargo_command() -> Command {
    let mut build = Command::new(env!("CARGO"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_MANIFEST_")
            || name.starts_with("CARGO_BIN_")
            || [
                "CARGO_CRATE_NAME",
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_TARGET_TMPDIR",
            ]
            .contains(&name.as_ref())
        {
            build.env_remove(name.as_ref());
        }
    }
    build
}
