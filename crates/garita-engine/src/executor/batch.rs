//! The commit batch of one drive: events recorded since the last commit,
//! made durable together (before a side effect, when due, at the end).

use super::commit_deferral::{OldestUncommitted, MAX_UNCOMMITTED_EVENTS};
use crate::run::{RunEvent, RunRecord, RunStatus};
use crate::secret_redactor::SecretRedactor;
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};

/// Events recorded but not yet durable, with the run's summary.
pub(super) struct Batch<'r> {
    pub(super) record: &'r mut RunRecord,
    pub(super) pending: Vec<RunEvent>,
    /// How long `pending` has waited, to bound the deferral of commits.
    pub(super) oldest_pending: OldestUncommitted,
    /// Status and wake-up time as last stored, to notice a summary change
    /// that comes without new events (a parent parking after creating children).
    pub(super) stored: (RunStatus, Option<DateTime<Utc>>),
    /// Secret values kept out of events, errors and logs.
    pub(super) redactor: SecretRedactor,
}

impl<'r> Batch<'r> {
    pub(super) fn new(record: &'r mut RunRecord) -> Self {
        let stored = (record.status, record.wake_at);
        Self {
            record,
            pending: Vec::new(),
            oldest_pending: OldestUncommitted::default(),
            stored,
            redactor: SecretRedactor::default(),
        }
    }

    pub(super) fn push(&mut self, event: RunEvent) {
        self.record.updated_at = event.at();
        self.pending.push(event);
        self.oldest_pending.recorded();
    }

    /// True when what waits for a commit should not wait any longer: too
    /// many events, or the oldest has waited too long.
    pub(super) fn commit_due(&self) -> bool {
        self.pending.len() >= MAX_UNCOMMITTED_EVENTS || self.oldest_pending.overdue()
    }

    pub(super) fn fail_run(&mut self, at: DateTime<Utc>, error: String) {
        let error = self.redactor.redact_text(&error);
        tracing::warn!(run = %self.record.id, %error, "run failed");
        self.record.status = RunStatus::Failed;
        self.record.wake_at = None;
        self.record.error = Some(error.clone());
        self.push(RunEvent::RunFailed { error, at });
    }

    /// Makes everything recorded so far durable. Called before every side
    /// effect and before the driver returns.
    pub(super) async fn commit(&mut self, store: &dyn Store) -> Result<(), StoreError> {
        let summary_changed = self.stored != (self.record.status, self.record.wake_at);
        if self.pending.is_empty() && !summary_changed {
            return Ok(());
        }
        let events = std::mem::take(&mut self.pending);
        self.oldest_pending.committed();
        store.append(self.record, &events).await?;
        self.stored = (self.record.status, self.record.wake_at);
        Ok(())
    }
}
