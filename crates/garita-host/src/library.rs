//! One plugin library, loaded with libloading and spoken to through the C ABI
//! of `garita_sdk::abi`. This module holds all of the host's `unsafe` code.
//!
//! Order of checks, each done before the next thing is touched:
//! 1. the library opens and exports `garita_connector_entry`;
//! 2. the entry returns a non-null, aligned pointer whose first `u32` (read
//!    alone) equals [`ABI_VERSION`] — nothing else of a foreign version is read;
//! 3. the table's SDK version is compatible and its functions are non-null;
//! 4. the manifest function returns a valid manifest.
//!
//! Libraries are never unloaded: their function pointers are kept for the life
//! of the process (unloading Rust code that may have spawned threads or
//! registered thread-locals is unsound in general).

use std::path::{Path, PathBuf};

use garita_sdk::abi::{
    FreeBufferFn, GaritaBuffer, GaritaConnectorV1, InvokeFn, ManifestFn, ABI_VERSION, ENTRY_SYMBOL,
    STATUS_ACTION_ERROR, STATUS_INTERNAL_ERROR, STATUS_OK,
};
use garita_sdk::{ActionError, Connector, InvokeContext, Manifest};
use libloading::Library;

use crate::error::HostError;
use crate::manifest_rules::manifest_problems;
use crate::version::sdk_compatible;

/// Longest SDK version string accepted; a longer one means a corrupt table.
const MAX_VERSION_LEN: usize = 256;

/// A loaded and checked plugin library; implements [`Connector`] by calling
/// through the ABI, so it can be used anywhere a built-in connector can.
pub struct PluginLibrary {
    path: PathBuf,
    sdk_version: String,
    manifest: Manifest,
    invoke_fn: InvokeFn,
    free_fn: FreeBufferFn,
    /// Largest answer accepted from one call, in bytes.
    max_output: usize,
}

impl std::fmt::Debug for PluginLibrary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginLibrary")
            .field("path", &self.path)
            .field("sdk_version", &self.sdk_version)
            .field("connector", &self.manifest.name)
            .finish_non_exhaustive()
    }
}

impl PluginLibrary {
    /// Loads the library at `path` and runs every ABI and manifest check.
    ///
    /// This does not check file permissions or the SHA-256 allow-list: callers
    /// that load from configured directories ([`PluginHost`](crate::PluginHost),
    /// [`check_library`](crate::check_library)) do that first, because opening a
    /// library already runs its initialisers.
    pub fn load(path: &Path) -> Result<Self, HostError> {
        let library = open(path)?;
        let table = entry_table(path, library)?;
        let bad_table = |problem: &str| HostError::BadTable {
            path: path.to_path_buf(),
            problem: problem.to_owned(),
        };
        let sdk_version = read_sdk_version(path, table)?;
        if !sdk_compatible(&sdk_version, garita_sdk::SDK_VERSION) {
            return Err(HostError::SdkIncompatible {
                path: path.to_path_buf(),
                plugin_sdk: sdk_version,
                host_sdk: garita_sdk::SDK_VERSION.to_owned(),
            });
        }
        let manifest_fn = table
            .manifest
            .ok_or_else(|| bad_table("the `manifest` function pointer is null"))?;
        let invoke_fn = table
            .invoke
            .ok_or_else(|| bad_table("the `invoke` function pointer is null"))?;
        let free_fn = table
            .free_buffer
            .ok_or_else(|| bad_table("the `free_buffer` function pointer is null"))?;
        let manifest = read_manifest(path, manifest_fn, free_fn)?;
        let problems = manifest_problems(&manifest);
        if !problems.is_empty() {
            return Err(HostError::InvalidManifest {
                origin: format!("plugin library {}", path.display()),
                problems,
            });
        }
        Ok(Self {
            path: path.to_path_buf(),
            sdk_version,
            manifest,
            invoke_fn,
            free_fn,
            max_output: crate::HostConfig::default_max_output(),
        })
    }

    /// Refuses answers over `bytes` (`plugins.max_output_bytes`).
    pub fn with_output_limit(mut self, bytes: usize) -> Self {
        self.max_output = bytes;
        self
    }

    /// Where the library was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The garita-sdk version the plugin was built with.
    pub fn sdk_version(&self) -> &str {
        &self.sdk_version
    }

    /// The manifest read at load time.
    pub fn cached_manifest(&self) -> &Manifest {
        &self.manifest
    }

    fn broken(&self, action: &str, what: &str) -> ActionError {
        ActionError::permanent(format!(
            "plugin library {} {what} in action `{}.{action}`; the plugin is broken, report it to its author",
            self.path.display(),
            self.manifest.name
        ))
    }
}

impl Connector for PluginLibrary {
    fn manifest(&self) -> Manifest {
        self.manifest.clone()
    }

    fn invoke(
        &self,
        ctx: &InvokeContext,
        action: &str,
        input: serde_json::Value,
    ) -> Result<serde_json::Value, ActionError> {
        let encode_failed = |err: serde_json::Error| {
            ActionError::permanent(format!(
                "cannot encode the call to plugin library {} as JSON: {err}",
                self.path.display()
            ))
        };
        // Context and input share one allocation: the JSON round trip is most
        // of what a dynamic call costs over a linked one.
        let mut encoded = Vec::with_capacity(512);
        serde_json::to_writer(&mut encoded, ctx).map_err(encode_failed)?;
        let ctx_len = encoded.len();
        serde_json::to_writer(&mut encoded, &input).map_err(encode_failed)?;
        drop(input);
        let (ctx, input) = encoded.split_at(ctx_len);
        let mut out = GaritaBuffer::empty();
        // SAFETY: the table passed the ABI checks in `load`, so `invoke_fn` has
        // the `InvokeFn` signature; the three ranges are live slices for the
        // whole call and `out` is a live local the plugin may write.
        let status = unsafe {
            (self.invoke_fn)(
                ctx.as_ptr(),
                ctx.len(),
                action.as_ptr(),
                action.len(),
                input.as_ptr(),
                input.len(),
                &mut out,
            )
        };
        let out = PluginBytes {
            buffer: out,
            free_fn: self.free_fn,
        };
        let bytes = out.bytes();
        // Checked before anything is parsed: an answer over the limit would
        // otherwise be stored (and copied) whole.
        if bytes.len() > self.max_output {
            return Err(ActionError::permanent(format!(
                "plugin library {} returned {} bytes from action `{}.{action}`; the limit is {} (plugins.max_output_bytes)",
                self.path.display(),
                bytes.len(),
                self.manifest.name,
                self.max_output
            )));
        }
        match status {
            STATUS_OK => {
                let text = std::str::from_utf8(bytes)
                    .map_err(|_| self.broken(action, "returned output that is not UTF-8"))?;
                serde_json::from_str(text).map_err(|err| {
                    self.broken(
                        action,
                        &format!("returned output that is not valid JSON ({err})"),
                    )
                })
            }
            STATUS_ACTION_ERROR => match serde_json::from_slice::<ActionError>(bytes) {
                Ok(error) => Err(error),
                Err(err) => Err(self.broken(
                    action,
                    &format!("returned an error that is not ActionError JSON ({err})"),
                )),
            },
            STATUS_INTERNAL_ERROR => Err(ActionError::permanent(format!(
                "plugin library {} failed in action `{}.{action}`: {}",
                self.path.display(),
                self.manifest.name,
                String::from_utf8_lossy(bytes)
            ))),
            other => Err(self.broken(action, &format!("returned the unknown status code {other}"))),
        }
    }
}

/// A buffer lent by the plugin, handed back to its `free_buffer` on drop.
struct PluginBytes {
    buffer: GaritaBuffer,
    free_fn: FreeBufferFn,
}

impl PluginBytes {
    fn bytes(&self) -> &[u8] {
        // SAFETY: the plugin filled `buffer` and keeps it valid until we call
        // `free_buffer`, which happens only in `drop`, after this borrow ends.
        unsafe { self.buffer.as_bytes() }
    }
}

impl Drop for PluginBytes {
    fn drop(&mut self) {
        if self.buffer.ptr.is_null() {
            return; // nothing was allocated (docs/plugin-abi.md: null is never freed)
        }
        let buffer = std::mem::replace(&mut self.buffer, GaritaBuffer::empty());
        // SAFETY: the buffer came from this plugin's functions, unchanged, and
        // is handed back exactly once (it was just replaced by an empty one).
        unsafe { (self.free_fn)(buffer) };
    }
}

/// Opens the library and leaks the handle so it is never unloaded.
fn open(path: &Path) -> Result<&'static Library, HostError> {
    // The exact file that was checked, by absolute path: given a bare name
    // (`libx.so`), the system loader would search its own path
    // (LD_LIBRARY_PATH, the cache) and load some other file.
    let exact = std::fs::canonicalize(path).map_err(|source| HostError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    // SAFETY: opening runs the library's initialisers. That is the trust
    // decision plugins imply; callers check permissions and the allow-list
    // before this. The handle is leaked below so code stays mapped forever.
    let library = unsafe { Library::new(&exact) }.map_err(|err| HostError::Open {
        path: path.to_path_buf(),
        message: err.to_string(),
    })?;
    Ok(Box::leak(Box::new(library)))
}

/// Finds the entry, checks the ABI version on its own, and returns the table.
fn entry_table(
    path: &Path,
    library: &'static Library,
) -> Result<&'static GaritaConnectorV1, HostError> {
    let bad_table = |problem: &str| HostError::BadTable {
        path: path.to_path_buf(),
        problem: problem.to_owned(),
    };
    // SAFETY: the symbol is declared by the ABI as
    // `const GaritaConnectorV1 *garita_connector_entry(void)`; a library that
    // exports the name with another type breaks the contract it opted into.
    let entry = unsafe { library.get::<garita_sdk::abi::EntryFn>(ENTRY_SYMBOL.as_bytes()) }
        .map_err(|_| HostError::NotAPlugin {
            path: path.to_path_buf(),
        })?;
    // SAFETY: the entry takes no arguments and, per the ABI, only returns the
    // address of a static table.
    let table = unsafe { (*entry)() };
    if table.is_null() {
        return Err(bad_table(
            "`garita_connector_entry` returned a null pointer",
        ));
    }
    if (table as usize) % std::mem::align_of::<GaritaConnectorV1>() != 0 {
        return Err(bad_table(
            "`garita_connector_entry` returned a misaligned pointer",
        ));
    }
    // SAFETY: non-null and aligned; every ABI version starts with a `u32`
    // `abi_version`, so reading that one field is valid whatever the version.
    let abi_version = unsafe { table.cast::<u32>().read() };
    if abi_version != ABI_VERSION {
        return Err(HostError::AbiMismatch {
            path: path.to_path_buf(),
            found: abi_version,
            expected: ABI_VERSION,
        });
    }
    // SAFETY: version 1 means the pointer is to a static `GaritaConnectorV1`,
    // which lives as long as the (never unloaded) library.
    Ok(unsafe { &*table })
}

fn read_sdk_version(path: &Path, table: &'static GaritaConnectorV1) -> Result<String, HostError> {
    let bad_table = |problem: &str| HostError::BadTable {
        path: path.to_path_buf(),
        problem: problem.to_owned(),
    };
    let text = table.sdk_version;
    if text.ptr.is_null() || text.len == 0 || text.len > MAX_VERSION_LEN {
        return Err(bad_table("`sdk_version` is empty, null or too long"));
    }
    // SAFETY: the ABI says `sdk_version` points to `len` static bytes of the
    // library, which is never unloaded.
    let bytes = unsafe { std::slice::from_raw_parts(text.ptr, text.len) };
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|_| bad_table("`sdk_version` is not UTF-8"))
}

fn read_manifest(
    path: &Path,
    manifest_fn: ManifestFn,
    free_fn: FreeBufferFn,
) -> Result<Manifest, HostError> {
    let unreadable = |problem: String| HostError::ManifestUnreadable {
        path: path.to_path_buf(),
        problem,
    };
    let mut out = GaritaBuffer::empty();
    // SAFETY: the table passed the ABI checks; `out` is a live local.
    let status = unsafe { manifest_fn(&mut out) };
    let out = PluginBytes {
        buffer: out,
        free_fn,
    };
    let bytes = out.bytes();
    match status {
        STATUS_OK => {}
        STATUS_INTERNAL_ERROR => {
            return Err(unreadable(format!(
                "`manifest` failed: {}",
                String::from_utf8_lossy(bytes)
            )));
        }
        other => {
            return Err(unreadable(format!(
                "`manifest` returned status {other}, expected 0"
            )))
        }
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| unreadable("the manifest is not UTF-8".to_owned()))?;
    serde_json::from_str(text)
        .map_err(|err| unreadable(format!("the manifest is not valid manifest JSON: {err}")))
}
