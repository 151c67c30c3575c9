//! One account as a page shows it: the account, its history as a
//! timeline (newest first), and its evidence: each recorded sign-in,
//! password change and certificate date, with who recorded it and when
//! (the business time and, where the store kept it, the real time).

use chrono::{DateTime, Utc};
use garita_engine::account::HistoryEntry;
use serde::{Deserialize, Serialize};

use super::{resolve, AccountView};
use crate::ops::Session;
use crate::AppError;

/// The fields whose changes are evidence of what the holder did.
const EVIDENCE_FIELDS: [&str; 3] = [
    "last_sign_in",
    "password_changed_on",
    "certificate_expires_on",
];

/// One piece of evidence: a change of an evidence field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Evidence {
    /// `last_sign_in`, `password_changed_on` or `certificate_expires_on`.
    pub field: String,
    /// The day recorded.
    pub value: Option<String>,
    /// Who recorded it.
    pub by: String,
    /// When, by the business clock.
    pub at: DateTime<Utc>,
    /// When, by the system clock, if the store kept it.
    pub recorded_at: Option<DateTime<Utc>>,
    /// Why (`sign-in recorded`, `imported from accounts.csv line 4`, ...).
    pub reason: String,
}

/// An account with its timeline and evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AccountDetail {
    /// The account.
    pub account: AccountView,
    /// Every change, newest first.
    pub timeline: Vec<HistoryEntry>,
    /// The evidence changes, newest first.
    pub evidence: Vec<Evidence>,
}

/// The account `given` names (`PORTAL:IDENTIFIER`), with its history.
pub async fn detail(session: &Session, given: &str) -> Result<AccountDetail, AppError> {
    let store = session.backend.accounts.as_ref();
    let account = resolve(store, given).await?;
    let history = store.account_history(&account.key()).await?;
    Ok(assemble(AccountView::from(account), history))
}

fn assemble(account: AccountView, mut history: Vec<HistoryEntry>) -> AccountDetail {
    history.sort_by_key(|entry| std::cmp::Reverse(entry.seq));
    let evidence = history
        .iter()
        .flat_map(|entry| {
            entry
                .changes
                .iter()
                .filter(|c| EVIDENCE_FIELDS.contains(&c.field.as_str()))
                .map(move |change| Evidence {
                    field: change.field.clone(),
                    value: change.new.clone(),
                    by: entry.by.clone(),
                    at: entry.at,
                    recorded_at: entry.recorded_at,
                    reason: entry.reason.clone(),
                })
        })
        .collect();
    AccountDetail {
        account,
        timeline: history,
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use garita_engine::account::{Account, Company, FieldChange, Holder};

    use super::*;

    fn entry(seq: u64, field: &str, new: &str, reason: &str) -> HistoryEntry {
        HistoryEntry {
            seq,
            at: "2026-03-10T15:00:00Z".parse().unwrap(),
            recorded_at: None,
            pinned_at: None,
            by: "oficial@example.com".into(),
            reason: reason.into(),
            changes: vec![FieldChange {
                field: field.into(),
                old: None,
                new: Some(new.into()),
            }],
        }
    }

    #[test]
    fn the_timeline_is_newest_first_and_evidence_is_the_evidence_fields() {
        let holder = Holder {
            name: "Ana".into(),
            email: "ana@example.com".into(),
            employee_id: None,
            national_id: None,
        };
        let company = Company {
            legal_name: "Corp".into(),
            tax_id: "X".into(),
            ctpat_account_number: None,
        };
        let view = AccountView::from(Account::new("ctpat", "ana@example.com", holder, company));
        let detail = assemble(
            view,
            vec![
                entry(1, "status", "active", "created"),
                entry(2, "last_sign_in", "2026-03-10", "sign-in recorded"),
                entry(3, "status", "offboarded", "offboarded ana"),
            ],
        );
        let seqs: Vec<u64> = detail.timeline.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [3, 2, 1]);
        assert_eq!(detail.evidence.len(), 1);
        assert_eq!(detail.evidence[0].value.as_deref(), Some("2026-03-10"));
        assert_eq!(detail.evidence[0].reason, "sign-in recorded");
    }
}
