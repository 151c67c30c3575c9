//! `garita audit export --from DATE --to DATE [--format csv|json] [--output FILE]`:
//! the entries written in a period as evidence for an OEA/CTPAT review.
//! The period is the entries' `recorded_at` (the system time at writing),
//! never the business time a pinned clock gave them; entries written
//! before `recorded_at` existed fall back to their `at`. Each entry keeps
//! its seq, `prev_hash` and `hash`, and its times and summary exactly as
//! hashed (RFC 3339 UTC, canonical JSON), so a reviewer can recompute every
//! hash and check the links (docs/audit.md). CSV cells that a spreadsheet
//! would run as a formula are prefixed with a quote, as in `garita accounts
//! export`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, SecondsFormat, Utc};
use garita_inventory::csv_cells::escape_formula;
use garita_store::audit::canonical_json;
use garita_store::{AuditEntry, AuditReport};
use serde_json::json;

use super::period::{bound, End};
use crate::app::App;
use crate::cli::AuditFormat;
use crate::output::{say, say_stderr};
use crate::usage::UsageError;

/// The CSV columns, in order; the write times come last, so that the
/// columns of exports made before them keep their places.
const COLUMNS: [&str; 10] = [
    "seq",
    "at",
    "kind",
    "subject",
    "actor",
    "summary",
    "prev_hash",
    "hash",
    "recorded_at",
    "pinned_at",
];

pub fn export(
    app: &App,
    from: &str,
    to: &str,
    format: AuditFormat,
    output: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let (from, to) = (bound(from, End::From)?, bound(to, End::To)?);
    if from >= to {
        return Err(UsageError(format!(
            "the period is empty: --from ({}) must come before --to ({})",
            at_text(&from),
            at_text(&to)
        ))
        .into());
    }
    let store = app.open_store()?;
    let report = store.verify_audit()?;
    let entries = store.audit_entries_between(from, to)?;
    let bytes = match format {
        AuditFormat::Csv => csv_bytes(&entries)?,
        AuditFormat::Json => json_bytes(app, from, to, &report, &entries)?,
    };
    if !report.is_intact() {
        say_stderr!(
            "warning: the audit chain does not verify ({} problem(s)); run `garita audit verify` for where",
            report.problems.len() as u64 + report.more_problems
        );
    }
    let summary = format!(
        "exported {} audit entries written from {} to {}; chain head: entry {} {}",
        entries.len(),
        at_text(&from),
        at_text(&to),
        report.head.seq,
        report.head.hash
    );
    match output {
        None => {
            crate::output::write_raw(&bytes);
            say_stderr!("{summary}");
        }
        Some(path) => {
            // Whole or not at all; for a client of the daemon, the client writes it.
            let text = String::from_utf8(bytes).context("the export is not UTF-8")?;
            app.write_named_file(path, text)?;
            say!("{summary}; written to {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// An instant as the hash covers it.
fn at_text(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// An optional instant as the hash covers it; empty when absent.
fn optional_text(at: Option<&DateTime<Utc>>) -> String {
    at.map(at_text).unwrap_or_default()
}

/// One header row, then one row per entry; every cell formula-safe.
fn csv_bytes(entries: &[AuditEntry]) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(COLUMNS)?;
    for entry in entries {
        let mut summary = String::new();
        canonical_json(&entry.summary, &mut summary);
        let row = [
            entry.seq.to_string(),
            at_text(&entry.at),
            entry.kind.clone(),
            entry.subject.clone(),
            entry.actor.clone().unwrap_or_default(),
            summary,
            entry.prev_hash.clone(),
            entry.hash.clone(),
            optional_text(entry.recorded_at.as_ref()),
            optional_text(entry.pinned_at.as_ref()),
        ];
        writer.write_record(row.iter().map(|cell| escape_formula(cell).into_owned()))?;
    }
    writer
        .into_inner()
        .map_err(|e| anyhow::anyhow!("cannot write the CSV export: {e}"))
}

/// One JSON document: the period, the chain's state and the entries.
fn json_bytes(
    app: &App,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    report: &AuditReport,
    entries: &[AuditEntry],
) -> anyhow::Result<Vec<u8>> {
    let entries: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            json!({
                "seq": e.seq,
                "at": at_text(&e.at),
                "kind": e.kind,
                "subject": e.subject,
                "actor": e.actor,
                "summary": e.summary,
                "recorded_at": e.recorded_at.as_ref().map(at_text),
                "pinned_at": e.pinned_at.as_ref().map(at_text),
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            })
        })
        .collect();
    // When the export was made is evidence too: the system time, with the
    // pinned business time beside it when --now was given.
    let exported = app.recording.now();
    // v2: entries carry recorded_at and pinned_at, and hash as docs/audit.md
    // describes for them; the v1 recipe no longer recomputes new entries.
    let document = json!({
        "format": "garita-audit-export-v2",
        "exported_at": at_text(&exported.recorded_at),
        "pinned_at": exported.pinned_at.as_ref().map(at_text),
        "from": at_text(&from),
        "to": at_text(&to),
        "chain": {
            "entries": report.entries,
            "head": report.head,
            "intact": report.is_intact(),
        },
        "entries": entries,
    });
    let mut bytes = serde_json::to_vec_pretty(&document)?;
    bytes.push(b'\n');
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn csv_cells_are_formula_safe_and_summaries_canonical() {
        let entry = AuditEntry {
            seq: 1,
            at: DateTime::from_timestamp(1_772_000_000, 0).unwrap(),
            kind: "account.changed".into(),
            subject: "=HYPERLINK(\"http://x\")".into(),
            actor: Some("+ana".into()),
            summary: json!({"b": 1, "a": 2}),
            recorded_at: None,
            pinned_at: None,
            prev_hash: "0".repeat(64),
            hash: "ab".repeat(32),
        };
        let text = String::from_utf8(csv_bytes(&[entry]).unwrap()).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("seq,at,kind,subject,actor,summary,prev_hash,hash,recorded_at,pinned_at")
        );
        let row = lines.next().unwrap();
        assert!(row.contains("2026-02-25T06:13:20Z"), "{row}");
        assert!(row.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{row}");
        assert!(row.contains(",'+ana,"), "{row}");
        assert!(row.contains("\"{\"\"a\"\":2,\"\"b\"\":1}\""), "{row}");
        // An entry from before recorded_at: both write-time cells empty.
        assert!(row.ends_with(&format!("{},,", "ab".repeat(32))), "{row}");
    }

    #[test]
    fn csv_rows_carry_both_times() {
        let at = DateTime::from_timestamp(1_803_902_400, 0).unwrap();
        let recorded = DateTime::from_timestamp(1_796_418_000, 250_000_000).unwrap();
        let entry = AuditEntry {
            seq: 7,
            at,
            kind: "run.event".into(),
            subject: "01R".into(),
            actor: None,
            summary: json!({}),
            recorded_at: Some(recorded),
            pinned_at: Some(at),
            prev_hash: "0".repeat(64),
            hash: "cd".repeat(32),
        };
        let text = String::from_utf8(csv_bytes(&[entry]).unwrap()).unwrap();
        let row = text.lines().nth(1).unwrap();
        assert!(
            row.starts_with("7,2027-03-01T12:00:00Z,run.event,01R,,{},"),
            "{row}"
        );
        assert!(
            row.ends_with(",2026-12-04T21:00:00.250Z,2027-03-01T12:00:00Z"),
            "{row}"
        );
    }
}
