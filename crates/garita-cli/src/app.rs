//! The command line's view of the application layer: [`garita_app::App`]
//! (the wiring every command needs) with the global options a command was
//! given, and, in the daemon, the store and engine it lends to the
//! operations its control API serves (so a run is never driven by two
//! engines at once).

use std::sync::Arc;

use garita_app::Backend;
use garita_engine::executor::Engine;
use garita_store::SledStore;

use crate::cli::GlobalArgs;

pub use garita_app::wiring::read_workflow_source;

pub struct App {
    pub global: GlobalArgs,
    /// The wiring, shared by the daemon and the commands it runs for clients.
    wiring: Arc<garita_app::App>,
    /// In the daemon: its open store and engine, lent to a client's command.
    lent: Option<Lent>,
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

impl App {
    pub fn new(global: GlobalArgs) -> anyhow::Result<Self> {
        let wiring = garita_app::App::new(options_of(&global))?;
        Ok(Self {
            global,
            wiring: Arc::new(wiring),
            lent: None,
        })
    }

    /// This app with the daemon's store and engine lent to what it serves.
    pub fn lending(&self, lent: Lent) -> Self {
        Self {
            global: self.global.clone(),
            wiring: self.wiring.clone(),
            lent: Some(lent),
        }
    }

    /// The wiring: settings, clocks, connectors.
    pub fn wiring(&self) -> &garita_app::App {
        &self.wiring
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
