//! An open store with the engine that drives its runs: what the operations
//! work on, whether a command opened the store itself or the daemon lends
//! the one it holds.

use std::path::PathBuf;
use std::sync::Arc;

use garita_engine::executor::Engine;

use crate::schedule_control::ScheduleControl;
use crate::{App, AppError, Backend};

/// The store, its engine and (in the daemon) its scheduler.
#[derive(Clone)]
pub struct Session {
    /// The wiring: settings, clocks, connectors.
    pub app: Arc<App>,
    /// The store as the traits the operations need.
    pub backend: Backend,
    /// The engine that drives the store's runs.
    pub engine: Arc<Engine>,
    /// The daemon's scheduler, when the daemon serves this session (pausing
    /// a schedule behind its back would be overwritten).
    pub schedules: Option<ScheduleControl>,
    /// The workflows directory the daemon serving this session loaded (the
    /// default of the schedule operations there).
    pub workflows_dir: Option<PathBuf>,
}

impl Session {
    /// Opens the configured store, with an engine of its own.
    pub fn open(app: Arc<App>) -> Result<Self, AppError> {
        let backend = app.open_backend()?;
        let engine = app.engine(&backend);
        Ok(Self {
            app,
            backend,
            engine,
            schedules: None,
            workflows_dir: None,
        })
    }

    /// Who a change is recorded as: `by` when given, else this machine's
    /// `[identity] default_by` or operating-system user.
    pub fn author(&self, by: Option<String>) -> String {
        crate::identity::author(by, &self.app.settings)
    }

    /// The daemon's own store, engine and scheduler.
    pub fn lent(
        app: Arc<App>,
        backend: Backend,
        engine: Arc<Engine>,
        schedules: ScheduleControl,
    ) -> Self {
        Self {
            app,
            backend,
            engine,
            schedules: Some(schedules),
            workflows_dir: None,
        }
    }
}
