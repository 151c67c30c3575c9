//! Database failures as [`StoreError`]s, each with what to do.

use garita_engine::StoreError;

/// `url` without its password, for messages: a URL is shown to people and
/// written to logs, a password never is.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_owned();
    };
    let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
    let hidden = if userinfo.contains(':') { ":***" } else { "" };
    format!("{scheme}://{user}{hidden}@{host}{tail}")
}

/// A failed query or connection while `doing` something, on the database
/// at `url` (already redacted).
pub(crate) fn db_error(url: &str, doing: &str, e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => StoreError::Corrupt {
            what: format!("a value read while {doing}"),
            detail: format!("{e}; the table may have been changed by hand or by a newer garita"),
        },
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            let advice = match code.get(..2) {
                // Class 28: invalid authorization; 3D: no such database.
                Some("28") => "check the user and password in the store URL",
                Some("3D") => "create the database first (`createdb NAME`) or fix its name in the store URL",
                Some("42") => "the schema differs from what this garita expects: was the database changed by hand?",
                Some("53") => "the server is out of resources (disk, memory or connections); free some and try again",
                Some("57") => "the server is shutting down or restarting; try again once it is up",
                _ => "nothing after the failed step was written; try again",
            };
            StoreError::Io {
                path: url.to_owned(),
                detail: format!("{doing}: {db} (SQLSTATE {code}); {advice}"),
            }
        }
        other => StoreError::Io {
            path: url.to_owned(),
            detail: format!(
                "{doing}: {other}; check that PostgreSQL is running and reachable at that address \
                 (`pg_isready -d URL`); nothing after the failed step was written"
            ),
        },
    }
}

/// Whether `e` means the server cannot be reached or is going away (rather
/// than refusing one query): the pool, the network, or SQLSTATE class 08
/// (connection exception) and 57P (operator intervention: shutdown).
pub(crate) fn is_connection_lost(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        _ => false,
    }
}

/// A number the database holds as `bigint` that a record needs as `u64`
/// (or the other way): only a damaged or hand-edited row is out of range.
pub(crate) fn out_of_range(what: &str, value: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        what: what.to_owned(),
        detail: format!("{value} is out of range"),
    }
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn passwords_never_reach_a_message() {
        assert_eq!(
            redacted("postgres://garita:s3cret@db.example:5432/garita"),
            "postgres://garita:***@db.example:5432/garita"
        );
        assert_eq!(
            redacted("postgres://garita@db/garita?sslmode=disable"),
            "postgres://garita@db/garita?sslmode=disable"
        );
        assert_eq!(redacted("postgres://db/garita"), "postgres://db/garita");
        assert_eq!(redacted("postgres://u:p@w@h/d"), "postgres://u:***@h/d");
    }
}
