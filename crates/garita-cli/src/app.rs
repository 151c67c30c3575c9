//! The command line's view of the application layer: [`garita_app::App`]
//! (the wiring every command needs) with the global options a command was
//! given. (The daemon lends its store and engine to the operations its
//! control API serves as a `garita_app::Session`, so a run is never driven
//! by two engines at once.)

use std::sync::Arc;

use garita_app::Backend;
use garita_engine::executor::Engine;

use crate::cli::GlobalArgs;

pub use garita_app::wiring::read_workflow_source;

pub struct App {
    pub global: GlobalArgs,
    /// The wiring, shared with the sessions opened from it.
    wiring: Arc<garita_app::App>,
}

impl App {
    pub fn new(global: GlobalArgs) -> anyhow::Result<Self> {
        let settings = garita_app::config::load(global.config.as_deref())?;
        Self::with_settings(global, settings)
    }

    /// [`App::new`] with the configuration already read.
    pub fn with_settings(
        global: GlobalArgs,
        settings: garita_app::config::Settings,
    ) -> anyhow::Result<Self> {
        let wiring = garita_app::App::with_settings(options_of(&global), settings)?;
        Ok(Self {
            global,
            wiring: Arc::new(wiring),
        })
    }

    /// The wiring: settings, clocks, connectors.
    pub fn wiring(&self) -> &garita_app::App {
        &self.wiring
    }

    /// The wiring, to share with a session (the daemon's).
    pub fn shared_wiring(&self) -> Arc<garita_app::App> {
        self.wiring.clone()
    }

    /// A session on the store opened here, with an engine of its own.
    pub fn session(&self) -> anyhow::Result<garita_app::Session> {
        Ok(garita_app::Session::open(self.wiring.clone())?)
    }

    /// Opens the configured store as a backend.
    pub fn open_backend(&self) -> anyhow::Result<Backend> {
        Ok(self.wiring.open_backend()?)
    }

    /// An engine over `backend`, sending email through its outbox.
    pub fn engine(&self, backend: &Backend) -> Arc<Engine> {
        self.wiring.engine(backend)
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
