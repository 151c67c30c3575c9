//! The id of a run a trigger starts, derived from what fired it, so that a
//! fire started twice — by two daemons sharing a store, or again after a
//! crash between starting the run and recording the trigger's progress —
//! names the same run, and the store's refusal of an existing id
//! ([`StoreError::RunExists`](crate::StoreError::RunExists)) makes the fire
//! happen once.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::state::TriggerKey;
use crate::run::RunId;

/// The run of schedule trigger `key` for the fire at `scheduled_for`. Its
/// time part is the fire's instant, so runs list in the order they were
/// due, catch-up ones included.
pub fn schedule_run_id(key: &TriggerKey, scheduled_for: DateTime<Utc>) -> RunId {
    let name = format!(
        "schedule\0{}\0{}\0{}",
        key.workflow,
        key.index,
        scheduled_for.timestamp_nanos_opt().unwrap_or(i64::MAX)
    );
    ulid_of(scheduled_for, &name)
}

/// The run of workflow `workflow` started by event `event_id`, which
/// happened at `at`.
pub fn event_run_id(workflow: &str, event_id: u64, at: DateTime<Utc>) -> RunId {
    ulid_of(at, &format!("event\0{event_id}\0{workflow}"))
}

fn ulid_of(at: DateTime<Utc>, name: &str) -> RunId {
    let digest = Sha256::digest(name.as_bytes());
    let mut random = [0u8; 16];
    // A ULID's random part is 80 bits: the low ten bytes.
    random[6..].copy_from_slice(&digest[..10]);
    ulid::Ulid::from_parts(
        at.timestamp_millis().max(0) as u64,
        u128::from_be_bytes(random),
    )
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 1, 4, 14, 0, s).unwrap()
    }

    #[test]
    fn a_fire_has_one_id_and_distinct_fires_have_distinct_ids() {
        let key = TriggerKey::new("ctpat-email-list-review", 0);
        assert_eq!(schedule_run_id(&key, at(0)), schedule_run_id(&key, at(0)));
        assert_ne!(schedule_run_id(&key, at(0)), schedule_run_id(&key, at(1)));
        assert_ne!(
            schedule_run_id(&key, at(0)),
            schedule_run_id(&TriggerKey::new("ctpat-email-list-review", 1), at(0))
        );
        assert_ne!(
            schedule_run_id(&key, at(0)),
            schedule_run_id(&TriggerKey::new("other", 0), at(0))
        );
        // A nanosecond apart is another fire.
        let later = at(0) + chrono::TimeDelta::nanoseconds(1);
        assert_ne!(schedule_run_id(&key, at(0)), schedule_run_id(&key, later));
    }

    #[test]
    fn event_runs_differ_by_event_and_workflow() {
        assert_eq!(event_run_id("w", 7, at(0)), event_run_id("w", 7, at(0)));
        assert_ne!(event_run_id("w", 7, at(0)), event_run_id("w", 8, at(0)));
        assert_ne!(event_run_id("w", 7, at(0)), event_run_id("v", 7, at(0)));
    }

    #[test]
    fn ids_are_ulids_ordered_by_their_instant() {
        let key = TriggerKey::new("w", 0);
        let early = schedule_run_id(&key, at(0));
        let late = schedule_run_id(&key, at(5));
        assert!(ulid::Ulid::from_string(&early).is_ok());
        assert!(early < late, "{early} < {late}");
    }
}
