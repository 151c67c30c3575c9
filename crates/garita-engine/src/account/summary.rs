//! [`AccountSummary`]: the few fields of an account that a list, a filter,
//! a search and a count need, read without the rest.
//!
//! A screen of the inventory (the console's Cuentas and Inicio) looks at
//! every account to filter, sort and count, but shows a page of fifty. A
//! full [`Account`] carries attributes, roles, zones and dates that none of
//! that reads; decoding them for 10,000 accounts on every request is where
//! the time went. A store answers [`super::AccountStore::account_summaries`]
//! by decoding only these fields of its stored record (the unknown rest is
//! skipped by the decoder, not built), so the same record yields both views
//! and they can never disagree.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Account, AccountKey, AccountStatus};

/// The holder's fields a summary keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolderSummary {
    /// Full name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Employee id, when known.
    #[serde(default)]
    pub employee_id: Option<String>,
}

/// The company's fields a summary keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanySummary {
    /// Legal name.
    pub legal_name: String,
    /// Tax id.
    pub tax_id: String,
}

/// An account as a list row: what [`super::AccountFilter`] tests, what a
/// search looks into and what a table or a count shows. It deserialises
/// from the very record an [`Account`] is stored as (field names match),
/// and serialises to a record of those fields only, which a store may keep
/// beside the account's (PostgreSQL's `accounts.summary`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    /// Portal, normalised.
    pub portal: String,
    /// Identifier on the portal.
    pub identifier: String,
    /// Holder.
    pub holder: HolderSummary,
    /// Company.
    pub company: CompanySummary,
    /// Last known sign-in.
    #[serde(default)]
    pub last_sign_in: Option<NaiveDate>,
    /// Status.
    pub status: AccountStatus,
    /// CTPAT: the day the portal deactivates it without a new sign-in.
    #[serde(default)]
    pub deactivates_on: Option<NaiveDate>,
}

impl AccountSummary {
    /// The account's key, as [`Account::key`].
    pub fn key(&self) -> AccountKey {
        AccountKey::new(&self.portal, &self.identifier)
    }

    /// As [`Account::indexed_deactivation`].
    pub fn indexed_deactivation(&self) -> Option<NaiveDate> {
        super::indexed_deactivation(&self.portal, self.status, self.deactivates_on)
    }
}

impl From<&Account> for AccountSummary {
    fn from(account: &Account) -> Self {
        Self {
            portal: account.portal.clone(),
            identifier: account.identifier.clone(),
            holder: HolderSummary {
                name: account.holder.name.clone(),
                email: account.holder.email.clone(),
                employee_id: account.holder.employee_id.clone(),
            },
            company: CompanySummary {
                legal_name: account.company.legal_name.clone(),
                tax_id: account.company.tax_id.clone(),
            },
            last_sign_in: account.last_sign_in,
            status: account.status,
            deactivates_on: account.deactivates_on,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::account::{Company, Holder, Locale};
    use crate::record_codec::{decode, encode};

    #[test]
    fn a_stored_account_decodes_to_the_summary_of_the_account() {
        let mut account = Account::new(
            "CTPAT",
            "Ana@Example.com",
            Holder {
                name: "Ana \"la jefa\" Ruiz".into(),
                email: "ana@example.com".into(),
                employee_id: Some("E-7".into()),
                national_id: Some("0912345678".into()),
            },
            Company {
                legal_name: "Exportadora Andina S.A.".into(),
                tax_id: "1790011674001".into(),
                ctpat_account_number: Some("CT1".into()),
            },
        );
        account.attributes = BTreeMap::from([("área".into(), "logística".into())]);
        account.role = Some("broker".into());
        account.locale = Some(Locale::Es);
        account.time_zone = Some("America/Guayaquil".into());
        account.last_sign_in = NaiveDate::from_ymd_opt(2026, 3, 1);
        account.deactivates_on = NaiveDate::from_ymd_opt(2026, 4, 16);
        account.status = AccountStatus::AtRisk;
        let bytes = encode(&account, "account").unwrap();
        let summary: AccountSummary = decode(&bytes, || "summary".into()).unwrap();
        assert_eq!(summary, AccountSummary::from(&account));
        assert_eq!(summary.key(), account.key());
        assert_eq!(
            summary.indexed_deactivation(),
            account.indexed_deactivation()
        );
        account.status = AccountStatus::Deactivated;
        assert_eq!(AccountSummary::from(&account).indexed_deactivation(), None);
    }
}
