//! Why the host refused a plugin library or a connector. Every message names
//! the library (or connector), the problem, and what to do about it.

use std::path::PathBuf;

/// A plugin library or connector the host will not use.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The file or directory could not be read.
    #[error("cannot read {}: {source}; check that it exists and that Garita may read it", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },

    /// A file or directory on the library's path may be changed by other users.
    #[error(
        "refusing plugin library {}: {} {} is writable by group or others (mode {mode:o}); \
         anyone who can write there can run code inside Garita — run `chmod go-w {}`",
        path.display(), kind, offender.display(), offender.display()
    )]
    InsecurePermissions {
        /// The library.
        path: PathBuf,
        /// `file` or `directory`.
        kind: &'static str,
        /// The path with the lax mode (the library itself or its directory).
        offender: PathBuf,
        /// Its permission bits.
        mode: u32,
    },

    /// A file or directory on the library's path belongs to a user other
    /// than root and the one Garita runs as, who could replace the library.
    #[error(
        "refusing plugin library {}: {} {} belongs to uid {owner}, not to root or to the user garita runs as (uid {trusted}); \
         that user could replace the library and run code inside Garita — run `chown root:root {}` (and `chmod go-w` it) or move the library",
        path.display(), kind, offender.display(), offender.display()
    )]
    UntrustedOwner {
        /// The library.
        path: PathBuf,
        /// `file` or `directory`.
        kind: &'static str,
        /// The file or directory with the other owner.
        offender: PathBuf,
        /// Its owner's uid.
        owner: u32,
        /// The uid Garita runs as.
        trusted: u32,
    },

    /// Checking the library in a child process failed: the library did
    /// something while loading (its initialisers run at load) or is broken.
    #[error("plugin library {} could not be checked: the child process that loaded it {how}{}; Garita itself was not affected. Do not load this library until you know why", path.display(), if stderr.is_empty() { String::new() } else { format!(" (its last words: {stderr})") })]
    ChildFailed {
        /// The library.
        path: PathBuf,
        /// How the child ended: "exited with code 7 while loading it",
        /// "was killed by signal SIGSEGV", "did not finish within 10 s".
        how: String,
        /// The last lines the child wrote to stderr.
        stderr: String,
    },

    /// The checking child loaded the library and refused it, saying why.
    #[error("{0}")]
    Refused(String),
    /// The worker process that was to serve a library failed while loading it.
    #[error("plugin library {} was not loaded: its worker process {how}{}; Garita itself was not affected. Workflows cannot use this plugin until it is fixed or removed from plugins.dirs", path.display(), if stderr.is_empty() { String::new() } else { format!(" (its last words: {stderr})") })]
    WorkerFailed {
        /// The library.
        path: PathBuf,
        /// What happened, after "its worker process".
        how: String,
        /// The last lines of the worker's stderr.
        stderr: String,
    },

    /// `plugins.allow_sha256` is set and does not list the library.
    #[error(
        "refusing plugin library {}: its SHA-256 {sha256} is not in plugins.allow_sha256; \
         if you trust this file, add that hash to the list",
        path.display()
    )]
    NotAllowed {
        /// The library.
        path: PathBuf,
        /// Its SHA-256, lowercase hex.
        sha256: String,
    },

    /// The dynamic loader refused the file.
    #[error("cannot load plugin library {}: {message}; is it a shared library built for this system?", path.display())]
    Open {
        /// The library.
        path: PathBuf,
        /// The loader's message.
        message: String,
    },

    /// The library has no entry symbol.
    #[error(
        "{} is not a Garita plugin: no `garita_connector_entry` symbol; \
         build it as a cdylib that calls garita_sdk::export_connector! \
         (Garita's own connectors export it only with `--features cdylib`)",
        path.display()
    )]
    NotAPlugin {
        /// The library.
        path: PathBuf,
    },

    /// The library was built for another version of the plugin ABI.
    #[error(
        "plugin library {} speaks Garita plugin ABI version {found}, but this host speaks version {expected}; \
         rebuild the plugin with a garita-sdk that has ABI version {expected}",
        path.display()
    )]
    AbiMismatch {
        /// The library.
        path: PathBuf,
        /// The plugin's ABI version.
        found: u32,
        /// The host's ABI version.
        expected: u32,
    },

    /// The library was built with an incompatible garita-sdk.
    #[error(
        "plugin library {} was built with garita-sdk {plugin_sdk}, which is not compatible with this host's \
         garita-sdk {host_sdk} (the major version, and for 0.x the minor version, must match); \
         rebuild the plugin against garita-sdk {host_sdk}",
        path.display()
    )]
    SdkIncompatible {
        /// The library.
        path: PathBuf,
        /// The SDK version the plugin reports.
        plugin_sdk: String,
        /// The host's SDK version.
        host_sdk: String,
    },

    /// The entry table is malformed (null pointer, missing function, bad text).
    #[error("plugin library {} has a malformed entry table: {problem}; rebuild it with garita_sdk::export_connector!", path.display())]
    BadTable {
        /// The library.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },

    /// The library's `manifest` function failed or returned something that is not a manifest.
    #[error("plugin library {} did not return a usable manifest: {problem}", path.display())]
    ManifestUnreadable {
        /// The library.
        path: PathBuf,
        /// What went wrong.
        problem: String,
    },

    /// The manifest was read but breaks the rules (empty name, duplicate actions, ...).
    #[error("the manifest of {origin} is invalid: {}", problems.join("; "))]
    InvalidManifest {
        /// `built-in connector NAME` or `plugin library PATH`.
        origin: String,
        /// Every problem found.
        problems: Vec<String>,
    },

    /// A dynamic plugin uses the name of a built-in connector.
    #[error(
        "plugin library {} provides connector `{name}`, which is also built into Garita; \
         remove the library, or add \"{name}\" to plugins.override to replace the built-in",
        path.display()
    )]
    ShadowsBuiltIn {
        /// The connector name.
        name: String,
        /// The library.
        path: PathBuf,
    },

    /// Two connectors with one name.
    #[error(
        "connector `{name}` from {second} is already provided by {first}; keep only one of them"
    )]
    Duplicate {
        /// The connector name.
        name: String,
        /// Where the first one came from.
        first: String,
        /// Where the refused one came from.
        second: String,
    },
}
