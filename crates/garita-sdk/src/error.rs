use serde::{Deserialize, Serialize};

/// One problem with one field of an action's input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// JSON Pointer–style path to the field (`/to/0`, `/ruc`).
    pub path: String,
    /// What is wrong and, where possible, what to do.
    pub message: String,
}

impl FieldError {
    /// A problem at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Why an action failed. The engine's retry policy looks at the variant:
/// only [`ActionError::Retryable`] is retried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActionError {
    /// The input is wrong; calling again with the same input cannot succeed.
    InvalidInput {
        /// Summary for humans.
        message: String,
        /// Every problem found, with its field path.
        fields: Vec<FieldError>,
    },
    /// A transient failure (network down, server busy): try again later.
    Retryable {
        /// What happened.
        message: String,
        /// The earliest sensible retry, in milliseconds, if the connector knows it.
        retry_after_ms: Option<u64>,
    },
    /// A failure that retrying will not fix (recipient refused, unknown action).
    Permanent {
        /// What happened and what to do.
        message: String,
    },
}

impl ActionError {
    /// Invalid input with field-level detail.
    pub fn invalid(message: impl Into<String>, fields: Vec<FieldError>) -> Self {
        Self::InvalidInput {
            message: message.into(),
            fields,
        }
    }

    /// A transient failure.
    pub fn retryable(message: impl Into<String>) -> Self {
        Self::Retryable {
            message: message.into(),
            retry_after_ms: None,
        }
    }

    /// A permanent failure.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self::Permanent {
            message: message.into(),
        }
    }

    /// The error for an action name the connector does not have.
    pub fn unknown_action(action: &str) -> Self {
        Self::Permanent {
            message: format!("unknown action `{action}`"),
        }
    }

    /// Whether the engine may retry the call.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Retryable { .. })
    }

    /// The human summary of the error.
    pub fn message(&self) -> &str {
        match self {
            Self::InvalidInput { message, .. }
            | Self::Retryable { message, .. }
            | Self::Permanent { message } => message,
        }
    }
}

impl std::fmt::Display for ActionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidInput { message, fields } => {
                write!(f, "invalid input: {message}")?;
                for field in fields {
                    write!(f, "; {}: {}", field.path, field.message)?;
                }
                Ok(())
            }
            Self::Retryable {
                message,
                retry_after_ms: Some(ms),
            } => {
                write!(f, "temporary failure (retry after {ms} ms): {message}")
            }
            Self::Retryable { message, .. } => write!(f, "temporary failure: {message}"),
            Self::Permanent { message } => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for ActionError {}
