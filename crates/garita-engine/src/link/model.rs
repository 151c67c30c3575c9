//! The records of [`super::LinkStore`]: the link secret, the links sent to
//! holders and their use, and the calendar feeds' tokens.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a holder's link does when its confirmation page is submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkPurpose {
    /// "I signed in to the portal today": records a holder-attested
    /// sign-in on the account (as `garita accounts touch`).
    SignedIn,
    /// "Answer this task": the task's guidance and a form from its fields.
    AnswerTask,
}

impl LinkPurpose {
    /// `signed_in` or `answer_task`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignedIn => "signed_in",
            Self::AnswerTask => "answer_task",
        }
    }
}

/// The secret every link's MAC is made with: 32 random bytes, made on the
/// first link and kept in the store (and its backups, so links sent before
/// a restore still open).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkSecret {
    /// The bytes, base64 (standard alphabet).
    pub key: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// One link sent to a holder. Its token carries only [`HolderLink::id`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolderLink {
    /// The opaque id ([`super::token::is_link_id`]).
    pub id: String,
    /// What it does.
    pub purpose: LinkPurpose,
    /// What it acts on: an account's `PORTAL:IDENTIFIER`, or a task's id.
    pub subject: String,
    /// Whom it was sent to (normalised email): the actor of what it does.
    pub recipient: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it stops being accepted.
    pub expires_at: DateTime<Utc>,
    /// Its use, once it has been used (a link acts once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used: Option<LinkUse>,
}

/// A link's use: when, from where and with what, as the holder's evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkUse {
    /// When the confirmation was posted (business clock).
    pub at: DateTime<Utc>,
    /// The client's address as the console saw it.
    pub ip: String,
    /// The browser's User-Agent header, cut to 512 bytes.
    pub user_agent: String,
}

/// What [`super::LinkStore::claim_link`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkClaim {
    /// The link was unused and is now used by this claim: act.
    Claimed(HolderLink),
    /// Somebody used it before (the record says when): do nothing.
    AlreadyUsed(HolderLink),
    /// No such link.
    Unknown,
}

/// A personal calendar feed's token, kept by its SHA-256 only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedToken {
    /// Lower-case hex SHA-256 of the token the feed URL carries.
    pub token_hash: String,
    /// Whose deadlines the feed shows (normalised email).
    pub email: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}
