//! Signed checkpoints of the audit log (docs/audit.md, "Checkpoints"):
//! creating the signing key, and signing the tree head of the log as it is
//! now. A checkpoint handed to someone outside the company (an auditor, an
//! address the daemon mails it to) fixes the history up to it: a later
//! rewrite of any entry changes the root, and the consistency proof from
//! that checkpoint to any later one fails.
//!
//! Each checkpoint made is itself recorded as an audit entry
//! (`audit.checkpoint`, after the entries it covers), so the checkpoints of
//! a period can be found again for an evidence pack.

use std::path::{Path, PathBuf};

use chrono::Utc;
use garita_engine::audit::tlog::leaf_data;
use garita_engine::audit::tlog::merkle;
use garita_engine::audit::tlog::note::{CheckpointSigner, TreeHead};
use garita_engine::audit::{hex, AuditEntry, AuditRecord};
use serde::{Deserialize, Serialize};

use super::Session;
use crate::AppError;

/// Entries read at a time while hashing the log, so a log of millions of
/// entries costs 32 bytes each in memory, not the entries themselves.
const PAGE: u64 = 5_000;

/// The audit-entry kind of a checkpoint.
pub const CHECKPOINT_KIND: &str = "audit.checkpoint";

/// A key file written by `garita keys init`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SigningKeyCreated {
    /// Where the private key is (0600).
    pub path: String,
    /// The key's name: the origin line of every checkpoint it signs.
    pub name: String,
    /// The public verifier key (`name+keyid+key`), to hand to auditors.
    pub verifier_key: String,
}

/// A signed checkpoint of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Checkpoint {
    /// The log's origin (the key's name).
    pub origin: String,
    /// Entries covered: entries 1 to `size`.
    pub size: u64,
    /// The Merkle root of those entries, hex.
    pub root: String,
    /// The checkpoint in the C2SP signed-note format, as it is handed out.
    pub note: String,
    /// The public key that verifies it.
    pub verifier_key: String,
    /// The seq of the audit entry that records this checkpoint.
    pub recorded_as: u64,
}

/// Creates a signing key named `name` at `path`, never over an existing
/// file (a lost key would orphan every checkpoint it signed).
pub fn init_signing_key(name: &str, path: &Path) -> Result<SigningKeyCreated, AppError> {
    if path.exists() {
        return Err(AppError::Refused(format!(
            "{} already exists; a signing key is never overwritten (the checkpoints it signed would no longer verify against a new one). Choose another path, or keep using this key",
            path.display()
        )));
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| AppError::Refused(format!("no randomness from the operating system: {e}")))?;
    let signer =
        CheckpointSigner::from_seed(name, seed).map_err(|e| AppError::Usage(e.to_string()))?;
    let mut text = signer.private_text();
    text.push('\n');
    garita_store::private_file::write_private_file(path, text.as_bytes()).map_err(|e| {
        AppError::Refused(format!("cannot write the key to {}: {e}", path.display()))
    })?;
    Ok(SigningKeyCreated {
        path: path.display().to_string(),
        name: signer.name().to_owned(),
        verifier_key: signer.verifier().text(),
    })
}

/// Reads the signing key the configuration names.
pub fn configured_signer(session: &Session) -> Result<CheckpointSigner, AppError> {
    let path: PathBuf = session
        .app
        .settings
        .audit
        .signing_key
        .clone()
        .ok_or_else(|| {
            AppError::Config(
                "no signing key configured: create one with `garita keys init --output PATH` \
             (outside the store directory) and set `[audit] signing_key = \"PATH\"` in garita.toml"
                    .into(),
            )
        })?;
    let text = std::fs::read_to_string(&path).map_err(|e| {
        AppError::Config(format!(
            "cannot read the signing key {} ([audit] signing_key): {e}",
            path.display()
        ))
    })?;
    CheckpointSigner::parse(&text).map_err(|e| {
        AppError::Config(format!(
            "{} ([audit] signing_key) is not a key garita wrote: {e}",
            path.display()
        ))
    })
}

/// Every entry now in the log, in chain order, read a page at a time and
/// handed to `visit`, so a log of millions of entries is never in memory
/// at once.
pub async fn scan_log(
    session: &Session,
    mut visit: impl FnMut(&AuditEntry),
) -> Result<(), AppError> {
    let head = session.backend.audit.audit_head().await?;
    let mut from = 1;
    while from <= head.seq {
        let to = (from + PAGE - 1).min(head.seq);
        for entry in session.backend.audit.audit_entries(from, Some(to)).await? {
            visit(&entry);
        }
        from = to + 1;
    }
    Ok(())
}

/// The leaf hashes of every entry now in the log: 32 bytes each.
pub async fn leaf_hashes(session: &Session) -> Result<Vec<garita_engine::audit::Hash>, AppError> {
    let mut hashes = Vec::new();
    scan_log(session, |e| hashes.push(merkle::leaf_hash(&leaf_data(e)))).await?;
    Ok(hashes)
}

/// Signs the tree head of the log as it is now and records that it did.
pub async fn checkpoint(session: &Session) -> Result<Checkpoint, AppError> {
    let signer = configured_signer(session)?;
    let leaves = leaf_hashes(session).await?;
    sign_and_record(session, &signer, &leaves).await
}

/// Signs the tree of `leaves` (the whole log) and records the checkpoint.
pub async fn sign_and_record(
    session: &Session,
    signer: &CheckpointSigner,
    leaves: &[garita_engine::audit::Hash],
) -> Result<Checkpoint, AppError> {
    let head = TreeHead {
        size: leaves.len() as u64,
        root: merkle::root(leaves),
    };
    let note = signer.sign(&head);
    let entry = session
        .backend
        .audit
        .record_audit(AuditRecord {
            at: session.app.clock.now(),
            kind: CHECKPOINT_KIND.into(),
            subject: signer.name().to_owned(),
            actor: None,
            summary: serde_json::json!({
                "size": head.size,
                "root": hex(&head.root),
                "note": note,
            }),
        })
        .await?;
    tracing::info!(size = head.size, at = %Utc::now(), "audit checkpoint signed");
    Ok(Checkpoint {
        origin: signer.name().to_owned(),
        size: head.size,
        root: hex(&head.root),
        note,
        verifier_key: signer.verifier().text(),
        recorded_as: entry.seq,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_written_private_and_never_over_another() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.key");
        let made = init_signing_key("garita.example/audit", &path).unwrap();
        assert!(made.verifier_key.starts_with("garita.example/audit+"));
        let text = std::fs::read_to_string(&path).unwrap();
        let signer = CheckpointSigner::parse(&text).unwrap();
        assert_eq!(signer.verifier().text(), made.verifier_key);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let err = init_signing_key("garita.example/audit", &path).unwrap_err();
        assert!(err.to_string().contains("never overwritten"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            text,
            "the first key is kept"
        );
        assert!(init_signing_key("has space", &dir.path().join("b.key")).is_err());
    }
}
