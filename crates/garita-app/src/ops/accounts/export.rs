//! Exporting the inventory as CSV with the import's header (so it imports
//! back unchanged), safe to open in a spreadsheet: formula-like cells are
//! prefixed with a quote.

use std::collections::BTreeSet;
use std::io::Write;

use garita_engine::account::{Account, AccountFilter};
use serde::{Deserialize, Serialize};

use super::columns::{ATTRIBUTE_PREFIX, COLUMNS};
use super::csv_cells::escape_formula;
use crate::ops::Session;
use crate::AppError;

/// The inventory as CSV.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountsCsv {
    /// How many accounts (rows after the header).
    pub accounts: usize,
    /// The CSV text.
    pub csv: String,
}

/// Every account as CSV with the import's header (so it imports back
/// unchanged), formula-like cells prefixed with a quote.
pub async fn export(session: &Session) -> Result<AccountsCsv, AppError> {
    let accounts = session
        .backend
        .accounts
        .list_accounts(&AccountFilter::default())
        .await?;
    let mut csv = Vec::new();
    write_csv(&mut csv, &accounts)
        .map_err(|e| AppError::Refused(format!("cannot write the export: {e}")))?;
    let csv =
        String::from_utf8(csv).map_err(|_| AppError::Refused("the export is not UTF-8".into()))?;
    Ok(AccountsCsv {
        accounts: accounts.len(),
        csv,
    })
}

/// Writes the header and one row per account.
fn write_csv(out: impl Write, accounts: &[Account]) -> Result<(), csv::Error> {
    let attributes: BTreeSet<&String> = accounts.iter().flat_map(|a| a.attributes.keys()).collect();
    let mut writer = csv::Writer::from_writer(out);
    let header = COLUMNS
        .iter()
        .map(|c| c.to_string())
        .chain(attributes.iter().map(|a| format!("{ATTRIBUTE_PREFIX}{a}")));
    writer.write_record(header)?;
    for account in accounts {
        let mut row = fixed_cells(account);
        row.extend(
            attributes
                .iter()
                .map(|name| account.attributes.get(*name).cloned().unwrap_or_default()),
        );
        writer.write_record(row.iter().map(|cell| escape_formula(cell).into_owned()))?;
    }
    writer.flush()?;
    Ok(())
}

/// The cells of [`COLUMNS`], in order.
fn fixed_cells(a: &Account) -> Vec<String> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    vec![
        a.portal.clone(),
        a.identifier.clone(),
        a.holder.name.clone(),
        a.holder.email.clone(),
        opt(&a.holder.employee_id),
        opt(&a.holder.national_id),
        a.company.legal_name.clone(),
        a.company.tax_id.clone(),
        opt(&a.company.ctpat_account_number),
        opt(&a.role),
        a.status.to_string(),
        a.last_sign_in.map(|d| d.to_string()).unwrap_or_default(),
        opt(&a.time_zone),
        a.locale.map(|l| l.to_string()).unwrap_or_default(),
        date(a.certificate_expires_on),
        date(a.password_changed_on),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use garita_engine::account::{Company, Holder};

    #[test]
    fn formula_cells_are_escaped_and_the_header_matches_the_import() {
        let mut account = Account::new(
            "anam",
            "alopez",
            Holder {
                name: "=HYPERLINK(\"http://evil\",\"x\")".into(),
                email: "a@x.com".into(),
                ..Holder::default()
            },
            Company {
                legal_name: "@Acme".into(),
                tax_id: "AAA010101AAA".into(),
                ctpat_account_number: None,
            },
        );
        account.attributes.insert("note".into(), "+1 call".into());
        let mut out = Vec::new();
        write_csv(&mut out, &[account]).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next().unwrap(),
            format!("{},attr.note", COLUMNS.join(","))
        );
        let row = lines.next().unwrap();
        assert!(
            row.contains("\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\""),
            "{row}"
        );
        assert!(row.contains(",'@Acme,"), "{row}");
        assert!(row.ends_with(",'+1 call"), "{row}");
    }
}
