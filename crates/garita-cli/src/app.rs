//! The command line's view of the application layer: [`garita_app::App`]
//! (the wiring every command needs) with the global options a command was
//! given, and, when the daemon runs a command for a client of its control
//! API, the daemon's own store and engine and the client's files.
//!
//! When the daemon runs a command for a client, the app is a
//! [`App::for_client`] fork: the store and the engine are the daemon's own
//! (so a run is never driven by two engines at once), and the files the
//! client named on its command line come from the request, not the daemon's
//! disk.

use std::collections::BTreeMap;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use garita_app::Backend;
use garita_engine::executor::Engine;
use garita_store::SledStore;

use crate::cli::GlobalArgs;

pub use garita_app::wiring::{read_workflow_source, write_file_whole};

pub struct App {
    pub global: GlobalArgs,
    /// The wiring, shared by the daemon and the commands it runs for clients.
    wiring: Arc<garita_app::App>,
    /// In the daemon: its open store and engine, lent to a client's command.
    lent: Option<Lent>,
    /// In the daemon: the files a client's command names, as the client sent them.
    client_files: Option<ClientFiles>,
}

/// The commands reach the wiring's settings, clocks and connectors
/// directly (`app.settings`, `app.clock`); the store and the engine go
/// through [`App::open_store`] and [`App::engine`], which are the daemon's
/// when it lends them.
impl Deref for App {
    type Target = garita_app::App;

    fn deref(&self) -> &garita_app::App {
        &self.wiring
    }
}

/// The daemon's store and engine, used by the commands it runs for clients.
#[derive(Clone)]
pub struct Lent {
    /// The store the daemon holds.
    pub store: Arc<SledStore>,
    /// The engine the daemon drives runs with (its run pool shares it).
    pub engine: Arc<Engine>,
    /// The daemon's scheduler, for pausing and unpausing schedules.
    pub schedules: garita_app::schedule_control::ScheduleControl,
}

/// Files named on a client's command line: read by the client and sent in
/// the request; files the command writes are kept here for the client to write.
#[derive(Debug, Default)]
pub struct ClientFiles {
    /// Contents of the files the client read, by the path as the client gave it.
    pub read: BTreeMap<PathBuf, String>,
    /// Files the command wrote, in order, for the client to write.
    pub written: Mutex<Vec<(PathBuf, String)>>,
}

impl App {
    pub fn new(global: GlobalArgs) -> anyhow::Result<Self> {
        let wiring = garita_app::App::new(options_of(&global))?;
        Ok(Self {
            global,
            wiring: Arc::new(wiring),
            lent: None,
            client_files: None,
        })
    }

    /// This app for one command the daemon runs for a client: the client's
    /// global options, the daemon's store and engine, the client's files.
    pub fn for_client(&self, global: GlobalArgs, lent: Lent, files: ClientFiles) -> Self {
        Self {
            global,
            wiring: self.wiring.clone(),
            lent: Some(lent),
            client_files: Some(files),
        }
    }

    /// The files the command wrote for its client (empty outside the daemon).
    pub fn take_written_files(&self) -> Vec<(PathBuf, String)> {
        self.client_files.as_ref().map_or_else(Vec::new, |files| {
            std::mem::take(&mut *files.written.lock().unwrap_or_else(|p| p.into_inner()))
        })
    }

    /// Reads a text file named on the command line with `read`; for a
    /// client's command, the contents the client sent instead.
    pub fn read_named_file(
        &self,
        path: &Path,
        read: impl FnOnce(&Path) -> anyhow::Result<String>,
    ) -> anyhow::Result<String> {
        match &self.client_files {
            None => read(path),
            Some(files) => files.read.get(path).cloned().ok_or_else(|| {
                anyhow::anyhow!(
                    "{} was not sent with the request; the client reads the files it names and sends them (this is a bug in the client)",
                    path.display()
                )
            }),
        }
    }

    /// Writes a file named on the command line, whole or not at all (written
    /// aside, then renamed); for a client's command, kept for the client.
    pub fn write_named_file(&self, path: &Path, contents: String) -> anyhow::Result<()> {
        match &self.client_files {
            None => Ok(write_file_whole(
                &self.store_dir(),
                path,
                contents.as_bytes(),
            )?),
            Some(files) => {
                files
                    .written
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((path.to_path_buf(), contents));
                Ok(())
            }
        }
    }

    /// The session the operations work on: the daemon's store and engine
    /// when it lends them, else the store opened here with an engine of its own.
    pub fn session(&self) -> anyhow::Result<garita_app::Session> {
        Ok(match &self.lent {
            Some(lent) => garita_app::Session::lent(
                self.wiring.clone(),
                lent.store.clone(),
                lent.engine.clone(),
                lent.schedules.clone(),
            ),
            None => garita_app::Session::open(self.wiring.clone())?,
        })
    }

    /// Opens the store; in the daemon, the one it holds.
    pub fn open_store(&self) -> anyhow::Result<Arc<SledStore>> {
        match &self.lent {
            Some(lent) => Ok(lent.store.clone()),
            None => Ok(self.wiring.open_store()?),
        }
    }

    /// An engine over `backend`, sending email through its outbox; in the
    /// daemon, the daemon's own engine (its commands all work on the store
    /// it holds, and one engine per store drives each run once at a time).
    pub fn engine(&self, backend: &Backend) -> Arc<Engine> {
        match &self.lent {
            Some(lent) => lent.engine.clone(),
            None => self.wiring.engine(backend),
        }
    }
}

/// The wiring's options from the command line's global ones.
pub fn options_of(global: &GlobalArgs) -> garita_app::AppOptions {
    garita_app::AppOptions {
        config: global.config.clone(),
        store: global.store.clone(),
        now: global.now.clone(),
    }
}
