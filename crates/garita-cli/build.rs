//! Link options for the `garita` binary.
//!
//! On Linux with glibc the binary's relative relocations are packed
//! (`DT_RELR`, glibc 2.36 and binutils 2.38 or later): the 1.4 MB
//! `.rela.dyn` table the loader reads at every start, and which then stays
//! resident, becomes a few kilobytes. Every process (a `garita run`, the
//! daemon) is about 1.4 MiB smaller; docs/performance.md has the figures.
//! Plugins and tests are linked as before.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
