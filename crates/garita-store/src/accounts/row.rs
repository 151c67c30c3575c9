//! The `account_rows` tree's values: each account's [`AccountSummary`] in a
//! compact binary form, written in the same transaction as the account.
//!
//! The console's Cuentas and Inicio look at every account to filter, sort
//! and count. Decoding summaries out of the accounts' JSON records still
//! parsed (and skipped) every field of every record; at 10,000 accounts that
//! was most of a page's time. A row holds only the summary's fields,
//! length-prefixed, so reading one is a few bounds checks and copies.
//!
//! The rows are derived data: never exported by a backup, rebuilt from the
//! accounts on import and when a store written before them is opened
//! (schema 5), and checked against the accounts by the conformance suite
//! (summaries from rows equal summaries from records).
//!
//! Layout, version 1 (integers little-endian):
//!
//! | part | encoding |
//! |---|---|
//! | format | `1` (one byte) |
//! | portal, identifier, holder name, holder email | string: `u32` length, UTF-8 |
//! | holder employee id | `0`, or `1` and a string |
//! | company legal name, tax id | string |
//! | last sign-in, deactivation date | `0`, or `1` and an `i32` (days from 1 January of year 1) |
//! | status | string (its name, as in JSON) |

use std::path::Path;

use chrono::{Datelike, NaiveDate};
use garita_engine::account::{
    indexed_deactivation, Account, AccountStatus, AccountSummary, CompanySummary, FilterFields,
    HolderSummary, SearchFields,
};
use garita_engine::StoreError;

use super::keys::AccountTrees;
use crate::codec::decode;
use crate::errors::sled_error;
use crate::index_fill::refill;

/// The first byte of every row of this layout.
const ROW_FORMAT: u8 = 1;

/// The row of `account`.
pub(crate) fn encode_row(account: &Account) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        64 + account.identifier.len()
            + account.holder.name.len()
            + account.holder.email.len()
            + account.company.legal_name.len(),
    );
    out.push(ROW_FORMAT);
    put_str(&mut out, &account.portal);
    put_str(&mut out, &account.identifier);
    put_str(&mut out, &account.holder.name);
    put_str(&mut out, &account.holder.email);
    match &account.holder.employee_id {
        Some(id) => {
            out.push(1);
            put_str(&mut out, id);
        }
        None => out.push(0),
    }
    put_str(&mut out, &account.company.legal_name);
    put_str(&mut out, &account.company.tax_id);
    put_date(&mut out, account.last_sign_in);
    put_date(&mut out, account.deactivates_on);
    put_str(&mut out, account.status.as_str());
    out
}

/// The summary a row holds; `what` names it in an error.
pub(crate) fn decode_row(
    bytes: &[u8],
    what: impl Fn() -> String,
) -> Result<AccountSummary, StoreError> {
    RowView::parse(bytes, what).map(|view| view.to_summary())
}

/// A row's fields borrowed from its bytes: what a screen filters, searches,
/// sorts and counts, read without allocating.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowView<'a> {
    pub(crate) portal: &'a str,
    pub(crate) identifier: &'a str,
    holder_name: &'a str,
    holder_email: &'a str,
    employee_id: Option<&'a str>,
    legal_name: &'a str,
    tax_id: &'a str,
    last_sign_in: Option<NaiveDate>,
    deactivates_on: Option<NaiveDate>,
    pub(crate) status: AccountStatus,
}

impl<'a> RowView<'a> {
    /// Reads a row; `what` names it in an error.
    pub(crate) fn parse(bytes: &'a [u8], what: impl Fn() -> String) -> Result<Self, StoreError> {
        let corrupt = |detail: &str| StoreError::Corrupt {
            what: what(),
            detail: detail.to_owned(),
        };
        let mut reader = Reader { rest: bytes };
        match reader.byte() {
            Some(ROW_FORMAT) => {}
            Some(other) => {
                return Err(corrupt(&format!(
                    "an account row of format {other}, which this garita does not know"
                )))
            }
            None => return Err(corrupt("an empty account row")),
        }
        let view = (|| {
            let portal = reader.str()?;
            let identifier = reader.str()?;
            let holder_name = reader.str()?;
            let holder_email = reader.str()?;
            let employee_id = match reader.byte()? {
                0 => None,
                1 => Some(reader.str()?),
                _ => return None,
            };
            let legal_name = reader.str()?;
            let tax_id = reader.str()?;
            let last_sign_in = reader.date()?;
            let deactivates_on = reader.date()?;
            let status = AccountStatus::parse(reader.str()?)?;
            Some(RowView {
                portal,
                identifier,
                holder_name,
                holder_email,
                employee_id,
                legal_name,
                tax_id,
                last_sign_in,
                deactivates_on,
                status,
            })
        })()
        .ok_or_else(|| corrupt("an account row cut short or holding an invalid field"))?;
        if !reader.rest.is_empty() {
            return Err(corrupt(&format!(
                "{} bytes after the end of an account row",
                reader.rest.len()
            )));
        }
        Ok(view)
    }

    /// As [`AccountSummary::indexed_deactivation`].
    pub(crate) fn indexed_deactivation(&self) -> Option<NaiveDate> {
        indexed_deactivation(self.portal, self.status, self.deactivates_on)
    }

    /// What an [`AccountFilter`](garita_engine::account::AccountFilter) reads.
    pub(crate) fn filter_fields(&self) -> FilterFields<'a> {
        FilterFields {
            portal: self.portal,
            status: self.status,
            legal_name: self.legal_name,
            tax_id: self.tax_id,
            holder_email: self.holder_email,
            employee_id: self.employee_id,
            indexed_deactivation: self.indexed_deactivation(),
        }
    }

    /// What a search reads.
    pub(crate) fn search_fields(&self) -> SearchFields<'a> {
        SearchFields {
            portal: self.portal,
            identifier: self.identifier,
            holder_name: self.holder_name,
            holder_email: self.holder_email,
            employee_id: self.employee_id,
        }
    }

    /// The owned summary.
    pub(crate) fn to_summary(self) -> AccountSummary {
        AccountSummary {
            portal: self.portal.to_owned(),
            identifier: self.identifier.to_owned(),
            holder: HolderSummary {
                name: self.holder_name.to_owned(),
                email: self.holder_email.to_owned(),
                employee_id: self.employee_id.map(str::to_owned),
            },
            company: CompanySummary {
                legal_name: self.legal_name.to_owned(),
                tax_id: self.tax_id.to_owned(),
            },
            last_sign_in: self.last_sign_in,
            status: self.status,
            deactivates_on: self.deactivates_on,
        }
    }
}

/// Writes the row of every account of `db` (a store written before rows
/// existed, or one whose accounts were imported), in batches that bound
/// the memory a large inventory's migration holds; returns how many. The
/// caller makes it durable. Running it twice writes the same rows.
pub(crate) fn fill_rows(db: &sled::Db, path: &Path) -> Result<usize, StoreError> {
    let trees = AccountTrees::open(db, path)?;
    let accounts = trees.accounts.iter().map(|entry| {
        entry
            .map(|(key, value)| (key.to_vec(), value))
            .map_err(|e| sled_error(path, "reading accounts to write their rows", e))
    });
    refill(&trees.rows, accounts, path, "account rows", |key, value| {
        let account: Account = decode(value, || {
            format!(
                "account {}",
                String::from_utf8_lossy(key).replacen('\0', ":", 1)
            )
        })?;
        Ok(Some((key.to_vec(), encode_row(&account))))
    })
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    // Account fields are far below 4 GiB; a longer one could not have been
    // stored as a sled value in the first place.
    let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&text.as_bytes()[..len as usize]);
}

fn put_date(out: &mut Vec<u8>, date: Option<NaiveDate>) {
    match date {
        Some(date) => {
            out.push(1);
            out.extend_from_slice(&date.num_days_from_ce().to_le_bytes());
        }
        None => out.push(0),
    }
}

/// Reads a row front to back; `None` when it ends early or a field is invalid.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.rest.len() < n {
            return None;
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Some(head)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
    }

    fn str(&mut self) -> Option<&'a str> {
        let len = usize::try_from(self.u32()?).ok()?;
        let bytes = self.take(len)?;
        std::str::from_utf8(bytes).ok()
    }

    fn date(&mut self) -> Option<Option<NaiveDate>> {
        match self.byte()? {
            0 => Some(None),
            1 => {
                let days = self.take(4)?.try_into().ok().map(i32::from_le_bytes)?;
                NaiveDate::from_num_days_from_ce_opt(days).map(Some)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use garita_engine::account::{Company, Holder};
    use proptest::prelude::*;

    use super::*;

    fn account(
        texts: [String; 6],
        employee_id: Option<String>,
        days: (Option<i32>, Option<i32>),
        status: usize,
    ) -> Account {
        let [portal, identifier, name, email, legal_name, tax_id] = texts;
        let mut account = Account::new(
            "x",
            "y",
            Holder {
                name,
                email,
                employee_id,
                national_id: Some("no va en la fila".into()),
            },
            Company {
                legal_name,
                tax_id,
                ctpat_account_number: Some("tampoco".into()),
            },
        );
        // Set directly: `Account::new` normalises, and rows must keep
        // whatever the record holds.
        account.portal = portal;
        account.identifier = identifier;
        let date = |d: Option<i32>| d.and_then(NaiveDate::from_num_days_from_ce_opt);
        account.last_sign_in = date(days.0);
        account.deactivates_on = date(days.1);
        account.status = AccountStatus::ALL[status % AccountStatus::ALL.len()];
        account.attributes.insert("área".into(), "logística".into());
        account
    }

    proptest! {
        #[test]
        fn a_row_decodes_to_the_summary_of_its_account(
            texts in proptest::array::uniform6(".{0,24}"),
            employee_id in proptest::option::of(".{0,12}"),
            signed in proptest::option::of(-1_000_000i32..1_000_000),
            deactivates in proptest::option::of(-1_000_000i32..1_000_000),
            status in 0usize..16,
        ) {
            let account = account(texts, employee_id, (signed, deactivates), status);
            let row = encode_row(&account);
            let summary = decode_row(&row, || "row".into()).unwrap();
            prop_assert_eq!(summary, AccountSummary::from(&account));
        }

        #[test]
        fn any_bytes_decode_or_are_refused_without_panicking(
            bytes in proptest::collection::vec(any::<u8>(), 0..96),
        ) {
            let _ = decode_row(&bytes, || "row".into());
        }

        #[test]
        fn a_row_cut_anywhere_or_extended_is_refused(
            texts in proptest::array::uniform6("[a-z]{0,8}"),
            cut in 0usize..200,
        ) {
            let row = encode_row(&account(texts, None, (Some(738_000), None), 1));
            let cut = cut % row.len();
            prop_assert!(decode_row(&row[..cut], || "row".into()).is_err());
            let mut longer = row.clone();
            longer.push(0);
            prop_assert!(decode_row(&longer, || "row".into()).is_err());
        }
    }

    #[test]
    fn errors_say_what_is_wrong_and_which_row() {
        let err = decode_row(&[9, 0, 0], || "the row of ctpat:ana".into()).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("the row of ctpat:ana"), "{text}");
        assert!(text.contains("format 9"), "{text}");
        let err = decode_row(&[], || "r".into()).unwrap_err().to_string();
        assert!(err.contains("empty"), "{err}");
    }
}
