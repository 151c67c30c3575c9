//! Ids as the store keys them. A backup's keys join an id's parts with a
//! `0x00` byte, and PostgreSQL's `text` cannot hold one, so an id that is
//! empty or holds a NUL byte is refused before anything is written, with
//! the same error as sled: a caller's bug, not damage.

use garita_engine::StoreError;

/// Refuses an id that is empty or holds a NUL byte; `what` names it.
pub(crate) fn check_id(id: &str, what: &str) -> Result<(), StoreError> {
    if id.is_empty() || id.contains('\0') {
        return Err(StoreError::Corrupt {
            what: format!("{what} {id:?}"),
            detail: "an id must be non-empty and must not contain a NUL byte; this is a bug in the caller, not damage in the database".into(),
        });
    }
    Ok(())
}

/// A count or seq as the database's `bigint`; only a number no store can
/// reach does not fit.
pub(crate) fn db_int(value: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| crate::errors::out_of_range(what, value))
}

/// A `bigint` read back as the `u64` a record holds.
pub(crate) fn record_int(value: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| crate::errors::out_of_range(what, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_ids_and_nul_bytes_are_refused() {
        assert!(check_id("01RUN", "run id").is_ok());
        assert!(check_id("", "run id").is_err());
        assert!(check_id("a\0b", "run id").is_err());
    }

    #[test]
    fn numbers_out_of_range_are_errors() {
        assert_eq!(db_int(7, "seq"), Ok(7));
        assert!(db_int(u64::MAX, "seq").is_err());
        assert!(record_int(-1, "seq").is_err());
    }
}
