//! The email check both crash tests end with: every outbox message was
//! sent and reached the SMTP server once, or once more per kill that caught
//! its step in flight, always under its one Message-ID, and nothing else
//! arrived.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::sink::Sink;
use crate::step_fold::StepKey;

/// What the check saw, for the test's summary line.
pub struct EmailCopies {
    pub messages: usize,
    /// Messages received more than once.
    pub received_again: usize,
    /// The most copies of one message.
    pub most: usize,
}

/// Checks `entries` (`garita outbox list --json`) against what `sink`
/// received; `expected` is how many messages the workload asked for.
pub fn check_email_copies(
    entries: &[Value],
    expected: usize,
    sink: &Sink,
    in_flight_at_kills: &BTreeMap<StepKey, usize>,
) -> EmailCopies {
    assert_eq!(entries.len(), expected, "one outbox message per email step");
    let not_sent: Vec<&Value> = entries.iter().filter(|e| e["status"] != "sent").collect();
    assert!(not_sent.is_empty(), "messages not sent: {not_sent:#?}");
    let mut copies = BTreeMap::<String, usize>::new();
    for message in sink.received() {
        let id = message
            .header("Message-ID")
            .expect("every received message has a Message-ID");
        *copies.entry(id).or_default() += 1;
    }
    let outbox_ids: BTreeSet<String> = entries
        .iter()
        .map(|e| e["message_id"].as_str().expect("a message_id").to_owned())
        .collect();
    assert_eq!(outbox_ids.len(), entries.len(), "Message-IDs are unique");
    let mut most = 0;
    for entry in entries {
        let id = entry["message_id"].as_str().unwrap_or_default();
        let step: StepKey = (
            entry["run_id"].as_str().unwrap_or_default().to_owned(),
            entry["step_id"].as_str().unwrap_or_default().to_owned(),
        );
        let n = copies.get(id).copied().unwrap_or(0);
        let caught = in_flight_at_kills.get(&step).copied().unwrap_or(0);
        // A second copy only when a kill caught the step between the
        // server's 250 and the `sent` record; more only if several kills
        // each caught the same send.
        assert!(
            n >= 1 && n <= 1 + caught,
            "{id} (step `{}` of run {}) reached the server {n} times but its step was in flight at {caught} kill(s)",
            step.1,
            step.0
        );
        most = most.max(n);
    }
    let strangers: Vec<&String> = copies
        .keys()
        .filter(|id| !outbox_ids.contains(*id))
        .collect();
    assert!(
        strangers.is_empty(),
        "received but not in the outbox: {strangers:?}"
    );
    EmailCopies {
        messages: entries.len(),
        received_again: copies.values().filter(|&&n| n >= 2).count(),
        most,
    }
}
