//! Time as the engine sees it. Nothing in the engine reads the system clock
//! directly, so a run, a schedule or a whole season can be simulated.
//!
//! Two times, kept apart: the business clock ([`Clock`], pinned by
//! `--now`) dates what happens in a run; the [`RecordingClock`] dates the
//! evidence of it (audit and history entries) with the system time at the
//! moment of writing, so that a pinned clock can never backdate evidence.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

/// A source of "now".
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The real wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to: for `--now`, tests and `garita simulate`.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock pinned at `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(now),
        }
    }

    /// Moves the clock to `now` (it may go backwards; callers decide).
    pub fn set(&self, now: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = now;
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        let mut guard = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *guard += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// When a piece of evidence (an audit entry, an account history entry) was
/// written: the system time, and the business clock's reading when that
/// clock was pinned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteTime {
    /// The system clock (UTC) at the moment of writing, whatever `--now` says.
    pub recorded_at: DateTime<Utc>,
    /// The pinned business clock's instant at that moment; `None` when the
    /// business clock was the system clock.
    pub pinned_at: Option<DateTime<Utc>>,
}

/// Dates evidence. Holds the system clock (a [`ManualClock`] in tests) and,
/// only when `--now` pinned it, the business clock, so that a pinned
/// instant is recorded beside the real one and never instead of it.
#[derive(Clone)]
pub struct RecordingClock {
    system: Arc<dyn Clock>,
    pinned: Option<Arc<dyn Clock>>,
}

impl RecordingClock {
    /// `system` gives the real time; `pinned` is the business clock when it
    /// was pinned (`None`: it is the system clock, nothing to add).
    pub fn new(system: Arc<dyn Clock>, pinned: Option<Arc<dyn Clock>>) -> Self {
        Self { system, pinned }
    }

    /// The system clock, with no pinned business clock.
    pub fn system() -> Self {
        Self::new(Arc::new(SystemClock), None)
    }

    /// The times a piece of evidence written now carries.
    pub fn now(&self) -> WriteTime {
        WriteTime {
            recorded_at: self.system.now(),
            pinned_at: self.pinned.as_ref().map(|clock| clock.now()),
        }
    }

    /// True when the business clock is pinned.
    pub fn is_pinned(&self) -> bool {
        self.pinned.is_some()
    }
}

impl std::fmt::Debug for RecordingClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordingClock")
            .field("pinned", &self.is_pinned())
            .finish_non_exhaustive()
    }
}

impl Default for RecordingClock {
    fn default() -> Self {
        Self::system()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pinned_business_clock_is_recorded_beside_the_system_time_never_instead() {
        let real = DateTime::from_timestamp(1_796_000_000, 0).unwrap();
        let pinned_at = DateTime::from_timestamp(1_803_902_400, 0).unwrap();
        let system = Arc::new(ManualClock::new(real));
        let business = Arc::new(ManualClock::new(pinned_at));
        let pinned = RecordingClock::new(system.clone(), Some(business.clone()));
        assert!(pinned.is_pinned());
        assert_eq!(
            pinned.now(),
            WriteTime {
                recorded_at: real,
                pinned_at: Some(pinned_at)
            }
        );
        // Each clock moves on its own; the record follows both.
        system.advance(chrono::Duration::seconds(5));
        business.advance(chrono::Duration::days(1));
        let later = pinned.now();
        assert_eq!(later.recorded_at, real + chrono::Duration::seconds(5));
        assert_eq!(later.pinned_at, Some(pinned_at + chrono::Duration::days(1)));

        let unpinned = RecordingClock::new(system, None);
        assert!(!unpinned.is_pinned());
        assert_eq!(unpinned.now().pinned_at, None);
    }
}
