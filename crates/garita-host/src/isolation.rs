//! Running what a plugin library does in a child process, so that nothing
//! it does (an `exit()` in an initialiser, a crash, a hang) reaches the
//! process that asked. The supervision lives here: spawn, time limit, kill,
//! and saying how the child ended. The child itself is the `garita` binary
//! in a hidden mode (`garita plugins probe-child LIB`), which the CLI
//! provides; a later out-of-process plugin runner reuses the same pieces.

mod child_probe;

pub use child_probe::{run_child, ChildEnd, ChildOutput};
