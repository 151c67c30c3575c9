//! An account's history: every recorded change, oldest first — what an
//! audit asks to see (for example, when a departing employee's access was
//! removed and by whom).

use garita_engine::account::HistoryEntry;
use serde::{Deserialize, Serialize};

use super::resolve;
use crate::ops::Session;
use crate::AppError;

/// An account's history. Fields in name order, as printed before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AccountHistory {
    /// Every change, oldest first.
    pub history: Vec<HistoryEntry>,
    /// `PORTAL:IDENTIFIER`.
    pub key: String,
}

/// The history of the account `given` names.
pub async fn history(session: &Session, given: &str) -> Result<AccountHistory, AppError> {
    let store = session.backend.accounts.as_ref();
    let account = resolve(store, given).await?;
    let key = account.key();
    let history = store.account_history(&key).await?;
    Ok(AccountHistory {
        history,
        key: key.to_string(),
    })
}
