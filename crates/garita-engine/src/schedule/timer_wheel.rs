//! The next fire of every schedule trigger, earliest first.
//!
//! A min-heap rather than a scan: finding what is due costs O(log n) per due
//! trigger and nothing per idle one, so a tick with nothing due is a single
//! peek however many workflows are loaded. Runs waiting on timers are not
//! here; the store's timer index answers for them (`Store::due_runs`,
//! `Store::next_wake`).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use chrono::{DateTime, Utc};

use super::state::TriggerKey;

/// Pending trigger fires, ordered by instant (then by key, so ties are
/// handled in a stable order).
#[derive(Debug, Default)]
pub struct TimerWheel {
    heap: BinaryHeap<Reverse<(DateTime<Utc>, TriggerKey)>>,
}

impl TimerWheel {
    /// An empty wheel.
    pub fn new() -> Self {
        Self::default()
    }

    /// Schedules `key` to be looked at at `at`.
    pub fn push(&mut self, at: DateTime<Utc>, key: TriggerKey) {
        self.heap.push(Reverse((at, key)));
    }

    /// The earliest pending instant.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.heap.peek().map(|Reverse((at, _))| *at)
    }

    /// Removes and returns the earliest entry if it is due at `now`.
    pub fn pop_due(&mut self, now: DateTime<Utc>) -> Option<(DateTime<Utc>, TriggerKey)> {
        match self.heap.peek() {
            Some(Reverse((at, _))) if *at <= now => self.heap.pop().map(|Reverse(entry)| entry),
            _ => None,
        }
    }

    /// Number of pending entries.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Forgets every entry (before loading a new set of workflows).
    pub fn clear(&mut self) {
        self.heap.clear();
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn pops_due_entries_earliest_first_and_leaves_the_rest() {
        let at = |h| Utc.with_ymd_and_hms(2026, 1, 1, h, 0, 0).unwrap();
        let mut wheel = TimerWheel::new();
        wheel.push(at(9), TriggerKey::new("b", 0));
        wheel.push(at(8), TriggerKey::new("a", 0));
        wheel.push(at(12), TriggerKey::new("c", 1));
        assert_eq!(wheel.next_due(), Some(at(8)));
        assert_eq!(
            wheel.pop_due(at(10)),
            Some((at(8), TriggerKey::new("a", 0)))
        );
        assert_eq!(
            wheel.pop_due(at(10)),
            Some((at(9), TriggerKey::new("b", 0)))
        );
        assert_eq!(wheel.pop_due(at(10)), None);
        assert_eq!(wheel.len(), 1);
        assert_eq!(wheel.next_due(), Some(at(12)));
    }
}
