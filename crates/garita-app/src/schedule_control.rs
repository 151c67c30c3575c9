//! Pausing and unpausing schedules while the daemon runs. The daemon's
//! scheduler keeps each trigger's state in memory and writes it back after
//! every fire, so a pause written to the store behind its back would be
//! ignored and then overwritten: a client's `schedules pause|unpause` is
//! handed to the daemon's loop, which applies it through its scheduler.

use garita_engine::schedule::{ScheduleError, TriggerKey};
use tokio::sync::{mpsc, oneshot};

use crate::error::AppError;

/// One pause or unpause, with where to send the outcome.
#[derive(Debug)]
pub struct PauseRequest {
    /// The workflow whose schedule triggers change.
    pub workflow: String,
    /// Pause (true) or unpause (false).
    pub paused: bool,
    /// The triggers changed, or why not.
    pub reply: oneshot::Sender<Result<Vec<TriggerKey>, ScheduleError>>,
}

/// The handle commands use to reach the daemon's scheduler.
#[derive(Debug, Clone)]
pub struct ScheduleControl {
    requests: mpsc::Sender<PauseRequest>,
}

impl ScheduleControl {
    /// A handle and the receiving end the daemon's loop serves.
    pub fn channel() -> (Self, mpsc::Receiver<PauseRequest>) {
        let (requests, receiver) = mpsc::channel(16);
        (Self { requests }, receiver)
    }

    /// Pauses or unpauses every schedule trigger of `workflow` in the daemon.
    pub async fn set_paused(
        &self,
        workflow: &str,
        paused: bool,
    ) -> Result<Vec<TriggerKey>, AppError> {
        let (reply, answer) = oneshot::channel();
        let request = PauseRequest {
            workflow: workflow.to_owned(),
            paused,
            reply,
        };
        let stopped = || {
            AppError::Refused(
                "the daemon is stopping; run the command again once it has stopped (or restarted)"
                    .into(),
            )
        };
        self.requests.send(request).await.map_err(|_| stopped())?;
        Ok(answer.await.map_err(|_| stopped())??)
    }
}
