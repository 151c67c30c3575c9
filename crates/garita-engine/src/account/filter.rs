//! [`AccountFilter`]: which accounts `list_accounts` returns.

use chrono::NaiveDate;

use super::{Account, AccountKey, AccountStatus, AccountSummary};

/// Which accounts to list; every criterion given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountFilter {
    /// Only this portal (normalised on match).
    pub portal: Option<String>,
    /// Only these statuses (empty: all).
    pub statuses: Vec<AccountStatus>,
    /// Only companies whose legal name contains this text (case-insensitive)
    /// or whose tax id is this one (separators and case ignored).
    pub company: Option<String>,
    /// Only accounts of this person: holder email (case-insensitive) or
    /// employee id.
    pub holder: Option<String>,
    /// Only CTPAT accounts that can still be deactivated and whose
    /// deactivation date is in this inclusive range (served by the index).
    pub deactivating_between: Option<(NaiveDate, NaiveDate)>,
}

impl AccountFilter {
    /// Whether `account` passes every criterion.
    pub fn matches(&self, account: &Account) -> bool {
        self.matches_fields(&FilterFields {
            portal: &account.portal,
            status: account.status,
            legal_name: &account.company.legal_name,
            tax_id: &account.company.tax_id,
            holder_email: &account.holder.email,
            employee_id: account.holder.employee_id.as_deref(),
            indexed_deactivation: account.indexed_deactivation(),
        })
    }

    /// Whether the account `summary` stands for passes every criterion:
    /// always the same answer as [`Self::matches`] on the account.
    pub fn matches_summary(&self, summary: &AccountSummary) -> bool {
        self.matches_fields(&FilterFields {
            portal: &summary.portal,
            status: summary.status,
            legal_name: &summary.company.legal_name,
            tax_id: &summary.company.tax_id,
            holder_email: &summary.holder.email,
            employee_id: summary.holder.employee_id.as_deref(),
            indexed_deactivation: summary.indexed_deactivation(),
        })
    }

    /// Whether an account with these fields passes every criterion: what
    /// [`Self::matches`] and [`Self::matches_summary`] ask, for a store that
    /// reads the fields without building either.
    pub fn matches_fields(&self, account: &FilterFields<'_>) -> bool {
        self.portal
            .as_ref()
            .is_none_or(|p| account.portal == AccountKey::normalise_portal(p))
            && (self.statuses.is_empty() || self.statuses.contains(&account.status))
            && self
                .company
                .as_ref()
                .is_none_or(|c| company_matches(c, account))
            && self
                .holder
                .as_ref()
                .is_none_or(|h| holder_matches(h, account))
            && self.deactivating_between.is_none_or(|(from, to)| {
                account
                    .indexed_deactivation
                    .is_some_and(|d| from <= d && d <= to)
            })
    }
}

/// The fields a filter reads, from an account, its summary or a stored row.
#[derive(Debug, Clone, Copy)]
pub struct FilterFields<'a> {
    /// Portal, normalised.
    pub portal: &'a str,
    /// Status.
    pub status: AccountStatus,
    /// Company's legal name.
    pub legal_name: &'a str,
    /// Company's tax id.
    pub tax_id: &'a str,
    /// Holder's email.
    pub holder_email: &'a str,
    /// Holder's employee id.
    pub employee_id: Option<&'a str>,
    /// As [`Account::indexed_deactivation`].
    pub indexed_deactivation: Option<NaiveDate>,
}

fn company_matches(wanted: &str, account: &FilterFields<'_>) -> bool {
    CompanyQuery::of(wanted).matches(
        &fold_legal_name(account.legal_name),
        &fold_tax_id(account.tax_id),
    )
}

/// What [`AccountFilter::company`] looks for, folded once: a text in the
/// legal name ([`fold_legal_name`]) or, when the text has any, a tax id
/// ([`fold_tax_id`]). A store that keeps both folds of each account beside
/// it answers the filter with a substring test and an equality, exactly as
/// [`AccountFilter::matches`] does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyQuery {
    /// Trimmed and lower-case: found anywhere in the folded legal name.
    pub name: String,
    /// The text as a tax id; `None` when nothing of it is one.
    pub tax_id: Option<String>,
}

impl CompanyQuery {
    /// The query for the filter's text `wanted`.
    pub fn of(wanted: &str) -> Self {
        let wanted = wanted.trim();
        let tax_id = fold_tax_id(wanted);
        Self {
            name: wanted.to_lowercase(),
            tax_id: (!tax_id.is_empty()).then_some(tax_id),
        }
    }

    /// Whether a company whose folded legal name and tax id are these
    /// passes.
    pub fn matches(&self, legal_name: &str, tax_id: &str) -> bool {
        legal_name.contains(&self.name) || self.tax_id.as_deref() == Some(tax_id)
    }
}

/// A legal name as [`CompanyQuery`] searches it: lower-case.
pub fn fold_legal_name(name: &str) -> String {
    name.to_lowercase()
}

fn holder_matches(wanted: &str, account: &FilterFields<'_>) -> bool {
    let wanted = wanted.trim();
    !wanted.is_empty()
        && (account.holder_email.trim().eq_ignore_ascii_case(wanted)
            || account
                .employee_id
                .is_some_and(|id| id.trim().eq_ignore_ascii_case(wanted)))
}

/// A tax id without separators, upper case: `12-3456789` and `123456789` match.
pub fn fold_tax_id(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric() || *c == '&' || *c == 'Ñ')
        .flat_map(char::to_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{Company, Holder};

    fn account() -> Account {
        let mut account = Account::new(
            "ctpat",
            "ana@example.com",
            Holder {
                name: "Ana".into(),
                email: "Ana@Example.com".into(),
                employee_id: Some("E-7".into()),
                national_id: None,
            },
            Company {
                legal_name: "Transportes del Norte S.A. de C.V.".into(),
                tax_id: "TNO-010101-AB1".into(),
                ctpat_account_number: None,
            },
        );
        account.deactivates_on = NaiveDate::from_ymd_opt(2026, 3, 10);
        account
    }

    #[test]
    fn each_criterion_filters() {
        let a = account();
        assert!(AccountFilter::default().matches(&a));
        let f = |filter: AccountFilter| {
            let summary = AccountSummary::from(&a);
            assert_eq!(filter.matches_summary(&summary), filter.matches(&a));
            filter.matches(&a)
        };
        assert!(f(AccountFilter {
            portal: Some("CTPAT".into()),
            ..Default::default()
        }));
        assert!(!f(AccountFilter {
            portal: Some("anam".into()),
            ..Default::default()
        }));
        assert!(f(AccountFilter {
            statuses: vec![AccountStatus::Active],
            ..Default::default()
        }));
        assert!(!f(AccountFilter {
            statuses: vec![AccountStatus::Disabled],
            ..Default::default()
        }));
        assert!(f(AccountFilter {
            company: Some("del norte".into()),
            ..Default::default()
        }));
        assert!(f(AccountFilter {
            company: Some("tno010101ab1".into()),
            ..Default::default()
        }));
        assert!(!f(AccountFilter {
            company: Some("sur".into()),
            ..Default::default()
        }));
        assert!(f(AccountFilter {
            holder: Some("ana@example.com".into()),
            ..Default::default()
        }));
        assert!(f(AccountFilter {
            holder: Some("e-7".into()),
            ..Default::default()
        }));
        assert!(!f(AccountFilter {
            holder: Some("".into()),
            ..Default::default()
        }));
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        assert!(f(AccountFilter {
            deactivating_between: Some((day(10), day(10))),
            ..Default::default()
        }));
        assert!(!f(AccountFilter {
            deactivating_between: Some((day(11), day(20))),
            ..Default::default()
        }));
    }
}
