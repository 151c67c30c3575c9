//! What an operation reports when it cannot do its work: the cause, in
//! words for the person who asked, and its [`ErrorClass`], which each front
//! end maps to its own form (an exit code, an HTTP status).

use garita_engine::executor::EngineError;
use garita_engine::schedule::ScheduleError;
use garita_engine::StoreError;

/// Why an operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request itself was wrong in a way its type could not say (a
    /// malformed value, an ambiguous id): ask again differently.
    #[error("{0}")]
    Usage(String),
    /// What the request names does not exist; the message says where to
    /// find what does.
    #[error("{0}")]
    NotFound(String),
    /// The configuration (garita.toml, `GARITA_*`) cannot be read or has a
    /// wrong value.
    #[error("{0}")]
    Config(String),
    /// The engine refused or failed the work.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A schedule could not be changed.
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    /// The work was refused for a reason the message gives (a rule, a
    /// state, a file that cannot be read).
    #[error("{0}")]
    Refused(String),
    /// The daemon that ran the operation for this front end failed it (or
    /// could not be reached); its words and class, as it reported them.
    #[error("{message}")]
    Reported {
        /// The kind of failure, as the daemon classed it.
        class: ErrorClass,
        /// What the daemon said.
        message: String,
    },
}

/// What kind of failure an [`AppError`] is, whatever its cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The request was wrong (a command line's exit code 2, HTTP 400).
    Usage,
    /// What the request names does not exist (HTTP 404).
    NotFound,
    /// It exists but is in a state that forbids this (HTTP 409).
    Conflict,
    /// Understood, and refused (HTTP 422).
    Refused,
    /// The store or the machine failed (HTTP 500).
    Internal,
}

impl AppError {
    /// The kind of failure this is.
    pub fn class(&self) -> ErrorClass {
        match self {
            AppError::Usage(_) => ErrorClass::Usage,
            AppError::NotFound(_) => ErrorClass::NotFound,
            AppError::Config(_) => ErrorClass::Internal,
            AppError::Engine(e) => engine_class(e),
            AppError::Store(e) => store_class(e),
            AppError::Schedule(_) => ErrorClass::Refused,
            AppError::Refused(_) => ErrorClass::Refused,
            AppError::Reported { class, .. } => *class,
        }
    }
}

/// An error's words with each of its causes after a colon, as a command
/// line prints an error that ends it.
pub fn with_causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut words = err.to_string();
    let mut cause = err.source();
    while let Some(e) = cause {
        words.push_str(": ");
        words.push_str(&e.to_string());
        cause = e.source();
    }
    words
}

/// The class of an engine error (also for front ends that meet one outside
/// an [`AppError`]).
pub fn engine_class(err: &EngineError) -> ErrorClass {
    match err {
        EngineError::NoSuchRun(_) | EngineError::NoSuchTask(_) => ErrorClass::NotFound,
        EngineError::Finished { .. }
        | EngineError::TaskClosed { .. }
        | EngineError::NotQuarantined { .. }
        | EngineError::Pruned { .. }
        | EngineError::DrivenElsewhere { .. } => ErrorClass::Conflict,
        EngineError::Inputs(_)
        | EngineError::TaskFields { .. }
        | EngineError::BadSignalName { .. }
        | EngineError::Workflow { .. } => ErrorClass::Refused,
        EngineError::Store(s) => store_class(s),
    }
}

/// The class of a store error.
pub fn store_class(err: &StoreError) -> ErrorClass {
    match err {
        StoreError::NoSuchRun(_) => ErrorClass::NotFound,
        _ => ErrorClass::Internal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cause_has_its_class() {
        assert_eq!(AppError::Usage("x".into()).class(), ErrorClass::Usage);
        assert_eq!(
            AppError::from(EngineError::NoSuchTask("t".into())).class(),
            ErrorClass::NotFound
        );
        assert_eq!(
            AppError::from(StoreError::Io {
                path: "s".into(),
                detail: "d".into()
            })
            .class(),
            ErrorClass::Internal
        );
        assert_eq!(AppError::Refused("no".into()).class(), ErrorClass::Refused);
    }
}
