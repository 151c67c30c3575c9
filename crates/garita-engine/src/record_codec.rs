//! How a stored record is encoded, the same in every backend: one
//! encoding-version byte, then the payload. The byte lets a later Garita
//! change the format (say, to a binary one) and still read, and migrate,
//! what older versions wrote.
//!
//! It is shared because the audit log's digests are taken over these bytes
//! (`event_sha256`, `task_sha256`, ...): a record copied from one backend to
//! another must keep them exactly, or its entries would no longer match.

use crate::store::StoreError;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Version byte of values encoded as JSON by `serde_json`.
pub const JSON_V1: u8 = 1;

/// Encodes `value` as [`JSON_V1`]. `what` names the value for the error.
pub fn encode<T: Serialize>(value: &T, what: &str) -> Result<Vec<u8>, StoreError> {
    let mut bytes = vec![JSON_V1];
    serde_json::to_writer(&mut bytes, value).map_err(|e| StoreError::Corrupt {
        what: what.to_string(),
        detail: format!(
            "cannot encode it as JSON ({e}); nothing was written, this is a bug in garita"
        ),
    })?;
    Ok(bytes)
}

/// Decodes a value written by [`encode`]; `what` names the record for the error.
pub fn decode<T: DeserializeOwned>(
    bytes: &[u8],
    what: impl FnOnce() -> String,
) -> Result<T, StoreError> {
    match bytes.split_first() {
        Some((&JSON_V1, payload)) => serde_json::from_slice(payload)
            .map_err(|e| StoreError::Corrupt { what: what(), detail: format!("invalid JSON: {e}") }),
        Some((version, _)) => Err(StoreError::Corrupt {
            what: what(),
            detail: format!(
                "encoding version {version} is unknown to this garita, which reads version {JSON_V1}; \
                 if a newer garita wrote it, upgrade garita"
            ),
        }),
        None => Err(StoreError::Corrupt { what: what(), detail: "the value is empty".into() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_version_byte() {
        let bytes = encode(&vec![1, 2, 3], "list").unwrap();
        assert_eq!(bytes[0], JSON_V1);
        let back: Vec<i32> = decode(&bytes, || "list".into()).unwrap();
        assert_eq!(back, vec![1, 2, 3]);
    }

    #[test]
    fn unknown_version_and_garbage_are_corrupt_not_panics() {
        let err = decode::<Vec<i32>>(&[9, b'['], || "list".into()).unwrap_err();
        assert!(err.to_string().contains("encoding version 9"), "{err}");
        assert!(matches!(
            decode::<Vec<i32>>(&[], || "x".into()),
            Err(StoreError::Corrupt { .. })
        ));
        assert!(matches!(
            decode::<Vec<i32>>(&[JSON_V1, b'{'], || "x".into()),
            Err(StoreError::Corrupt { .. })
        ));
    }
}
