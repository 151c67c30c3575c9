//! What the inventory's screens ask a store, answered whole by the store so
//! that a request holds one page, not the inventory: a page of summaries in
//! the screen's order ([`SummaryPage`]) and the counts and next deadlines of
//! a dashboard ([`AccountOverview`]).
//!
//! Building 10,000 owned summaries per request to keep fifty cost little
//! time but left the daemon's memory tens of MiB larger after a few hundred
//! requests (each thread's allocator kept its peak). The functions here are
//! the reference answers, computed from summaries: the trait's defaults use
//! them, a store may answer from its own rows instead, and the conformance
//! suite checks that both agree.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{AccountStatus, AccountSummary};

/// One page of the accounts a filter and a search select.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryPage {
    /// Accounts selected, in all.
    pub total: usize,
    /// The page: [`page_order`], from the asked offset.
    pub rows: Vec<AccountSummary>,
}

/// The inventory in numbers, for a dashboard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountOverview {
    /// Accounts per portal and status, by portal then status; only
    /// non-zero counts.
    pub counts: Vec<StatusCount>,
    /// Deactivation deadlines ([`AccountSummary::indexed_deactivation`])
    /// on or after the asked day, per day, earliest first.
    pub deadlines_by_day: Vec<(NaiveDate, u64)>,
    /// The accounts of the soonest of those deadlines, at most the asked
    /// number, by date then key.
    pub next: Vec<AccountSummary>,
}

/// How many accounts of a portal are in a status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCount {
    /// Portal, normalised.
    pub portal: String,
    /// Status.
    pub status: AccountStatus,
    /// Accounts.
    pub accounts: u64,
}

/// The order of a screen: the soonest deactivation first (what an officer
/// must look at), accounts without one last; equal dates in the store's
/// key order. Sort with a stable sort over summaries in key order, by the
/// key of each one's [`AccountSummary::indexed_deactivation`].
pub fn page_order(deactivation: Option<NaiveDate>) -> (bool, Option<NaiveDate>) {
    (deactivation.is_none(), deactivation)
}

/// `search` folded for [`matches_search`]: trimmed and lower-case; `None`
/// when it selects everything.
pub fn fold_search(search: Option<&str>) -> Option<String> {
    let folded = search.map(str::trim).unwrap_or_default().to_lowercase();
    (!folded.is_empty()).then_some(folded)
}

/// Whether `folded` (from [`fold_search`]) is in the account's key
/// (`portal:identifier`), identifier, holder's name or email, or employee
/// id, ignoring case.
pub fn matches_search(fields: SearchFields<'_>, folded: &str) -> bool {
    let in_key = if folded.contains(':') {
        // Only a text with the separator can span portal and identifier.
        // Each is folded on its own, as alone: lower-casing the joined text
        // could fold a Σ next to the separator differently.
        format!(
            "{}:{}",
            fields.portal.to_lowercase(),
            fields.identifier.to_lowercase()
        )
        .contains(folded)
    } else {
        contains_folded(fields.portal, folded)
    };
    in_key
        || contains_folded(fields.identifier, folded)
        || contains_folded(fields.holder_name, folded)
        || contains_folded(fields.holder_email, folded)
        || fields
            .employee_id
            .is_some_and(|id| contains_folded(id, folded))
}

/// The texts a search looks into, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct SearchFields<'a> {
    pub portal: &'a str,
    pub identifier: &'a str,
    pub holder_name: &'a str,
    pub holder_email: &'a str,
    pub employee_id: Option<&'a str>,
}

impl<'a> From<&'a AccountSummary> for SearchFields<'a> {
    fn from(summary: &'a AccountSummary) -> Self {
        Self {
            portal: &summary.portal,
            identifier: &summary.identifier,
            holder_name: &summary.holder.name,
            holder_email: &summary.holder.email,
            employee_id: summary.holder.employee_id.as_deref(),
        }
    }
}

/// An account's texts folded once, as a store keeps them beside the account
/// to select a screen's rows itself: a search ([`fold_search`]) finds the
/// account exactly when it is a substring of one of the four search texts
/// ([`Self::found_by`], the same answer as [`matches_search`]); a company
/// filter compares the last two ([`super::CompanyQuery::matches`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoldedTexts {
    /// `portal:identifier`, each lower-case. A search without `:` found in it
    /// lies in the portal or in the identifier, where [`matches_search`]
    /// looks for it; one with `:` is what it looks for in the whole key.
    pub key: String,
    /// The holder's name, lower-case.
    pub holder_name: String,
    /// The holder's email, lower-case.
    pub holder_email: String,
    /// The holder's employee id, lower-case; empty when there is none
    /// (a search is never empty, so it finds nothing there either way).
    pub employee_id: String,
    /// As [`super::fold_legal_name`].
    pub legal_name: String,
    /// As [`super::fold_tax_id`].
    pub tax_id: String,
}

impl From<&AccountSummary> for FoldedTexts {
    fn from(summary: &AccountSummary) -> Self {
        Self {
            key: format!(
                "{}:{}",
                summary.portal.to_lowercase(),
                summary.identifier.to_lowercase()
            ),
            holder_name: summary.holder.name.to_lowercase(),
            holder_email: summary.holder.email.to_lowercase(),
            employee_id: summary
                .holder
                .employee_id
                .as_deref()
                .unwrap_or_default()
                .to_lowercase(),
            legal_name: super::fold_legal_name(&summary.company.legal_name),
            tax_id: super::fold_tax_id(&summary.company.tax_id),
        }
    }
}

impl FoldedTexts {
    /// Whether the account may be the holder `wanted`
    /// ([`super::AccountFilter::holder`]) names: true for every account the
    /// filter passes (and some it does not: a store narrows with this, then
    /// checks each account in full). The holder filter compares trimmed
    /// texts ignoring ASCII case; such an email or employee id, lower-cased,
    /// lies inside the folded one.
    pub fn may_be_holder(&self, wanted: &str) -> bool {
        let needle = holder_needle(wanted);
        self.holder_email.contains(&needle) || self.employee_id.contains(&needle)
    }

    /// Whether the search `folded` ([`fold_search`]) finds the account: a
    /// substring of one of the search texts, which is what a store's query
    /// tests.
    pub fn found_by(&self, folded: &str) -> bool {
        [
            &self.key,
            &self.holder_name,
            &self.holder_email,
            &self.employee_id,
        ]
        .iter()
        .any(|text| text.contains(folded))
    }
}

/// What [`FoldedTexts::may_be_holder`] looks for in the folded email and
/// employee id: `wanted` trimmed and lower-cased.
pub fn holder_needle(wanted: &str) -> String {
    wanted.trim().to_lowercase()
}

/// `haystack` lower-cased contains `folded`; ASCII text without allocating.
fn contains_folded(haystack: &str, folded: &str) -> bool {
    if haystack.is_ascii() && folded.is_ascii() {
        let (hay, needle) = (haystack.as_bytes(), folded.as_bytes());
        return needle.is_empty()
            || hay
                .windows(needle.len())
                .any(|w| w.eq_ignore_ascii_case(needle));
    }
    haystack.to_lowercase().contains(folded)
}

impl SummaryPage {
    /// The reference answer: `summaries` (in the store's key order) that
    /// `search` finds, in [`page_order`], `limit` of them from `offset`.
    pub fn cut(
        summaries: Vec<AccountSummary>,
        search: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Self {
        let folded = fold_search(search);
        let mut selected: Vec<AccountSummary> = summaries
            .into_iter()
            .filter(|s| {
                folded
                    .as_deref()
                    .is_none_or(|f| matches_search(s.into(), f))
            })
            .collect();
        selected.sort_by_key(|s| page_order(s.indexed_deactivation()));
        let total = selected.len();
        let rows = selected.into_iter().skip(offset).take(limit).collect();
        Self { total, rows }
    }
}

impl AccountOverview {
    /// The reference answer from every account's summary (in the store's
    /// key order): counts, the deadlines from `from` on, and the `next`
    /// soonest of them.
    pub fn of(summaries: &[AccountSummary], from: NaiveDate, next: usize) -> Self {
        let mut counts: BTreeMap<(&str, AccountStatus), u64> = BTreeMap::new();
        let mut days: BTreeMap<NaiveDate, u64> = BTreeMap::new();
        let mut upcoming: Vec<&AccountSummary> = Vec::new();
        for summary in summaries {
            *counts
                .entry((summary.portal.as_str(), summary.status))
                .or_default() += 1;
            if let Some(on) = summary.indexed_deactivation().filter(|on| *on >= from) {
                *days.entry(on).or_default() += 1;
                upcoming.push(summary);
            }
        }
        upcoming.sort_by_key(|s| s.indexed_deactivation());
        Self {
            counts: counts
                .into_iter()
                .map(|((portal, status), accounts)| StatusCount {
                    portal: portal.to_owned(),
                    status,
                    accounts,
                })
                .collect(),
            deadlines_by_day: days.into_iter().collect(),
            next: upcoming.into_iter().take(next).cloned().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{Account, Company, Holder};

    fn summary(id: &str, name: &str, deactivates: Option<&str>) -> AccountSummary {
        let mut account = Account::new(
            "ctpat",
            id,
            Holder {
                name: name.into(),
                email: format!("{id}@example.com"),
                employee_id: Some(format!("E-{id}")),
                national_id: None,
            },
            Company::default(),
        );
        account.deactivates_on = deactivates.map(|d| d.parse().unwrap());
        AccountSummary::from(&account)
    }

    #[test]
    fn searches_ignore_case_and_accents_are_folded() {
        let ana = summary("ana", "Ana Méndez", None);
        let found = |text: &str| matches_search((&ana).into(), &fold_search(Some(text)).unwrap());
        assert!(found(" MÉNDEZ "));
        assert!(found("ctpat:an"));
        assert!(found("e-ana"));
        assert!(found("ANA@EXAMPLE"));
        assert!(!found("ctpat:anab"));
        assert!(!found("luisa"));
        assert_eq!(fold_search(Some("  ")), None);
    }

    #[test]
    fn pages_put_the_soonest_deadline_first_and_keep_key_order_for_ties() {
        let all = vec![
            summary("a", "A", None),
            summary("b", "B", Some("2026-03-20")),
            summary("c", "C", Some("2026-03-10")),
            summary("d", "D", Some("2026-03-20")),
        ];
        let page = SummaryPage::cut(all.clone(), None, 0, 10);
        let ids: Vec<&str> = page.rows.iter().map(|s| s.identifier.as_str()).collect();
        assert_eq!(ids, ["c", "b", "d", "a"]);
        let cut = SummaryPage::cut(all, Some("d"), 0, 10);
        assert_eq!(cut.total, 1);
    }

    #[test]
    fn the_overview_counts_and_keeps_only_deadlines_from_the_day() {
        let all = vec![
            summary("a", "A", Some("2026-03-01")),
            summary("b", "B", Some("2026-03-20")),
            summary("c", "C", Some("2026-03-10")),
            summary("d", "D", Some("2026-03-20")),
        ];
        let day = |d: &str| d.parse::<NaiveDate>().unwrap();
        let overview = AccountOverview::of(&all, day("2026-03-05"), 2);
        assert_eq!(overview.counts.len(), 1);
        assert_eq!(overview.counts[0].accounts, 4);
        assert_eq!(
            overview.deadlines_by_day,
            [(day("2026-03-10"), 1), (day("2026-03-20"), 2)]
        );
        let next: Vec<&str> = overview
            .next
            .iter()
            .map(|s| s.identifier.as_str())
            .collect();
        assert_eq!(next, ["c", "b"]);
    }

    #[test]
    fn a_sigma_beside_the_separator_folds_as_it_does_alone() {
        // Lower-casing "aΣ:a" whole gives "aσ:a"; "aΣ" alone gives "aς".
        let mut sigma = summary("x", "X", None);
        sigma.portal = "aΣ".into();
        sigma.identifier = "Σ".into();
        for search in ["aς:σ", "aς"] {
            let folded = fold_search(Some(search)).unwrap();
            assert!(matches_search((&sigma).into(), &folded), "{search}");
            assert!(FoldedTexts::from(&sigma).found_by(&folded), "{search}");
        }
    }

    /// Texts where folding is not plain ASCII: a capital sigma (final or
    /// not by its neighbours), the Kelvin sign (folds to ASCII `k`), a
    /// dotted capital I (folds to two characters), the separator.
    const TRICKY: &str = "[aAkKσΣςİı:ñÑ \\u{212A}-]{0,6}";

    proptest::proptest! {
        #[test]
        fn folded_texts_find_exactly_what_the_search_finds(
            portal in TRICKY,
            identifier in TRICKY,
            name in TRICKY,
            email in TRICKY,
            employee in proptest::option::of(TRICKY),
            search in TRICKY,
        ) {
            let mut summary = summary("x", &name, None);
            summary.portal = portal;
            summary.identifier = identifier;
            summary.holder.email = email;
            summary.holder.employee_id = employee;
            if let Some(folded) = fold_search(Some(&search)) {
                proptest::prop_assert_eq!(
                    FoldedTexts::from(&summary).found_by(&folded),
                    matches_search((&summary).into(), &folded),
                    "{:?} searching {:?}", summary, folded
                );
            }
        }

        #[test]
        fn every_holder_the_filter_passes_may_be_the_holder(
            email in TRICKY,
            employee in proptest::option::of(TRICKY),
            wanted in TRICKY,
            pad in "[ \t\u{2003}]{0,2}",
        ) {
            let mut summary = summary("x", "X", None);
            summary.holder.email = format!("{pad}{email}{pad}");
            summary.holder.employee_id = employee;
            let other_pad = format!("\t{email}\u{2003}");
            for wanted in [wanted.clone(), email.to_uppercase(), format!("{pad}{email}"), other_pad] {
                let filter = super::super::AccountFilter {
                    holder: Some(wanted.clone()),
                    ..Default::default()
                };
                if filter.matches_summary(&summary) {
                    proptest::prop_assert!(
                        FoldedTexts::from(&summary).may_be_holder(&wanted),
                        "{:?} wanted {:?}", summary.holder, wanted
                    );
                }
            }
        }

        #[test]
        fn folded_texts_pass_exactly_the_companies_the_filter_passes(
            legal_name in TRICKY,
            tax_id in TRICKY,
            wanted in TRICKY,
        ) {
            let mut summary = summary("x", "X", None);
            summary.company.legal_name = legal_name;
            summary.company.tax_id = tax_id;
            let folded = FoldedTexts::from(&summary);
            let filter = super::super::AccountFilter {
                company: Some(wanted.clone()),
                ..Default::default()
            };
            proptest::prop_assert_eq!(
                super::super::CompanyQuery::of(&wanted).matches(&folded.legal_name, &folded.tax_id),
                filter.matches_summary(&summary)
            );
        }
    }
}
