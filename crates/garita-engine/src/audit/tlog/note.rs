//! Signed tree heads in the C2SP `tlog-checkpoint` format, signed as a C2SP
//! `signed-note` with Ed25519, so that tools written for transparency logs
//! (and a short script) can check them.
//!
//! A checkpoint is three lines — the log's origin, its size in decimal and
//! its root hash in standard base64 — then a blank line and one signature
//! line per key: an em dash, a space, the key's name, a space, and base64
//! of the key's 4-byte id followed by the 64-byte signature of the text
//! above the blank line. The key id is the first four bytes of
//! `SHA-256(name || "\n" || 0x01 || public key)`, `0x01` naming Ed25519.
//! A verifier key is written `name+keyid(hex)+base64(0x01 || public key)`.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::audit::Hash;

/// The signature algorithm byte of Ed25519 in signed notes.
const ED25519: u8 = 0x01;

/// A tree head: how many entries and their root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeHead {
    /// Entries in the tree.
    pub size: u64,
    /// The Merkle root of those entries.
    pub root: Hash,
}

/// Why a checkpoint or a key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// The text is not a checkpoint.
    #[error("not a checkpoint: {0}")]
    Malformed(String),
    /// No signature line of the expected key.
    #[error("the checkpoint has no signature by key `{0}`")]
    Unsigned(String),
    /// A signature line of the key that does not verify.
    #[error("the signature by key `{0}` does not match the checkpoint's text: it was changed after signing, or signed by another key of that name")]
    BadSignature(String),
    /// The checkpoint is of another log.
    #[error("the checkpoint is of log `{found}`, not `{expected}`")]
    OtherLog {
        /// The origin expected.
        expected: String,
        /// The origin found.
        found: String,
    },
    /// A key that cannot be read.
    #[error("not a key: {0}")]
    BadKey(String),
}

/// The 4-byte id of key `name` with public key `public`.
pub fn key_id(name: &str, public: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ED25519]);
    h.update(public.as_bytes());
    let digest = h.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// The key that signs checkpoints: a name (the log's origin) and the
/// Ed25519 secret.
#[derive(Clone)]
pub struct CheckpointSigner {
    name: String,
    key: SigningKey,
}

impl std::fmt::Debug for CheckpointSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        f.debug_struct("CheckpointSigner")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl CheckpointSigner {
    /// A signer named `name` from the 32-byte Ed25519 `seed`.
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Self, NoteError> {
        check_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// Reads the private key text `PRIVATE+KEY+name+keyid+base64(0x01||seed)`.
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let rest = text
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or_else(|| NoteError::BadKey("a private key starts with PRIVATE+KEY+".into()))?;
        let (name, id, key) = split_key(rest)?;
        let bytes = key_bytes(key)?;
        let seed: [u8; 32] = bytes
            .try_into()
            .map_err(|_| NoteError::BadKey("an Ed25519 private key is 32 bytes".into()))?;
        let signer = Self::from_seed(name, seed)?;
        if hex4(&key_id(name, &signer.key.verifying_key())) != id {
            return Err(NoteError::BadKey(
                "the key id does not match the key: the file was changed".into(),
            ));
        }
        Ok(signer)
    }

    /// The private key text, for the key file.
    pub fn private_text(&self) -> String {
        let mut bytes = vec![ED25519];
        bytes.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{}+{}",
            self.name,
            hex4(&key_id(&self.name, &self.key.verifying_key())),
            BASE64.encode(bytes)
        )
    }

    /// The verifier key that checks this signer's checkpoints.
    pub fn verifier(&self) -> CheckpointVerifier {
        CheckpointVerifier {
            name: self.name.clone(),
            key: self.key.verifying_key(),
        }
    }

    /// The key's name: the log's origin.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The signed checkpoint of `head`.
    pub fn sign(&self, head: &TreeHead) -> String {
        self.sign_text(&checkpoint_body(&self.name, head))
    }

    /// `body` (lines, each ending in `\n`) as a signed note of this key:
    /// what an evidence pack signs besides its checkpoint.
    pub fn sign_text(&self, body: &str) -> String {
        let signature = self.key.sign(body.as_bytes());
        let mut blob = key_id(&self.name, &self.key.verifying_key()).to_vec();
        blob.extend_from_slice(&signature.to_bytes());
        format!("{body}\n\u{2014} {} {}\n", self.name, BASE64.encode(blob))
    }
}

/// The public key that checks checkpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointVerifier {
    name: String,
    key: VerifyingKey,
}

impl CheckpointVerifier {
    /// Reads `name+keyid+base64(0x01||public key)`.
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let (name, id, key) = split_key(text.trim())?;
        let bytes: [u8; 32] = key_bytes(key)?
            .try_into()
            .map_err(|_| NoteError::BadKey("an Ed25519 public key is 32 bytes".into()))?;
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|e| NoteError::BadKey(format!("not an Ed25519 public key: {e}")))?;
        if hex4(&key_id(name, &key)) != id {
            return Err(NoteError::BadKey(
                "the key id does not match the key: the text was changed".into(),
            ));
        }
        Ok(Self {
            name: name.to_owned(),
            key,
        })
    }

    /// The verifier key text.
    pub fn text(&self) -> String {
        let mut bytes = vec![ED25519];
        bytes.extend_from_slice(self.key.as_bytes());
        format!(
            "{}+{}+{}",
            self.name,
            hex4(&key_id(&self.name, &self.key)),
            BASE64.encode(bytes)
        )
    }

    /// The key's name: the log's origin.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The tree head of `checkpoint`, once its origin is this key's and its
    /// signature by this key verifies.
    pub fn verify(&self, checkpoint: &str) -> Result<TreeHead, NoteError> {
        let (body, signatures) = checkpoint
            .split_once("\n\n")
            .ok_or_else(|| NoteError::Malformed("no blank line before the signatures".into()))?;
        let body = format!("{body}\n");
        let head = parse_body(&body, &self.name)?;
        self.check_signatures(&body, signatures).map(|()| head)
    }

    /// The text of a signed `note` of any content (its lines above the
    /// blank line), once a signature by this key verifies.
    pub fn verify_text(&self, note: &str) -> Result<String, NoteError> {
        let (body, signatures) = note
            .split_once("\n\n")
            .ok_or_else(|| NoteError::Malformed("no blank line before the signatures".into()))?;
        let body = format!("{body}\n");
        self.check_signatures(&body, signatures).map(|()| body)
    }

    fn check_signatures(&self, body: &str, signatures: &str) -> Result<(), NoteError> {
        let id = key_id(&self.name, &self.key);
        let prefix = format!("\u{2014} {} ", self.name);
        let mut found = false;
        for line in signatures.lines() {
            let Some(blob) = line.strip_prefix(&prefix) else {
                continue;
            };
            let Ok(blob) = BASE64.decode(blob) else {
                continue;
            };
            if blob.len() != 68 || blob[..4] != id {
                continue;
            }
            found = true;
            let Ok(signature) = Signature::from_slice(&blob[4..]) else {
                continue;
            };
            if self.key.verify(body.as_bytes(), &signature).is_ok() {
                return Ok(());
            }
        }
        Err(if found {
            NoteError::BadSignature(self.name.clone())
        } else {
            NoteError::Unsigned(self.name.clone())
        })
    }
}

/// The signed text of a checkpoint (three lines, each ending in `\n`).
pub fn checkpoint_body(origin: &str, head: &TreeHead) -> String {
    format!("{origin}\n{}\n{}\n", head.size, BASE64.encode(head.root))
}

fn parse_body(body: &str, origin: &str) -> Result<TreeHead, NoteError> {
    let mut lines = body.lines();
    let found = lines.next().unwrap_or_default();
    if found != origin {
        return Err(NoteError::OtherLog {
            expected: origin.to_owned(),
            found: found.to_owned(),
        });
    }
    let size = lines
        .next()
        .filter(|s| {
            !s.is_empty()
                && s.bytes().all(|b| b.is_ascii_digit())
                && (s.len() == 1 || !s.starts_with('0'))
        })
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or_else(|| {
            NoteError::Malformed("the second line must be the tree size in decimal".into())
        })?;
    let root: Hash = lines
        .next()
        .and_then(|s| BASE64.decode(s).ok())
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            NoteError::Malformed("the third line must be the root hash, 32 bytes in base64".into())
        })?;
    Ok(TreeHead { size, root })
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty()
        || name.contains('+')
        || name.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(NoteError::BadKey(format!(
            "`{name}` cannot name a key: a name is not empty and has no spaces or `+` (use the log's origin, such as `garita.example.com/audit`)"
        )));
    }
    Ok(())
}

fn split_key(text: &str) -> Result<(&str, &str, &str), NoteError> {
    let mut parts = text.splitn(3, '+');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(name), Some(id), Some(key)) if id.len() == 8 => Ok((name, id, key)),
        _ => Err(NoteError::BadKey("a key is written NAME+KEYID+KEY".into())),
    }
}

fn key_bytes(key: &str) -> Result<Vec<u8>, NoteError> {
    let bytes = BASE64
        .decode(key)
        .map_err(|e| NoteError::BadKey(format!("the key is not base64: {e}")))?;
    match bytes.split_first() {
        Some((&ED25519, rest)) => Ok(rest.to_vec()),
        _ => Err(NoteError::BadKey(
            "only Ed25519 keys (algorithm 1) are supported".into(),
        )),
    }
}

fn hex4(id: &[u8; 4]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> CheckpointSigner {
        CheckpointSigner::from_seed("garita.example.com/audit", [7; 32]).unwrap()
    }

    fn head() -> TreeHead {
        TreeHead {
            size: 42,
            root: [9; 32],
        }
    }

    #[test]
    fn a_signed_text_verifies_and_an_edit_of_it_does_not() {
        let note = signer().sign_text("pack\nentries.csv 00ff\n");
        let verifier = signer().verifier();
        assert_eq!(
            verifier.verify_text(&note).as_deref(),
            Ok("pack\nentries.csv 00ff\n")
        );
        let edited = note.replace("00ff", "00fe");
        assert!(matches!(
            verifier.verify_text(&edited),
            Err(NoteError::BadSignature(_))
        ));
    }

    #[test]
    fn a_signed_checkpoint_verifies_and_has_the_c2sp_shape() {
        let cp = signer().sign(&head());
        let lines: Vec<&str> = cp.lines().collect();
        assert_eq!(lines[0], "garita.example.com/audit");
        assert_eq!(lines[1], "42");
        assert_eq!(lines[2], BASE64.encode([9u8; 32]));
        assert_eq!(lines[3], "");
        assert!(lines[4].starts_with("\u{2014} garita.example.com/audit "));
        assert!(cp.ends_with('\n'));
        assert_eq!(signer().verifier().verify(&cp), Ok(head()));
    }

    #[test]
    fn a_changed_checkpoint_is_refused() {
        let cp = signer().sign(&head());
        let grown = cp.replacen("\n42\n", "\n43\n", 1);
        assert_eq!(
            signer().verifier().verify(&grown),
            Err(NoteError::BadSignature("garita.example.com/audit".into()))
        );
        let other = CheckpointSigner::from_seed("garita.example.com/audit", [8; 32]).unwrap();
        assert_eq!(
            other.verifier().verify(&cp),
            Err(NoteError::Unsigned("garita.example.com/audit".into())),
            "another key of the same name has another id"
        );
        let elsewhere = CheckpointSigner::from_seed("other.example/log", [7; 32]).unwrap();
        assert!(matches!(
            elsewhere.verifier().verify(&cp),
            Err(NoteError::OtherLog { .. })
        ));
    }

    #[test]
    fn keys_round_trip_through_their_text() {
        let s = signer();
        let again = CheckpointSigner::parse(&s.private_text()).unwrap();
        assert_eq!(again.verifier(), s.verifier());
        let v = CheckpointVerifier::parse(&s.verifier().text()).unwrap();
        assert_eq!(v, s.verifier());
        let text = s.verifier().text();
        assert!(text.starts_with("garita.example.com/audit+"), "{text}");
        // A changed key no longer matches its id.
        let mut bytes = text.into_bytes();
        let last = bytes.len() - 3;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        assert!(CheckpointVerifier::parse(std::str::from_utf8(&bytes).unwrap()).is_err());
        assert!(CheckpointSigner::from_seed("has space", [1; 32]).is_err());
        assert!(CheckpointSigner::from_seed("a+b", [1; 32]).is_err());
    }

    #[test]
    fn a_size_with_leading_zeros_or_signs_is_malformed() {
        let s = signer();
        let cp = s.sign(&head());
        for bad in ["\n042\n", "\n+42\n", "\n-42\n"] {
            let changed = cp.replacen("\n42\n", bad, 1);
            assert!(matches!(
                s.verifier().verify(&changed),
                Err(NoteError::Malformed(_))
            ));
        }
    }
}
