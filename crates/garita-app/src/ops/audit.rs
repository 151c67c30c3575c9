//! The store's tamper-evident audit log (docs/audit.md): verifying its hash
//! chain, and exporting the entries written in a period as evidence for an
//! OEA/CTPAT review.
//!
//! The period is the entries' `recorded_at` (the system time at writing),
//! never the business time a pinned clock gave them; entries written before
//! `recorded_at` existed fall back to their `at`. Each entry keeps its seq,
//! `prev_hash` and `hash`, and its times and summary exactly as hashed
//! (RFC 3339 UTC, canonical JSON), so a reviewer can recompute every hash
//! and check the links. CSV cells that a spreadsheet would run as a formula
//! are prefixed with a quote, as in the accounts export.

use chrono::{DateTime, SecondsFormat, Utc};
use garita_engine::account::Locale;
use garita_engine::audit::{
    canonical_json, parse_hash, AuditEntry, AuditHead, AuditLog, AuditProblem, ClockWarning,
};
use garita_inventory::csv_cells::escape_formula;
use serde::{Deserialize, Serialize};

use super::audit_description::describe;
use super::audit_period::{bound, End};
use super::Session;
use crate::AppError;

/// What verifying the chain found. Fields in name order, as printed before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AuditVerification {
    /// Places where the system time of writing goes backwards.
    pub clock_warnings: Vec<ClockWarning>,
    /// Only the end of the log is unreadable (damage, not tampering).
    pub damaged_only: bool,
    /// Entries in the chain.
    pub entries: u64,
    /// The head the caller expected, and where it is in the chain.
    pub expected_head: Option<ExpectedHead>,
    /// The recorded head.
    pub head: AuditHead,
    /// The chain verifies and the expected head (if given) is in it.
    pub intact: bool,
    /// Clock warnings beyond those listed.
    pub more_clock_warnings: u64,
    /// Problems beyond those listed.
    pub more_problems: u64,
    /// Entries written under a pinned clock.
    pub pinned: PinnedEntries,
    /// What breaks the chain (empty when it verifies).
    pub problems: Vec<AuditProblem>,
    /// Run events, account history entries, tasks and messages checked
    /// against their entries.
    pub records_checked: u64,
    /// Entries without `recorded_at` (written before it existed).
    pub without_recorded_at: u64,
}

/// The expected head and the entry that has it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ExpectedHead {
    /// The hash given.
    pub hash: String,
    /// The seq of the entry with that hash; absent when none has it.
    pub found_at: Option<u64>,
}

/// Entries written under a pinned clock (`--now`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PinnedEntries {
    /// How many.
    pub entries: usize,
    /// Their seqs.
    pub seqs: Vec<u64>,
}

/// Verifies the chain; `expect_head` is a hash an earlier verify printed,
/// which must still be an entry of the chain.
pub async fn verify(
    session: &Session,
    expect_head: Option<String>,
) -> Result<AuditVerification, AppError> {
    let log = session.backend.audit.as_ref();
    let report = log.verify_audit().await?;
    let expected_head = match expect_head {
        None => None,
        Some(hash) => {
            let found_at = find_hash(log, &hash).await?;
            Some(ExpectedHead { hash, found_at })
        }
    };
    let missing_head = expected_head.as_ref().is_some_and(|e| e.found_at.is_none());
    Ok(AuditVerification {
        intact: report.is_intact() && !missing_head,
        damaged_only: report.is_only_damaged(),
        expected_head,
        pinned: PinnedEntries {
            entries: report.pinned.len(),
            seqs: report.pinned,
        },
        clock_warnings: report.clock_warnings,
        entries: report.entries,
        head: report.head,
        more_clock_warnings: report.more_clock_warnings,
        more_problems: report.more_problems,
        problems: report.problems,
        records_checked: report.records_checked,
        without_recorded_at: report.without_recorded_at,
    })
}

/// The seq of the entry whose hash is `hash` (as exported earlier), if any.
async fn find_hash(log: &dyn AuditLog, hash: &str) -> Result<Option<u64>, AppError> {
    let wanted = hash.trim().to_ascii_lowercase();
    if parse_hash(&wanted).is_none() {
        return Err(AppError::Usage(format!(
            "--expect-head must be the 64 hex digits of an entry's hash (as `garita audit verify` printed it), got `{hash}`"
        )));
    }
    Ok(log
        .audit_entries(1, None)
        .await?
        .into_iter()
        .find(|entry| entry.hash == wanted)
        .map(|entry| entry.seq))
}

/// The CSV columns, in order; the write times and the description come
/// last, so that the columns of exports made before them keep their places.
const COLUMNS: [&str; 11] = [
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
    "description",
];

/// An export: the period, the chain's state and the entries (the JSON
/// export's document, `garita-audit-export-v2`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AuditExport {
    /// `garita-audit-export-v2`.
    pub format: String,
    /// When the export was made (system time).
    pub exported_at: String,
    /// The pinned business time of the export, when `--now` was given.
    pub pinned_at: Option<String>,
    /// Start of the period (included).
    pub from: String,
    /// End of the period (excluded).
    pub to: String,
    /// The chain's state at the export.
    pub chain: ChainState,
    /// The period's entries, as hashed.
    pub entries: Vec<ExportedEntry>,
}

/// The chain's state at an export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ChainState {
    /// Entries in the whole chain.
    pub entries: u64,
    /// Its head.
    pub head: AuditHead,
    /// Whether it verifies.
    pub intact: bool,
    /// How many problems a verify finds (absent when intact).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub problems: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One entry as exported: times as the hash covers them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ExportedEntry {
    /// Position in the chain.
    pub seq: u64,
    /// Business time.
    pub at: String,
    /// What happened.
    pub kind: String,
    /// What it happened to.
    pub subject: String,
    /// Who did it.
    pub actor: Option<String>,
    /// Details.
    pub summary: serde_json::Value,
    /// System time at writing.
    pub recorded_at: Option<String>,
    /// The pinned business time at writing.
    pub pinned_at: Option<String>,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// [`export`] downloaded by `by` (a console user): the download is itself
/// recorded, as `audit.exported` with the period and how many entries it
/// held, after the export was read (so it is not in its own file).
pub async fn export_by(
    session: &Session,
    from: &str,
    to: &str,
    by: &str,
) -> Result<AuditExport, AppError> {
    let exported = export(session, from, to).await?;
    session
        .backend
        .audit
        .record_audit(garita_engine::audit::AuditRecord {
            at: session.app.clock.now(),
            kind: "audit.exported".into(),
            subject: format!("{from}..{to}"),
            actor: Some(by.to_owned()),
            summary: serde_json::json!({"entries": exported.entries.len()}),
        })
        .await?;
    Ok(exported)
}

/// The entries written from `from` to `to` (a day, UTC, `to` included; or
/// RFC 3339 instants, `to` excluded).
pub async fn export(session: &Session, from: &str, to: &str) -> Result<AuditExport, AppError> {
    let (from, to) = (bound(from, End::From)?, bound(to, End::To)?);
    if from >= to {
        return Err(AppError::Usage(format!(
            "the period is empty: --from ({}) must come before --to ({})",
            at_text(&from),
            at_text(&to)
        )));
    }
    let log = session.backend.audit.as_ref();
    let report = log.verify_audit().await?;
    let entries = log.audit_entries_between(from, to).await?;
    // When the export was made is evidence too: the system time, with the
    // pinned business time beside it when --now was given.
    let exported = session.app.recording.now();
    Ok(AuditExport {
        // v2: entries carry recorded_at and pinned_at, and hash as
        // docs/audit.md describes for them.
        format: "garita-audit-export-v2".into(),
        exported_at: at_text(&exported.recorded_at),
        pinned_at: exported.pinned_at.as_ref().map(at_text),
        from: at_text(&from),
        to: at_text(&to),
        chain: ChainState {
            entries: report.entries,
            head: report.head.clone(),
            intact: report.is_intact(),
            problems: report.problems.len() as u64 + report.more_problems,
        },
        entries: entries.iter().map(exported_entry).collect(),
    })
}

pub(crate) fn exported_entry(e: &AuditEntry) -> ExportedEntry {
    ExportedEntry {
        seq: e.seq,
        at: at_text(&e.at),
        kind: e.kind.clone(),
        subject: e.subject.clone(),
        actor: e.actor.clone(),
        summary: e.summary.clone(),
        recorded_at: e.recorded_at.as_ref().map(at_text),
        pinned_at: e.pinned_at.as_ref().map(at_text),
        prev_hash: e.prev_hash.clone(),
        hash: e.hash.clone(),
    }
}

/// An instant as the hash covers it.
fn at_text(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The export as CSV: one header row, then one row per entry; every cell
/// formula-safe, the summary as canonical JSON, and a description of each
/// entry in `lang`.
pub fn csv_text(export: &AuditExport, lang: Locale) -> Result<String, AppError> {
    entries_csv(&export.entries, lang)
}

/// `entries` as CSV under [`COLUMNS`] (what `csv_text` and an evidence
/// pack's `entries.csv` write).
pub(crate) fn entries_csv(entries: &[ExportedEntry], lang: Locale) -> Result<String, AppError> {
    let failed = |e: String| AppError::Refused(format!("cannot write the CSV export: {e}"));
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(COLUMNS)
        .map_err(|e| failed(e.to_string()))?;
    for entry in entries {
        writer
            .write_record(csv_cells(entry, lang))
            .map_err(|e| failed(e.to_string()))?;
    }
    let bytes = writer.into_inner().map_err(|e| failed(e.to_string()))?;
    String::from_utf8(bytes).map_err(|_| failed("not UTF-8".into()))
}

/// One entry's CSV cells, in [`COLUMNS`]' order, each formula-safe.
pub(crate) fn csv_cells(entry: &ExportedEntry, lang: Locale) -> [String; 11] {
    let mut summary = String::new();
    canonical_json(&entry.summary, &mut summary);
    [
        entry.seq.to_string(),
        entry.at.clone(),
        entry.kind.clone(),
        entry.subject.clone(),
        entry.actor.clone().unwrap_or_default(),
        summary,
        entry.prev_hash.clone(),
        entry.hash.clone(),
        entry.recorded_at.clone().unwrap_or_default(),
        entry.pinned_at.clone().unwrap_or_default(),
        describe(entry, lang),
    ]
    .map(|cell| escape_formula(&cell).into_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn export_of(entries: Vec<AuditEntry>) -> AuditExport {
        AuditExport {
            format: "garita-audit-export-v2".into(),
            exported_at: String::new(),
            pinned_at: None,
            from: String::new(),
            to: String::new(),
            chain: ChainState {
                entries: 0,
                head: AuditHead {
                    seq: 0,
                    hash: "0".repeat(64),
                },
                intact: true,
                problems: 0,
            },
            entries: entries.iter().map(exported_entry).collect(),
        }
    }

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
        let text = csv_text(&export_of(vec![entry]), Locale::En).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("seq,at,kind,subject,actor,summary,prev_hash,hash,recorded_at,pinned_at,description")
        );
        let row = lines.next().unwrap();
        assert!(row.contains("2026-02-25T06:13:20Z"), "{row}");
        assert!(row.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{row}");
        assert!(row.contains(",'+ana,"), "{row}");
        assert!(row.contains("\"{\"\"a\"\":2,\"\"b\"\":1}\""), "{row}");
        // An entry from before recorded_at: both write-time cells empty.
        assert!(row.contains(&format!("{},,,", "ab".repeat(32))), "{row}");
        // The description reads the entry in words, itself formula-safe.
        assert!(
            row.ends_with(
                ",\"Account =HYPERLINK(\"\"http //x\"\"): details updated — recorded by +ana\""
            ),
            "{row}"
        );
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
        let text = csv_text(&export_of(vec![entry]), Locale::En).unwrap();
        let row = text.lines().nth(1).unwrap();
        assert!(
            row.starts_with("7,2027-03-01T12:00:00Z,run.event,01R,,{},"),
            "{row}"
        );
        assert!(
            row.ends_with(
                ",2026-12-04T21:00:00.250Z,2027-03-01T12:00:00Z,Run 01R of workflow ?: ?"
            ),
            "{row}"
        );
    }
}
