//! What the control server holds of the daemon ([`ControlState`]), and how
//! a request's caller is judged: its clock, whether it is trusted with any
//! path, and the HTTP status of each class of failure.

use std::sync::Arc;

use garita_app::{AppError, ErrorClass};
use tokio::sync::Notify;

use super::protocol::Health;
use garita_app::workflow_dir::SharedDirStatus;

/// What the control server needs from the daemon.
pub struct ControlState {
    /// The daemon's wiring, store, engine and scheduler, for the typed
    /// operations.
    pub session: garita_app::Session,
    /// What `/v1/health` answers (its workflow counts come from `workflow_dir`).
    pub health: Health,
    /// The workflows the daemon has in force and the files it refused.
    pub workflow_dir: SharedDirStatus,
    /// Wakes the daemon's loop after a command changed something, so a new
    /// timer or a queued event is seen at once, not at the next idle look.
    pub nudge: Arc<Notify>,
}

/// Whether the client is the daemon's own user or root, as the kernel says
/// (the Unix socket): such a client can already read and write every file
/// the daemon can, so the paths it names are its own business. A client
/// over TCP (the token is all that vouches for it) or of another uid names
/// only files in `[files] allowed_dirs`.
pub fn is_trusted_peer(peer_uid: Option<u32>) -> bool {
    peer_uid.is_some_and(|uid| uid == 0 || uid == rustix::process::geteuid().as_raw())
}

/// The daemon's clock decides for every command it runs: a client's
/// `--now` is accepted only when it is the daemon's own pinned instant.
pub fn check_clock(state: &ControlState, now: Option<&str>) -> Result<(), AppError> {
    let Some(text) = now else {
        return Ok(());
    };
    let asked = garita_app::wiring::parse_now(text)?;
    let daemon_now = state.session.engine.clock().now();
    if state.session.app.pinned_clock && daemon_now == asked {
        return Ok(());
    }
    Err(AppError::Usage(format!(
        "--now / GARITA_NOW ({text}) cannot be used while `garita daemon` (pid {}) holds the store: the daemon's clock decides. Drop --now, or stop the daemon to rehearse on a pinned clock",
        state.health.pid
    )))
}

/// The HTTP status of each class of failure.
pub fn status_of_class(class: ErrorClass) -> u16 {
    match class {
        ErrorClass::Usage => 400,
        ErrorClass::NotFound => 404,
        ErrorClass::Conflict => 409,
        ErrorClass::Refused => 422,
        ErrorClass::Internal => 500,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_class_has_its_status() {
        assert_eq!(status_of_class(ErrorClass::Usage), 400);
        assert_eq!(status_of_class(ErrorClass::NotFound), 404);
        assert_eq!(status_of_class(ErrorClass::Conflict), 409);
        assert_eq!(status_of_class(ErrorClass::Refused), 422);
        assert_eq!(status_of_class(ErrorClass::Internal), 500);
    }
}
