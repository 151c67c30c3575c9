//! The store a command works on, as the traits the engine and the commands
//! need, composed in one place. Every engine built on a backend sends
//! `email.send` through the backend's durable outbox and reads accounts
//! from it: that wiring follows from the backend, whatever store it is,
//! never from which object happens to be which.

use std::sync::Arc;

use garita_engine::audit::AuditLog;
use garita_engine::backup::BackupRecords;
use garita_engine::lease::{LocalLeases, RunLeases};
use garita_engine::link::LinkStore;
use garita_engine::schedule::ScheduleStore;
use garita_engine::user::UserStore;
use garita_engine::{AccountStore, OutboxStore, Store, StoreHealth, StoreWakeups};
use garita_store::SledStore;
use garita_store_postgres::PostgresStore;

/// One store seen through each trait it provides.
#[derive(Clone)]
pub struct Backend {
    /// Runs, events, timers and tasks.
    pub runs: Arc<dyn Store>,
    /// The accounts inventory.
    pub accounts: Arc<dyn AccountStore>,
    /// The durable outbox of email.
    pub outbox: Arc<dyn OutboxStore>,
    /// The schedule triggers' states.
    pub schedules: Arc<dyn ScheduleStore>,
    /// Console users, their sessions and failed sign-ins.
    pub users: Arc<dyn UserStore>,
    /// Holders' links, their secret and calendar feed tokens.
    pub links: Arc<dyn LinkStore>,
    /// The tamper-evident audit log.
    pub audit: Arc<dyn AuditLog>,
    /// Every record at once: backups, restores, copies between stores.
    pub backup: Arc<dyn BackupRecords>,
    /// Whether the store can still write.
    pub health: Arc<dyn StoreHealth>,
    /// Which process drives which run.
    pub leases: Arc<dyn RunLeases>,
    /// Word of other processes' writes, on a store several share.
    pub wakeups: Option<Arc<dyn StoreWakeups>>,
}

impl Backend {
    /// The sled store (the embedded default) as a backend.
    pub fn sled(store: &Arc<SledStore>) -> Self {
        Self {
            runs: store.clone(),
            accounts: store.clone(),
            outbox: store.clone(),
            schedules: store.clone(),
            users: store.clone(),
            links: store.clone(),
            audit: store.clone(),
            backup: store.clone(),
            health: store.clone(),
            // sled lets one process open a store, so its leases can live in
            // that process's memory.
            leases: Arc::new(LocalLeases::new()),
            // Nobody else can write it.
            wakeups: None,
        }
    }

    /// A PostgreSQL store as a backend. Several processes may hold the
    /// same database, so its leases live in the database too.
    pub fn postgres(store: &Arc<PostgresStore>) -> Self {
        Self {
            runs: store.clone(),
            accounts: store.clone(),
            outbox: store.clone(),
            schedules: store.clone(),
            users: store.clone(),
            links: store.clone(),
            audit: store.clone(),
            backup: store.clone(),
            health: store.clone(),
            leases: store.clone(),
            wakeups: Some(store.clone()),
        }
    }
}
