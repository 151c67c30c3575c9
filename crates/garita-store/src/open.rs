//! [`SledStore::open`]: the directory, sled's configuration, the lock and the
//! schema check, each failure turned into a [`StoreError`] that says what to do.

use std::fs::DirBuilder;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Arc;

use garita_engine::{RecordingClock, StoreError};

use crate::durable_flush::DurableFlush;
use crate::errors::{io_error, sled_error};
use crate::file_sync::{sync_dir, sync_file};
use crate::group_commit::GroupCommit;
use crate::holder;
use crate::options::{Durability, StoreOptions};
use crate::schema::{self, SchemaState};
use crate::store::SledStore;
use crate::trees::Trees;

/// What sled 0.34.7 puts in the io error when another handle holds its file
/// lock (`flock(LOCK_EX | LOCK_NB)` gave `EWOULDBLOCK`); sled wraps that
/// error in one of kind `Other`, so the text is all there is to go by.
const SLED_LOCK_MESSAGE: &str = "could not acquire lock";

/// How many times (20 ms apart) to retry a refused lock: two seconds in all.
const LOCK_RETRIES: u32 = 100;

/// Permissions of a store directory Garita creates: the owner only, since it
/// holds who has which government-portal account.
const PRIVATE_DIR_MODE: u32 = 0o700;

impl SledStore {
    /// Opens the store in `dir`, creating the directory (mode 0700) and an
    /// empty store on first use.
    ///
    /// Fails with [`StoreError::Locked`] when another process (or another
    /// handle in this one) has the store open, [`StoreError::NewerSchema`]
    /// when a newer Garita wrote it, [`StoreError::Corrupt`] when sled finds
    /// damaged files (even if sled panics on them), and [`StoreError::Io`]
    /// when the directory cannot be created or written.
    pub fn open(dir: &Path, options: StoreOptions) -> Result<SledStore, StoreError> {
        Self::open_with_clock(dir, options, RecordingClock::system())
    }

    /// [`SledStore::open`], with `clock` dating the audit and account
    /// history entries this handle writes (`recorded_at`, and `pinned_at`
    /// when the business clock is pinned); `open` uses the system clock.
    pub fn open_with_clock(
        dir: &Path,
        options: StoreOptions,
        clock: RecordingClock,
    ) -> Result<SledStore, StoreError> {
        let created = create_private_dir(dir)?;
        match crate::leftovers::clear_unfinished_snapshots(dir) {
            Ok(removed) => {
                for path in removed {
                    tracing::warn!(file = %path.display(), "removed an unfinished sled snapshot left by an interrupted write (a full disk or a kill); the store recovers from its log");
                }
            }
            // sled then says what it finds; nothing is lost by going on.
            Err(e) => {
                tracing::warn!(store = %dir.display(), error = %e, "cannot look for unfinished sled snapshots")
            }
        }
        let db = open_sled(dir, &options)?;
        if let Err(e) = holder::write_pid_file(dir) {
            // Only the message of a refused second process gets poorer.
            tracing::warn!(store = %dir.display(), error = %e, "cannot write {}", holder::PID_FILE);
        }
        let store = finish_open(dir, db, &options, created, clock)
            .inspect_err(|_| holder::remove_pid_file(dir))?;
        crate::permissions::make_owner_only(dir);
        Ok(store)
    }
}

/// Creates `dir` owner-only when missing; true when it did.
fn create_private_dir(dir: &Path) -> Result<bool, StoreError> {
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => return Ok(false),
        Ok(_) => {
            return Err(StoreError::Io {
                path: dir.display().to_string(),
                detail: "it exists but is not a directory; choose another path with --store DIR"
                    .into(),
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(dir, "looking at the store directory", &e)),
    }
    DirBuilder::new()
        .recursive(true)
        .mode(PRIVATE_DIR_MODE)
        .create(dir)
        .map_err(|e| io_error(dir, "creating the store directory", &e))?;
    Ok(true)
}

/// Opens sled with our settings, turning its lock error and its panics on
/// damaged files into store errors.
fn open_sled(dir: &Path, options: &StoreOptions) -> Result<sled::Db, StoreError> {
    let config = crate::sled_config::sled_config(dir)?
        .cache_capacity(options.cache_capacity)
        .mode(sled::Mode::HighThroughput)
        // We flush ourselves, after each commit (group commit); a timer
        // flush would only add flushes nobody waits for.
        .flush_every_ms(None);
    match open_waiting_for_lock(&config) {
        Ok(Ok(db)) => Ok(db),
        Ok(Err(e)) if is_lock_refusal(&e) => Err(StoreError::Locked {
            path: dir.display().to_string(),
            holder: holder::describe_holder(dir),
        }),
        Ok(Err(e)) => Err(sled_error(dir, "opening the sled database", e)),
        Err(panic) => Err(StoreError::Corrupt {
            what: format!("sled data in {}", dir.display()),
            detail: format!(
                "sled panicked while opening it ({})",
                panic_message(&*panic)
            ),
        }),
    }
}

/// Opens the store `config` names, retrying while sled refuses its file lock
/// (every 20 ms, two seconds in all), with sled's panics on damaged files
/// caught.
///
/// A refused lock is often about to be released: sled's own I/O threads
/// keep it a moment after the last handle of a store closed in this
/// process (restore reopens what it swapped in; tests reopen what they
/// wrote), and two short commands started together (cron, scripts) each
/// hold it for tens of ms. (A daemon holds it for good, but commands find a
/// daemon through its control API before they get here.)
pub(crate) fn open_waiting_for_lock(
    config: &sled::Config,
) -> std::thread::Result<sled::Result<sled::Db>> {
    let mut attempt = 0;
    loop {
        let opened = std::panic::catch_unwind(AssertUnwindSafe(|| config.open()));
        let refused = matches!(&opened, Ok(Err(e)) if is_lock_refusal(e));
        if !refused || attempt == LOCK_RETRIES {
            return opened;
        }
        attempt += 1;
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Whether sled refused to open because another handle holds its file lock.
fn is_lock_refusal(error: &sled::Error) -> bool {
    matches!(error, sled::Error::Io(e) if e.to_string().contains(SLED_LOCK_MESSAGE))
}

/// The text of a panic payload, when it has one.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "no message".to_string()
    }
}

/// Everything after sled's lock is ours: trees, schema, first sync, flusher.
fn finish_open(
    dir: &Path,
    db: sled::Db,
    options: &StoreOptions,
    created: bool,
    clock: RecordingClock,
) -> Result<SledStore, StoreError> {
    let trees = Trees::open(&db, dir, clock)?;
    let marked = schema::was_initialized(dir);
    let state = schema::check_or_init(
        &db,
        &trees.meta,
        &trees.audit.tree,
        dir,
        marked || !trees.runs.is_empty(),
    )?;
    let flush = Arc::new(DurableFlush::new(
        db.clone(),
        dir.to_path_buf(),
        options.durability,
    )?);
    if matches!(state, SchemaState::Initialized | SchemaState::Upgraded) {
        flush.run()?;
    }
    let power_loss = options.durability == Durability::PowerLoss;
    if !marked {
        // Only after the version is durable: a marker without it would make
        // a store interrupted in its first open look damaged.
        schema::mark_initialized(dir)
            .map_err(|e| io_error(dir, "writing the store's marker file", &e))?;
        if power_loss {
            sync_file(&dir.join(schema::INITIALIZED_MARKER))
                .and_then(|()| sync_dir(dir))
                .map_err(|e| io_error(dir, "syncing the store's marker file", &e))?;
        }
    }
    if created && power_loss {
        // The new directory's own entry lives in its parent.
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_dir(parent).map_err(|e| {
                io_error(parent, "syncing the parent of the new store directory", &e)
            })?;
        }
    }
    let group = GroupCommit::start(trees.clone(), Arc::clone(&flush), dir)?;
    Ok(SledStore {
        path: dir.to_path_buf(),
        db,
        trees,
        flush,
        group,
    })
}
