//! Events the inventory emits for `event:` triggers. They wait in a durable
//! queue in the store until the daemon has fired the matching workflows and
//! acknowledged them, so an event survives a restart between the two.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Emitted when `garita accounts offboard` marks a person's accounts
/// offboarded. Data: `{"person", "holder_email", "employee_id", "accounts": [{"key", "portal", "identifier", "company", "tax_id"}], "by", "at"}`.
pub const ACCOUNT_OFFBOARDED: &str = "account.offboarded";

/// An event to queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    /// Dotted name, such as [`ACCOUNT_OFFBOARDED`]; what `event:` triggers match.
    pub name: String,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What the triggered workflows receive as the event's data.
    pub data: serde_json::Value,
}

/// A queued event, with the id that acknowledges it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmittedEvent {
    /// Unique and increasing in emission order within one store.
    pub id: u64,
    /// Dotted name.
    pub name: String,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The event's data.
    pub data: serde_json::Value,
}

impl EmittedEvent {
    /// The queued form of `event` under `id`.
    pub fn new(id: u64, event: &NewEvent) -> Self {
        Self {
            id,
            name: event.name.clone(),
            at: event.at,
            data: event.data.clone(),
        }
    }
}
