//! `garita audit verify [--expect-head HASH]`: exit 0 with "audit chain
//! intact: N entries, head H", or exit 1 naming where the chain is broken
//! or which records no longer match their entries. Either way it says how
//! many entries were written under a pinned clock (`--now`), and warns,
//! with the seqs, where the system time of writing goes backwards; such a
//! warning alone does not change the exit code (docs/audit.md says why).

use std::process::ExitCode;

use garita_app::ops::audit::AuditVerification;
use garita_app::Operations;

use crate::output::say;

pub async fn verify(
    ops: &dyn Operations,
    json: bool,
    expect_head: Option<String>,
) -> anyhow::Result<ExitCode> {
    let report = ops.verify_audit(expect_head).await?;
    if json {
        crate::output::json(&serde_json::to_value(&report)?)?;
    } else {
        print_report(&report);
        print_write_times(&report);
        if let Some(expected) = &report.expected_head {
            match expected.found_at {
                Some(seq) => say!("the expected head {} is entry {seq} of the chain", expected.hash),
                None => say!(
                    "the expected head {} is not in the chain: the history up to it was rewritten or removed",
                    expected.hash
                ),
            }
        }
    }
    Ok(if report.intact {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_report(report: &AuditVerification) {
    if report.problems.is_empty() {
        say!(
            "audit chain intact: {} entries, head {}",
            report.entries,
            report.head.hash
        );
        say!(
            "{} run events, account history entries, tasks and messages match their entries",
            report.records_checked
        );
        return;
    }
    let total = report.problems.len() as u64 + report.more_problems;
    let damaged_only = report.damaged_only;
    say!(
        "audit chain {}: {total} problem(s) in {} entries (recorded head: entry {}, {})",
        if damaged_only { "DAMAGED" } else { "BROKEN" },
        report.entries,
        report.head.seq,
        report.head.hash
    );
    for problem in &report.problems {
        say!("  {problem}");
    }
    if report.more_problems > 0 {
        say!("  ... and {} more", report.more_problems);
    }
    if damaged_only {
        say!("the end of the log cannot be read: damaged data, as an interrupted write (a full disk, a crash) leaves it, not a sign that someone altered the history. Keep this store as it is: copy the store directory aside (`cp -a STORE STORE.copy`) before anything else, make sure the disk has free space, and compare with your latest backup (`garita backup verify FILE`)");
    } else if !report.intact {
        say!("the store's history was altered after it was written; keep this store for investigation (copy the store directory aside first), and restore into a new directory a backup whose head verifies to compare");
    }
}

/// What the entries' write times show: pinned entries, entries from before
/// `recorded_at`, and the system clock going backwards.
fn print_write_times(report: &AuditVerification) {
    if !report.pinned.seqs.is_empty() {
        say!(
            "{} entries were written with the business clock pinned (--now/GARITA_NOW): {}; their recorded_at is the real time",
            report.pinned.entries,
            seq_ranges(&report.pinned.seqs)
        );
    }
    if report.without_recorded_at > 0 {
        say!(
            "{} entries carry no recorded_at (written by a garita that did not record it); exports select them by their `at`",
            report.without_recorded_at
        );
    }
    for warning in &report.clock_warnings {
        say!("warning: {warning}");
    }
    if report.more_clock_warnings > 0 {
        say!(
            "warning: ... and {} more places where the system clock was set back",
            report.more_clock_warnings
        );
    }
    if !report.clock_warnings.is_empty() {
        say!(
            "a clock set back does not break the chain, but evidence written then may be misdated: check the machine's clock history (NTP logs) around those entries"
        );
    }
}

/// `1-4, 9, 12-13`: ascending seqs as ranges.
fn seq_ranges(seqs: &[u64]) -> String {
    let mut ranges: Vec<(u64, u64)> = Vec::new();
    for &seq in seqs {
        match ranges.last_mut() {
            Some((_, last)) if *last + 1 == seq => *last = seq,
            _ => ranges.push((seq, seq)),
        }
    }
    ranges
        .iter()
        .map(|&(first, last)| {
            if first == last {
                first.to_string()
            } else {
                format!("{first}-{last}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::seq_ranges;

    #[test]
    fn seqs_are_shown_as_ranges() {
        assert_eq!(seq_ranges(&[1, 2, 3, 4, 9, 12, 13]), "1-4, 9, 12-13");
        assert_eq!(seq_ranges(&[5]), "5");
        assert_eq!(seq_ranges(&[]), "");
    }
}
