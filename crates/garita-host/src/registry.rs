//! [`PluginHost`]: the set of connectors a run can call — built-ins registered
//! by the binary plus plugin libraries found on disk — and the rules for which
//! one wins when names collide.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use garita_sdk::{Connector, Manifest};
use serde::Serialize;

use crate::config::HostConfig;
use crate::discovery::{check_permissions, libraries_in, sha256_of};
use crate::error::HostError;
use crate::isolation::{PluginWorker, WorkerLaunch};
use crate::library::PluginLibrary;
use crate::manifest_cache::{CachedManifest, ManifestCache};
use crate::manifest_rules::manifest_problems;
use crate::schemas::{compile, ActionSchemas};

/// Where a connector came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Linked into the `garita` binary.
    BuiltIn,
    /// Loaded from this plugin library.
    Path(PathBuf),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BuiltIn => f.write_str("built-in"),
            Self::Path(path) => write!(f, "{}", path.display()),
        }
    }
}

/// Where a connector's code runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Isolation {
    /// Linked into garita: runs in its process.
    BuiltIn,
    /// A plugin library in a worker process of its own (the default).
    Worker,
    /// A plugin library pinned in garita's process (`plugins.in_process`).
    InProcess,
}

impl std::fmt::Display for Isolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::BuiltIn => "garita",
            Self::Worker => "worker",
            Self::InProcess => "garita (pinned)",
        })
    }
}

/// One line of `garita plugins list`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PluginInfo {
    /// The connector name.
    pub name: String,
    /// The connector's version.
    pub version: String,
    /// Its one-line description.
    pub description: String,
    /// Built in, or the library it was loaded from.
    pub origin: Origin,
    /// Its action names, in manifest order.
    pub actions: Vec<String>,
    /// SHA-256 of the library (for `plugins.allow_sha256`); `None` for built-ins.
    pub sha256: Option<String>,
    /// Where its code runs.
    pub isolation: Isolation,
}

/// What [`PluginHost::load_plugins`] did.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Connectors loaded from libraries.
    pub loaded: Vec<PluginInfo>,
    /// Libraries (or directories) refused, each with the reason.
    pub refused: Vec<HostError>,
    /// Configured directories that do not exist (skipped, not an error).
    pub missing_dirs: Vec<PathBuf>,
}

/// A library file that passed the checks made before running any of it.
struct CheckedLibrary {
    /// As found (for messages and `plugins list`).
    path: PathBuf,
    /// Canonical: the file that was checked, whatever links lead to it.
    exact: PathBuf,
    sha256: String,
}

/// A library running (in a worker or here) with its manifest.
struct OpenedLibrary {
    connector: Arc<dyn Connector>,
    manifest: Manifest,
    isolation: Isolation,
}

/// A registered connector with its manifest read once.
pub(crate) struct Registered {
    pub(crate) connector: Arc<dyn Connector>,
    pub(crate) manifest: Arc<Manifest>,
    pub(crate) origin: Origin,
    pub(crate) sha256: Option<String>,
    pub(crate) isolation: Isolation,
    /// Compiled schemas by action name.
    pub(crate) schemas: HashMap<String, ActionSchemas>,
}

impl Registered {
    fn new(
        connector: Arc<dyn Connector>,
        manifest: Manifest,
        origin: Origin,
        sha256: Option<String>,
        isolation: Isolation,
    ) -> Self {
        let schemas = compile(&manifest);
        Self {
            connector,
            manifest: Arc::new(manifest),
            origin,
            sha256,
            isolation,
            schemas,
        }
    }

    fn info(&self) -> PluginInfo {
        PluginInfo {
            name: self.manifest.name.clone(),
            version: self.manifest.version.clone(),
            description: self.manifest.description.clone(),
            origin: self.origin.clone(),
            actions: self
                .manifest
                .actions
                .iter()
                .map(|a| a.name.clone())
                .collect(),
            sha256: self.sha256.clone(),
            isolation: self.isolation,
        }
    }
}

/// The connectors available to runs; implements [`garita_engine::Connectors`].
///
/// Typical use by the binary:
///
/// ```no_run
/// # use std::sync::Arc;
/// # use garita_host::{HostConfig, PluginHost};
/// # fn demo(builtin: Arc<dyn garita_sdk::Connector>) -> Result<(), garita_host::HostError> {
/// let mut host = PluginHost::new(HostConfig::default());
/// host.register_builtin(builtin)?;            // built-ins first
/// let report = host.load_plugins();           // then libraries from plugins.dirs
/// for problem in &report.refused {
///     eprintln!("warning: {problem}");
/// }
/// # Ok(()) }
/// ```
pub struct PluginHost {
    pub(crate) config: HostConfig,
    pub(crate) connectors: BTreeMap<String, Registered>,
    /// How libraries run out of process; `None` loads them in this process
    /// (tests and benches of this crate, which have no worker program).
    workers: Option<WorkerLaunch>,
    /// Manifests remembered by SHA-256, when set.
    manifests_seen: Option<ManifestCache>,
}

impl std::fmt::Debug for PluginHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginHost")
            .field("connectors", &self.connectors.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl PluginHost {
    /// A host with no connectors yet.
    pub fn new(config: HostConfig) -> Self {
        Self {
            config,
            connectors: BTreeMap::new(),
            workers: None,
            manifests_seen: None,
        }
    }

    /// Remembers the manifests of libraries run in workers in `dir` (by
    /// SHA-256), so that a later load registers a library seen before
    /// without starting its worker until one of its actions is called.
    pub fn remember_manifests_in(&mut self, dir: PathBuf) {
        self.manifests_seen = Some(ManifestCache::new(dir));
    }

    /// Runs every library loaded from now on in worker processes of
    /// `program` (the `garita` binary, which serves
    /// [`WORKER_ARGS`](crate::isolation::WORKER_ARGS)), except those pinned
    /// in process by `plugins.in_process`.
    pub fn run_libraries_in_workers(&mut self, program: PathBuf) {
        self.workers = Some(WorkerLaunch {
            program,
            max_output: self.config.max_output_bytes,
            memory_mib: self.config.worker_memory_mib,
        });
    }

    /// The configuration the host was made with.
    pub fn config(&self) -> &HostConfig {
        &self.config
    }

    /// Adds a connector linked into the binary. Its manifest must be valid.
    ///
    /// Register built-ins before [`PluginHost::load_plugins`]. If a library
    /// already took the name and `plugins.override` does not list it, the
    /// built-in replaces it and the library is reported as refused
    /// ([`HostError::ShadowsBuiltIn`]).
    pub fn register_builtin(&mut self, connector: Arc<dyn Connector>) -> Result<(), HostError> {
        let manifest = guarded_manifest(connector.as_ref())?;
        let problems = manifest_problems(&manifest);
        if !problems.is_empty() {
            return Err(HostError::InvalidManifest {
                origin: format!("built-in connector `{}`", manifest.name),
                problems,
            });
        }
        let name = manifest.name.clone();
        let entry = Registered::new(
            connector,
            manifest,
            Origin::BuiltIn,
            None,
            Isolation::BuiltIn,
        );
        match self
            .connectors
            .get(&name)
            .map(|existing| existing.origin.clone())
        {
            None => {
                self.connectors.insert(name, entry);
                Ok(())
            }
            Some(Origin::BuiltIn) => Err(HostError::Duplicate {
                name: name.clone(),
                first: "a built-in connector".to_owned(),
                second: "another built-in connector".to_owned(),
            }),
            Some(Origin::Path(_)) if self.config.may_override(&name) => Ok(()),
            Some(Origin::Path(path)) => {
                self.connectors.insert(name.clone(), entry);
                Err(HostError::ShadowsBuiltIn { name, path })
            }
        }
    }

    /// Checks and loads one plugin library: permissions, allow-list, ABI, SDK
    /// version, manifest, then the name rules. Its initialisers run even when
    /// the name is then refused, since the name is only known after loading.
    pub fn load_library(&mut self, path: &Path) -> Result<PluginInfo, HostError> {
        let checked = self.check_library_file(path)?;
        let opened = self.open_checked(&checked)?;
        self.register_library(checked, opened)
    }

    /// Loads every library in `plugins.dirs`, in directory order then file-name
    /// order. A refused library does not stop the others. Worker processes
    /// are started side by side, so a library that is slow to describe
    /// itself costs its time limit once, not once per library.
    pub fn load_plugins(&mut self) -> LoadReport {
        let mut report = LoadReport::default();
        let mut checked = Vec::new();
        for dir in self.config.dirs.clone() {
            match libraries_in(&dir) {
                Ok(None) => report.missing_dirs.push(dir),
                Ok(Some(paths)) => {
                    for path in paths {
                        match self.check_library_file(&path) {
                            Ok(file) => checked.push(file),
                            Err(err) => report.refused.push(err),
                        }
                    }
                }
                Err(err) => report.refused.push(err),
            }
        }
        let this = &*self;
        let opened: Vec<Result<OpenedLibrary, HostError>> = std::thread::scope(|scope| {
            let started: Vec<_> = checked
                .iter()
                .map(|file| scope.spawn(move || this.open_checked(file)))
                .collect();
            started
                .into_iter()
                .zip(&checked)
                .map(|(thread, file)| {
                    thread.join().unwrap_or_else(|_| {
                        Err(HostError::Refused(format!(
                            "loading plugin library {} failed unexpectedly",
                            file.path.display()
                        )))
                    })
                })
                .collect()
        });
        for (file, opened) in checked.into_iter().zip(opened) {
            match opened.and_then(|opened| self.register_library(file, opened)) {
                Ok(info) => report.loaded.push(info),
                Err(err) => report.refused.push(err),
            }
        }
        for err in &report.refused {
            tracing::warn!(error = %err, "plugin library refused");
        }
        report
    }

    /// Permissions, hash and allow-list: everything judged from the file
    /// before any of its code runs.
    fn check_library_file(&self, path: &Path) -> Result<CheckedLibrary, HostError> {
        check_permissions(path)?;
        let sha256 = sha256_of(path)?;
        if !self.config.allows_sha256(&sha256) {
            return Err(HostError::NotAllowed {
                path: path.to_path_buf(),
                sha256,
            });
        }
        // The exact file that was checked, so a worker opens the same one.
        let exact = std::fs::canonicalize(path).map_err(|source| HostError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(CheckedLibrary {
            path: path.to_path_buf(),
            exact,
            sha256,
        })
    }

    /// Starts the library's worker (or loads it here when pinned in process,
    /// or when this host has no worker program) and reads its manifest.
    fn open_checked(&self, file: &CheckedLibrary) -> Result<OpenedLibrary, HostError> {
        match &self.workers {
            Some(launch) if !self.config.runs_in_process(&file.sha256) => {
                let seen = self
                    .manifests_seen
                    .as_ref()
                    .and_then(|cache| cache.get(&file.sha256));
                let worker = match seen {
                    Some(seen) => PluginWorker::deferred(
                        &file.exact,
                        launch.clone(),
                        seen.manifest,
                        seen.sdk_version,
                    ),
                    None => {
                        let worker = PluginWorker::start(&file.exact, launch.clone())?;
                        if let Some(cache) = &self.manifests_seen {
                            cache.put(
                                &file.sha256,
                                &CachedManifest {
                                    sdk_version: worker.sdk_version().to_owned(),
                                    manifest: worker.cached_manifest().clone(),
                                },
                            );
                        }
                        worker
                    }
                };
                let manifest = worker.cached_manifest().clone();
                // Checked again here: the worker runs the plugin's code.
                let problems = manifest_problems(&manifest);
                if !problems.is_empty() {
                    return Err(HostError::InvalidManifest {
                        origin: format!("plugin library {}", file.path.display()),
                        problems,
                    });
                }
                Ok(OpenedLibrary {
                    connector: Arc::new(worker),
                    manifest,
                    isolation: Isolation::Worker,
                })
            }
            _ => {
                let library = PluginLibrary::load(&file.path)?
                    .with_output_limit(self.config.max_output_bytes);
                let manifest = library.cached_manifest().clone();
                Ok(OpenedLibrary {
                    connector: Arc::new(library),
                    manifest,
                    isolation: Isolation::InProcess,
                })
            }
        }
    }

    /// Applies the name rules and adds the library's connector.
    fn register_library(
        &mut self,
        file: CheckedLibrary,
        opened: OpenedLibrary,
    ) -> Result<PluginInfo, HostError> {
        let OpenedLibrary {
            connector,
            manifest,
            isolation,
        } = opened;
        let path = file.path;
        let name = manifest.name.clone();
        match self.connectors.get(&name).map(|existing| &existing.origin) {
            Some(Origin::BuiltIn) if !self.config.may_override(&name) => {
                return Err(HostError::ShadowsBuiltIn { name, path });
            }
            Some(Origin::Path(first)) => {
                return Err(HostError::Duplicate {
                    name,
                    first: format!("plugin library {}", first.display()),
                    second: format!("plugin library {}", path.display()),
                });
            }
            Some(Origin::BuiltIn) => {
                tracing::info!(connector = %name, library = %path.display(), "plugin replaces the built-in connector (plugins.override)")
            }
            None => {}
        }
        let entry = Registered::new(
            connector,
            manifest,
            Origin::Path(path),
            Some(file.sha256),
            isolation,
        );
        let info = entry.info();
        self.connectors.insert(name, entry);
        Ok(info)
    }

    /// Every connector's manifest, sorted by name.
    pub fn manifests(&self) -> Vec<Manifest> {
        self.connectors
            .values()
            .map(|entry| (*entry.manifest).clone())
            .collect()
    }

    /// Every connector with its origin, sorted by name.
    pub fn list(&self) -> Vec<PluginInfo> {
        self.connectors.values().map(Registered::info).collect()
    }

    /// The connector registered as `name`, for direct use (e.g. conformance checks).
    pub fn connector(&self, name: &str) -> Option<Arc<dyn Connector>> {
        self.connectors
            .get(name)
            .map(|entry| Arc::clone(&entry.connector))
    }
}

/// Reads a built-in's manifest, turning a panic into an error.
fn guarded_manifest(connector: &dyn Connector) -> Result<Manifest, HostError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| connector.manifest())).map_err(
        |payload| HostError::InvalidManifest {
            origin: "a built-in connector".to_owned(),
            problems: vec![format!(
                "`manifest()` panicked: {}",
                garita_sdk::abi::panic_message(&*payload)
            )],
        },
    )
}
