//! Evidence packs (docs/audit.md, "Evidence packs"): the audit entries of a
//! period with what an auditor needs to check them without Garita and
//! without the store — a checkpoint signed at packing time, the proof that
//! the period's entries are exactly a run of that checkpoint's tree, the
//! consistency proof from the last checkpoint signed before the period,
//! and the public key.
//!
//! The files of a pack:
//! - `entries.jsonl`: one entry per line, each line exactly the bytes of
//!   its Merkle leaf (the entry's canonical JSON);
//! - `entries.csv`: the same entries for a spreadsheet;
//! - `checkpoint.txt`: the checkpoint signed when the pack was made;
//! - `start-checkpoint.txt`: the newest checkpoint recorded before the
//!   period began, when there is one;
//! - `proofs.json`: the tree size, the run's first seq and count, the
//!   run's proof and the consistency proof;
//! - `verifier-key.txt`: the public key (compare its id with the one the
//!   company handed over apart from the pack);
//! - `report.json`: the report's figures per company and portal
//!   (`evidence_report`), computed from the entries;
//! - `index.html`: the same report as a page to read or print
//!   (`evidence_html`);
//! - `context.jsonl`: for each account added before the period, the last
//!   entries before it that set its company, holder, status, deactivation
//!   date and removal evidence (`evidence_report::CONTEXT_FIELDS`), so the
//!   report counts it under its company; proven in `checkpoint.txt`'s tree
//!   by `proofs.json`'s `context_proof` (`tlog::range::leaves_proof`);
//! - `signed-files.txt`: a signed note (same key) with the SHA-256 of
//!   `entries.csv`, `index.html` and `report.json` as written.
//!
//! The CSV's descriptions, `report.json` and `index.html` are derived from
//! the entries, so verifying recomputes them from `entries.jsonl` and
//! `context.jsonl` (which the proofs cover) and names anything edited; the
//! signed digests let a checker that does not recompute every word (the
//! independent script, `tools/verify_evidence.py`) see an edit too.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use garita_engine::audit::tlog::merkle::{self, verify_consistency};
use garita_engine::audit::tlog::note::{CheckpointSigner, CheckpointVerifier, TreeHead};
use garita_engine::audit::tlog::range::{
    leaves_proof, range_proof, root_from_leaves, root_from_range,
};
use garita_engine::audit::tlog::{leaf_data, merkle::leaf_hash};
use garita_engine::audit::{hex, parse_hash, AuditEntry, Hash};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use garita_engine::account::Locale;

use super::audit::{csv_cells, entries_csv, exported_entry};
use super::audit_checkpoint::{configured_signer, scan_log, sign_and_record, CHECKPOINT_KIND};
use super::audit_period::{bound, End};
use super::evidence_html;
use super::evidence_report::{self, EvidenceReport};
use super::Session;
use crate::AppError;

/// `proofs.json`'s format name.
pub const PACK_FORMAT: &str = "garita-evidence-v1";

/// `proofs.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PackProofs {
    /// [`PACK_FORMAT`].
    pub format: String,
    /// The period asked for: start (included), RFC 3339.
    pub from: String,
    /// The period's end (excluded), RFC 3339.
    pub to: String,
    /// Entries in the tree `checkpoint.txt` signs.
    pub tree_size: u64,
    /// Seq of the pack's first entry (0 when the period has none).
    pub first_seq: u64,
    /// Entries in the pack.
    pub count: u64,
    /// The run's proof, hex, in walk order (see `tlog::range`).
    pub range_proof: Vec<String>,
    /// From `start-checkpoint.txt` to `checkpoint.txt`, when there is one.
    pub consistency: Option<ConsistencyProof>,
    /// The language of the CSV's descriptions and of the report.
    #[serde(default = "spanish")]
    pub lang: Locale,
    /// Entries in `context.jsonl` (0 in a pack made before it existed).
    #[serde(default)]
    pub context_count: u64,
    /// Their proof in the tree `checkpoint.txt` signs, hex
    /// (`tlog::range::leaves_proof`, the leaves at their seqs - 1).
    #[serde(default)]
    pub context_proof: Vec<String>,
}

fn spanish() -> Locale {
    Locale::Es
}

/// A consistency proof between two checkpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ConsistencyProof {
    /// The older tree's size.
    pub from_size: u64,
    /// The proof, hex (RFC 9162, 2.1.4).
    pub proof: Vec<String>,
}

/// What packing wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PackMade {
    /// The pack's directory.
    pub dir: String,
    /// Entries in the pack.
    pub entries: u64,
    /// Seq of its first entry.
    pub first_seq: u64,
    /// Entries in the signed tree.
    pub tree_size: u64,
    /// Whether a checkpoint from before the period anchors it.
    pub start_checkpoint: bool,
    /// The public key that checks the pack.
    pub verifier_key: String,
}

/// Writes the pack of the entries recorded in `from`..`to` (dates as
/// `garita audit export` takes them) into the new directory `dir`.
pub async fn pack(
    session: &Session,
    from: &str,
    to: &str,
    dir: &Path,
    lang: Locale,
) -> Result<PackMade, AppError> {
    let (start, end) = (bound(from, End::From)?, bound(to, End::To)?);
    if start >= end {
        return Err(AppError::Usage(format!(
            "--from {from} must come before --to {to}"
        )));
    }
    if dir.exists() {
        return Err(AppError::Refused(format!(
            "{} already exists; a pack is written into a new directory, so nothing of an earlier pack is mixed in",
            dir.display()
        )));
    }
    let signer = configured_signer(session)?;
    let selected = session
        .backend
        .audit
        .audit_entries_between(start, end)
        .await?;
    // The run is contiguous: from the period's first entry to its last,
    // with any entry between them (written with a clock that stepped back).
    let seqs = selected.iter().map(|e| e.seq);
    let (first_seq, last_seq) = (seqs.clone().min().unwrap_or(0), seqs.max().unwrap_or(0));
    // One pass over the log: every leaf for the tree, the run's entries,
    // and the newest checkpoint before the period (its note is in its entry).
    let mut leaves = Vec::new();
    let mut run = Vec::new();
    let mut start_checkpoint = None;
    // Per account and field, the last entry before the run that set it.
    let mut context: HashMap<(String, &'static str), AuditEntry> = HashMap::new();
    scan_log(session, |e| {
        leaves.push(leaf_hash(&leaf_data(e)));
        if first_seq > 0 && (first_seq..=last_seq).contains(&e.seq) {
            run.push(e.clone());
        } else if e.seq < first_seq && e.kind.starts_with("account.") {
            for field in evidence_report::CONTEXT_FIELDS {
                if sets_field(e, field) {
                    context.insert((e.subject.clone(), field), e.clone());
                }
            }
        } else if e.seq < first_seq && e.kind == CHECKPOINT_KIND {
            start_checkpoint = e
                .summary
                .get("note")
                .and_then(|n| n.as_str())
                .map(str::to_owned);
        }
    })
    .await?;
    let made = sign_and_record(session, &signer, &leaves).await?;
    let proof = if run.is_empty() {
        Vec::new()
    } else {
        range_proof((first_seq - 1) as usize, run.len(), &leaves).ok_or_else(|| {
            AppError::Refused("the period's entries are not in the log as read; try again".into())
        })?
    };
    let mut context: Vec<AuditEntry> = context.into_values().collect();
    context.sort_by_key(|e| e.seq);
    context.dedup_by_key(|e| e.seq);
    let context_proof = if context.is_empty() {
        Vec::new()
    } else {
        let indices: Vec<usize> = context.iter().map(|e| (e.seq - 1) as usize).collect();
        leaves_proof(&indices, &leaves).ok_or_else(|| {
            AppError::Refused(
                "the entries before the period are not in the log as read; try again".into(),
            )
        })?
    };
    let verifier = signer.verifier();
    let consistency = match &start_checkpoint {
        Some(note) => {
            let old = verifier.verify(note).map_err(|e| {
                AppError::Refused(format!(
                    "the checkpoint recorded before the period does not verify with the configured key: {e}"
                ))
            })?;
            let proof = merkle::consistency_proof(old.size as usize, &leaves).ok_or_else(|| {
                AppError::Refused("the earlier checkpoint is larger than the log".into())
            })?;
            Some(ConsistencyProof {
                from_size: old.size,
                proof: proof.iter().map(|h| hex(h)).collect(),
            })
        }
        None => None,
    };
    let proofs = PackProofs {
        format: PACK_FORMAT.into(),
        from: start.to_rfc3339(),
        to: end.to_rfc3339(),
        tree_size: made.size,
        first_seq,
        count: run.len() as u64,
        range_proof: proof.iter().map(|h| hex(h)).collect(),
        consistency,
        lang,
        context_count: context.len() as u64,
        context_proof: context_proof.iter().map(|h| hex(h)).collect(),
    };
    write_pack(
        dir,
        Entries {
            run: &run,
            context: &context,
        },
        &made.note,
        start_checkpoint.as_deref(),
        &proofs,
        &signer,
    )?;
    Ok(PackMade {
        dir: dir.display().to_string(),
        entries: run.len() as u64,
        first_seq,
        tree_size: made.size,
        start_checkpoint: start_checkpoint.is_some(),
        verifier_key: verifier.text(),
    })
}

/// Whether account entry `e` sets `field`.
fn sets_field(e: &AuditEntry, field: &str) -> bool {
    e.summary
        .get("changes")
        .and_then(|c| c.as_array())
        .is_some_and(|changes| {
            changes
                .iter()
                .any(|c| c.get("field").and_then(|f| f.as_str()) == Some(field))
        })
}

/// The entries a pack holds: the period's run, and the context before it.
struct Entries<'a> {
    run: &'a [AuditEntry],
    context: &'a [AuditEntry],
}

/// The lines of `entries.jsonl` or `context.jsonl`: each entry's leaf bytes.
fn jsonl(entries: &[AuditEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in entries {
        out.extend_from_slice(&leaf_data(entry));
        out.push(b'\n');
    }
    out
}

/// The files whose SHA-256 `signed-files.txt` signs.
const SIGNED_FILES: [&str; 3] = ["entries.csv", "index.html", "report.json"];

/// The first line of `signed-files.txt`'s text after the key's name.
const SIGNED_FILES_TITLE: &str =
    "garita evidence pack: SHA-256 of the files derived from the entries";

fn write_pack(
    dir: &Path,
    entries: Entries<'_>,
    checkpoint: &str,
    start_checkpoint: Option<&str>,
    proofs: &PackProofs,
    signer: &CheckpointSigner,
) -> Result<(), AppError> {
    let run = entries.run;
    std::fs::create_dir_all(dir)
        .map_err(|e| AppError::Refused(format!("cannot create {}: {e}", dir.display())))?;
    let put = |name: &str, bytes: &[u8]| -> Result<(), AppError> {
        let path = dir.join(name);
        garita_store::private_file::write_private_file(&path, bytes)
            .map_err(|e| AppError::Refused(format!("cannot write {}: {e}", path.display())))
    };
    put("entries.jsonl", &jsonl(run))?;
    put("context.jsonl", &jsonl(entries.context))?;
    let exported: Vec<_> = run.iter().map(exported_entry).collect();
    let csv = entries_csv(&exported, proofs.lang)?;
    put("entries.csv", csv.as_bytes())?;
    let report =
        evidence_report::compute(run, entries.context, proofs.lang, &proofs.from, &proofs.to);
    let report_json = serde_json::to_vec_pretty(&report)
        .map_err(|e| AppError::Refused(format!("cannot encode the report: {e}")))?;
    put("report.json", &report_json)?;
    let page = evidence_html::render(&report);
    put("index.html", page.as_bytes())?;
    let mut signed = format!("{}\n{SIGNED_FILES_TITLE}\n", signer.name());
    for (name, bytes) in SIGNED_FILES
        .iter()
        .zip([csv.as_bytes(), page.as_bytes(), &report_json])
    {
        signed.push_str(&format!(
            "{name} {}\n",
            hex(Sha256::digest(bytes).as_slice())
        ));
    }
    put("signed-files.txt", signer.sign_text(&signed).as_bytes())?;
    put("checkpoint.txt", checkpoint.as_bytes())?;
    if let Some(note) = start_checkpoint {
        put("start-checkpoint.txt", note.as_bytes())?;
    }
    let proofs = serde_json::to_vec_pretty(proofs)
        .map_err(|e| AppError::Refused(format!("cannot encode the proofs: {e}")))?;
    put("proofs.json", &proofs)?;
    put(
        "verifier-key.txt",
        format!("{}\n", signer.verifier().text()).as_bytes(),
    )
}

/// What checking a pack found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PackVerification {
    /// Every check passed.
    pub intact: bool,
    /// Each problem, naming the file and the entry.
    pub problems: Vec<String>,
    /// Entries in the pack.
    pub entries: u64,
    /// Seq of the first.
    pub first_seq: u64,
    /// The signed tree's size.
    pub tree_size: u64,
    /// The key the signatures were checked with.
    pub verifier_key: String,
    /// Whether the key came from the pack itself (compare its id with the
    /// one the company gave you).
    pub key_from_pack: bool,
    /// Whether a checkpoint from before the period was checked against the
    /// pack's one.
    pub consistency_checked: bool,
}

/// Checks the pack in `dir` with `key` (a verifier key's text), or the
/// pack's own `verifier-key.txt`. Needs no store.
pub fn verify_pack(dir: &Path, key: Option<&str>) -> Result<PackVerification, AppError> {
    let read = |name: &str| -> Result<Vec<u8>, AppError> {
        let path: PathBuf = dir.join(name);
        std::fs::read(&path)
            .map_err(|e| AppError::Refused(format!("cannot read {}: {e}", path.display())))
    };
    let text = |name: &str| -> Result<String, AppError> {
        String::from_utf8(read(name)?)
            .map_err(|_| AppError::Refused(format!("{name} is not UTF-8")))
    };
    let key_text = match key {
        Some(k) => k.to_owned(),
        None => text("verifier-key.txt")?,
    };
    let verifier = CheckpointVerifier::parse(&key_text)
        .map_err(|e| AppError::Usage(format!("the verifier key: {e}")))?;
    let proofs: PackProofs = serde_json::from_slice(&read("proofs.json")?)
        .map_err(|e| AppError::Refused(format!("proofs.json: {e}")))?;
    let mut problems = Vec::new();
    if proofs.format != PACK_FORMAT {
        problems.push(format!(
            "proofs.json: format `{}`, expected `{PACK_FORMAT}`",
            proofs.format
        ));
    }
    let head = match verifier.verify(&text("checkpoint.txt")?) {
        Ok(head) => Some(head),
        Err(e) => {
            problems.push(format!("checkpoint.txt: {e}"));
            None
        }
    };
    if let Some(head) = head {
        if head.size != proofs.tree_size {
            problems.push(format!(
                "proofs.json: tree_size {} but checkpoint.txt signs {} entries",
                proofs.tree_size, head.size
            ));
        }
    }
    let jsonl = read("entries.jsonl")?;
    let lines: Vec<&[u8]> = jsonl
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let entries = check_entries(&lines, proofs.first_seq, &mut problems);
    if lines.len() as u64 != proofs.count {
        problems.push(format!(
            "entries.jsonl: {} entries, but the proof is for {} (entries were removed or added)",
            lines.len(),
            proofs.count
        ));
    }
    let context = check_context(dir, head.as_ref(), &proofs, &mut problems);
    check_csv(&text("entries.csv")?, &entries, proofs.lang, &mut problems);
    check_report(dir, &proofs, &entries, &context, &mut problems);
    check_signed_files(dir, &verifier, &mut problems);
    if let (Some(head), false) = (head, lines.is_empty()) {
        check_run(&head, &proofs, &lines, &mut problems);
    }
    let mut consistency_checked = false;
    if let (Some(head), Some(c)) = (head, &proofs.consistency) {
        match text("start-checkpoint.txt").map(|t| verifier.verify(&t)) {
            Ok(Ok(old)) => {
                let proof: Option<Vec<Hash>> = c.proof.iter().map(|h| parse_hash(h)).collect();
                let consistent = old.size == c.from_size
                    && proof.is_some_and(|p| {
                        verify_consistency(old.size, head.size, &old.root, &head.root, &p)
                    });
                if consistent {
                    consistency_checked = true;
                } else {
                    problems.push(format!(
                        "start-checkpoint.txt: the log of {} entries it signs is not a prefix of the one checkpoint.txt signs: history before the period was rewritten",
                        old.size
                    ));
                }
            }
            Ok(Err(e)) => problems.push(format!("start-checkpoint.txt: {e}")),
            Err(e) => problems.push(e.to_string()),
        }
    }
    Ok(PackVerification {
        intact: problems.is_empty(),
        problems,
        entries: lines.len() as u64,
        first_seq: proofs.first_seq,
        tree_size: proofs.tree_size,
        verifier_key: verifier.text(),
        key_from_pack: key.is_none(),
        consistency_checked,
    })
}

/// Each line an entry whose hash recomputes, in seq order from `first`,
/// each linked to the one before: names a changed, removed or moved entry.
fn check_entries(
    lines: &[&[u8]],
    first: u64,
    problems: &mut Vec<String>,
) -> Vec<Option<AuditEntry>> {
    let mut entries = Vec::with_capacity(lines.len());
    let mut previous: Option<AuditEntry> = None;
    for (i, line) in lines.iter().enumerate() {
        let at = i + 1;
        let entry: AuditEntry = match serde_json::from_slice(line) {
            Ok(e) => e,
            Err(e) => {
                problems.push(format!("entries.jsonl line {at}: not an audit entry: {e}"));
                entries.push(None);
                previous = None;
                continue;
            }
        };
        // Saturating: `first` comes from the pack, which may be anything.
        let expected = first.saturating_add(i as u64);
        if entry.seq != expected {
            problems.push(format!(
                "entries.jsonl line {at}: entry {} where entry {expected} belongs (entries were removed or reordered)",
                entry.seq
            ));
        }
        if entry.computed_hash().as_deref() != Some(entry.hash.as_str()) {
            problems.push(format!(
                "entries.jsonl line {at}: entry {} was changed (its fields no longer give its hash)",
                entry.seq
            ));
        }
        if let Some(prev) = &previous {
            if entry.prev_hash != prev.hash {
                problems.push(format!(
                    "entries.jsonl line {at}: entry {} does not follow entry {} (an entry between them was removed, or they were reordered)",
                    entry.seq, prev.seq
                ));
            }
        }
        previous = Some(entry.clone());
        entries.push(Some(entry));
    }
    entries
}

/// `context.jsonl`'s entries come before the period and are in the signed
/// tree at their seqs: names a changed, removed, added or moved one.
fn check_context(
    dir: &Path,
    head: Option<&TreeHead>,
    proofs: &PackProofs,
    problems: &mut Vec<String>,
) -> Vec<AuditEntry> {
    let path = dir.join("context.jsonl");
    // A pack made before context entries existed has none.
    if !path.exists() && proofs.context_count == 0 {
        return Vec::new();
    }
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            problems.push(format!("context.jsonl: cannot read it: {e}"));
            return Vec::new();
        }
    };
    let lines: Vec<&[u8]> = bytes
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    if lines.len() as u64 != proofs.context_count {
        problems.push(format!(
            "context.jsonl: {} entries, but the proof is for {} (entries were removed or added)",
            lines.len(),
            proofs.context_count
        ));
    }
    let mut entries = Vec::new();
    let mut known = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let entry: AuditEntry = match serde_json::from_slice(line) {
            Ok(e) => e,
            Err(e) => {
                problems.push(format!(
                    "context.jsonl line {}: not an audit entry: {e}",
                    i + 1
                ));
                continue;
            }
        };
        if entry.seq == 0 || (proofs.first_seq > 0 && entry.seq >= proofs.first_seq) {
            problems.push(format!(
                "context.jsonl line {}: entry {} is not from before the period",
                i + 1,
                entry.seq
            ));
        }
        known.push((entry.seq.saturating_sub(1), leaf_hash(line)));
        entries.push(entry);
    }
    if let (Some(head), false) = (head, known.is_empty()) {
        let proof: Option<Vec<Hash>> = proofs.context_proof.iter().map(|h| parse_hash(h)).collect();
        if proof.and_then(|p| root_from_leaves(head.size, &known, &p)) != Some(head.root) {
            problems.push(
                "context.jsonl: its entries do not give the root checkpoint.txt signs: a context entry was changed, removed, added or reordered".into(),
            );
        }
    }
    entries
}

/// `signed-files.txt` is signed by the key and each file it names has the
/// SHA-256 it gives.
fn check_signed_files(dir: &Path, verifier: &CheckpointVerifier, problems: &mut Vec<String>) {
    let Ok(note) = std::fs::read_to_string(dir.join("signed-files.txt")) else {
        // A pack made before it existed: the recomputation above stands alone.
        return;
    };
    let body = match verifier.verify_text(&note) {
        Ok(body) => body,
        Err(e) => {
            problems.push(format!("signed-files.txt: {e}"));
            return;
        }
    };
    for name in SIGNED_FILES {
        let signed = body
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '));
        let found = std::fs::read(dir.join(name))
            .map(|b| hex(Sha256::digest(&b).as_slice()))
            .unwrap_or_default();
        match signed {
            None => problems.push(format!("signed-files.txt: no digest of {name}")),
            Some(digest) if digest != found => problems.push(format!(
                "{name}: its SHA-256 is not the one signed-files.txt signs (edited after packing)"
            )),
            Some(_) => {}
        }
    }
}

fn check_run(head: &TreeHead, proofs: &PackProofs, lines: &[&[u8]], problems: &mut Vec<String>) {
    let run: Vec<Hash> = lines.iter().map(|l| leaf_hash(l)).collect();
    let proof: Option<Vec<Hash>> = proofs.range_proof.iter().map(|h| parse_hash(h)).collect();
    let rebuilt = proof
        .and_then(|p| root_from_range(head.size, proofs.first_seq.saturating_sub(1), &run, &p));
    if rebuilt != Some(head.root) {
        problems.push(format!(
            "entries.jsonl: entries {}..={} do not give the root checkpoint.txt signs: an entry was changed, removed, added or reordered",
            proofs.first_seq,
            proofs
                .first_seq
                .saturating_add(proofs.count.saturating_sub(1))
        ));
    }
}

/// The CSV holds the same entries: a row edited in a spreadsheet is named.
fn check_csv(text: &str, entries: &[Option<AuditEntry>], lang: Locale, problems: &mut Vec<String>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let reader_headers: Vec<String> = reader
        .headers()
        .map(|h| h.iter().map(str::to_owned).collect())
        .unwrap_or_default();
    let mut rows = 0;
    for (i, row) in reader.records().enumerate() {
        rows += 1;
        let line = i + 2;
        let Ok(row) = row else {
            problems.push(format!("entries.csv line {line}: not CSV"));
            continue;
        };
        let Some(Some(entry)) = entries.get(i) else {
            continue;
        };
        let expected = csv_cells(&exported_entry(entry), lang);
        // A pack made before the description column has one column less.
        let columns = if reader_headers.iter().any(|h| h == "description") {
            expected.len()
        } else {
            expected.len() - 1
        };
        let found: Vec<&str> = row.iter().collect();
        if found
            != expected[..columns]
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
        {
            // Name the column, so an edited description reads as such.
            let column = found
                .iter()
                .zip(expected.iter())
                .position(|(f, e)| f != e)
                .and_then(|i| reader_headers.get(i).cloned())
                .map(|c| format!(" in column `{c}`"))
                .unwrap_or_default();
            problems.push(format!(
                "entries.csv line {line}: differs from entry {} in entries.jsonl{column} (edited after packing)",
                entry.seq
            ));
        }
    }
    if rows != entries.len() {
        problems.push(format!(
            "entries.csv: {rows} rows for {} entries",
            entries.len()
        ));
    }
}

/// `report.json` and `index.html` are what the entries give: each figure
/// edited after packing is named (at most a few, then how many more).
fn check_report(
    dir: &Path,
    proofs: &PackProofs,
    entries: &[Option<AuditEntry>],
    context: &[AuditEntry],
    problems: &mut Vec<String>,
) {
    // A pack made before reports existed has neither file: nothing to check
    // (the entries, which are the evidence, are checked all the same).
    if !dir.join("report.json").exists() && !dir.join("index.html").exists() {
        return;
    }
    let parsed: Vec<AuditEntry> = entries.iter().flatten().cloned().collect();
    let expected =
        evidence_report::compute(&parsed, context, proofs.lang, &proofs.from, &proofs.to);
    match std::fs::read(dir.join("report.json")) {
        Err(e) => problems.push(format!("report.json: cannot read it: {e}")),
        Ok(bytes) => match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Err(e) => problems.push(format!("report.json: not JSON: {e}")),
            Ok(found) => {
                let want = serde_json::to_value(&expected).unwrap_or_default();
                let mut differences = Vec::new();
                differ("", &found, &want, &mut differences);
                let more = differences.len().saturating_sub(REPORTED_DIFFERENCES);
                for d in differences.iter().take(REPORTED_DIFFERENCES) {
                    problems.push(format!("report.json: {d} (edited after packing)"));
                }
                if more > 0 {
                    problems.push(format!("report.json: {more} more figures differ"));
                }
            }
        },
    }
    check_page(dir, &expected, problems);
}

const REPORTED_DIFFERENCES: usize = 5;

/// Where `found` differs from `want`, as `path is X, the entries give Y`.
fn differ(path: &str, found: &serde_json::Value, want: &serde_json::Value, out: &mut Vec<String>) {
    use serde_json::Value;
    let at = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match (found, want) {
        (Value::Object(f), Value::Object(w)) => {
            let keys: std::collections::BTreeSet<&String> = f.keys().chain(w.keys()).collect();
            for key in keys {
                let null = Value::Null;
                differ(
                    &at(key),
                    f.get(key).unwrap_or(&null),
                    w.get(key).unwrap_or(&null),
                    out,
                );
            }
        }
        (Value::Array(f), Value::Array(w)) if f.len() == w.len() => {
            for (i, (a, b)) in f.iter().zip(w).enumerate() {
                differ(&at(&i.to_string()), a, b, out);
            }
        }
        (f, w) if f != w => out.push(format!(
            "{} is {}, the entries give {}",
            if path.is_empty() { "the report" } else { path },
            short(f),
            short(w)
        )),
        _ => {}
    }
}

fn short(v: &serde_json::Value) -> String {
    let text = v.to_string();
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// `index.html` is the page of the recomputed report, byte for byte; the
/// first line that differs is named, with the figure it holds.
fn check_page(dir: &Path, expected: &EvidenceReport, problems: &mut Vec<String>) {
    let found = match std::fs::read_to_string(dir.join("index.html")) {
        Ok(text) => text,
        Err(e) => {
            problems.push(format!("index.html: cannot read it: {e}"));
            return;
        }
    };
    let want = evidence_html::render(expected);
    if found == want {
        return;
    }
    let mut found_lines = found.lines();
    let mut want_lines = want.lines();
    let mut line = 0;
    loop {
        line += 1;
        match (found_lines.next(), want_lines.next()) {
            (Some(f), Some(w)) if f == w => continue,
            (Some(f), w) => {
                let figure = figure_named(f)
                    .or_else(|| w.and_then(figure_named))
                    .map(|n| format!(" (figure `{n}`)"))
                    .unwrap_or_default();
                problems.push(format!(
                    "index.html line {line}: differs from the report the entries give{figure} (edited after packing): `{}`",
                    f.chars().take(160).collect::<String>()
                ));
            }
            (None, _) => problems.push(format!(
                "index.html: ends at line {line}, before the report the entries give"
            )),
        }
        return;
    }
}

/// The `data-figure` name a line of the page shows, if any.
fn figure_named(line: &str) -> Option<String> {
    let start = line.find("data-figure=\"")? + "data-figure=\"".len();
    let len = line[start..].find('"')?;
    Some(line[start..start + len].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use garita_engine::audit::tlog::note::CheckpointSigner;

    /// A pack's numbers are the pack's to choose: absurd ones are problems
    /// named in the report, never a panic of the checker.
    #[test]
    fn a_pack_with_absurd_numbers_is_refused_not_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let signer = CheckpointSigner::from_seed("aduanas.example/garita", [3; 32]).unwrap();
        let head = TreeHead {
            size: 1,
            root: [0; 32],
        };
        let entry = AuditEntry {
            seq: 1,
            at: chrono::Utc::now(),
            kind: "account.created".into(),
            subject: "ctpat:ana@example.com".into(),
            actor: None,
            summary: serde_json::json!({}),
            recorded_at: None,
            pinned_at: None,
            prev_hash: "0".repeat(64),
            hash: "0".repeat(64),
        };
        let write = |name: &str, text: &[u8]| std::fs::write(dir.path().join(name), text).unwrap();
        let second = AuditEntry {
            seq: 2,
            ..entry.clone()
        };
        let mut lines = Vec::new();
        for e in [&entry, &second] {
            lines.extend(leaf_data(e));
            lines.push(b'\n');
        }
        write("entries.jsonl", &lines);
        write(
            "entries.csv",
            entries_csv(
                &[exported_entry(&entry), exported_entry(&second)],
                Locale::Es,
            )
            .unwrap()
            .as_bytes(),
        );
        write("checkpoint.txt", signer.sign(&head).as_bytes());
        write("verifier-key.txt", signer.verifier().text().as_bytes());
        let proofs = PackProofs {
            format: PACK_FORMAT.into(),
            from: String::new(),
            to: String::new(),
            tree_size: u64::MAX,
            first_seq: u64::MAX,
            count: u64::MAX,
            range_proof: vec!["zz".into()],
            consistency: None,
            lang: Locale::Es,
            context_count: 0,
            context_proof: Vec::new(),
        };
        write("proofs.json", &serde_json::to_vec(&proofs).unwrap());
        let report = verify_pack(dir.path(), None).unwrap();
        assert!(!report.intact);
        let problems = report.problems.join("\n");
        assert!(problems.contains("where entry"), "{problems}");
        assert!(problems.contains("tree_size"), "{problems}");
    }
}
