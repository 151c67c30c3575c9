//! From the cells of one CSV row (or the flags of `accounts add`) to the
//! account to store: every cell checked, every problem reported with its
//! column, and the values merged over the stored account when there is one.

use chrono::NaiveDate;
use garita_engine::account::{
    Account, AccountKey, AccountStatus, Company, Holder, Locale, CTPAT_PORTAL,
};

use crate::columns::{self, Cells};
use crate::ctpat_rule::CtpatRule;
use crate::leading_zeros;
use crate::{holder_prefs, validate};

/// One thing wrong with a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The column (`attr.NAME` for an attribute).
    pub column: String,
    /// What is wrong and what is expected.
    pub message: String,
}

impl Problem {
    fn new(column: &str, message: impl Into<String>) -> Self {
        Self {
            column: column.to_owned(),
            message: message.into(),
        }
    }
}

/// What the checks need besides the row.
#[derive(Debug, Clone, Copy)]
pub struct RowContext<'a> {
    /// Accepted portal names.
    pub portals: &'a [String],
    /// Today, for "not in the future".
    pub today: NaiveDate,
    /// The CTPAT deactivation rule.
    pub ctpat: &'a CtpatRule,
    /// Whether the row may move an offboarded account to another status
    /// (`accounts add` may, an import may not: an old HR file must not
    /// bring back the access of someone who left).
    pub may_reinstate: bool,
    /// Whether a cédula or RUC that lost its leading zero in a spreadsheet
    /// is imported with the zero put back (`crate::leading_zeros`); the
    /// caller reports each repair.
    pub fix_leading_zeros: bool,
}

/// The key the row names, or the problems with its `portal` and `account` cells.
pub fn key_of(cells: &Cells, ctx: &RowContext<'_>) -> Result<AccountKey, Vec<Problem>> {
    let portal = portal(cells, ctx);
    let identifier = portal
        .as_ref()
        .ok()
        .map(|p| required(cells, columns::ACCOUNT, |v| validate::identifier(p, v)));
    match (portal, identifier) {
        (Ok(portal), Some(Ok(identifier))) => Ok(AccountKey::new(&portal, &identifier)),
        (portal, identifier) => Err(portal
            .err()
            .into_iter()
            .chain(identifier.and_then(Result::err))
            .collect()),
    }
}

/// The account the row describes, merged over `existing` (the stored
/// account with the same key), or every problem of the row.
pub fn build(
    cells: &Cells,
    existing: Option<&Account>,
    ctx: &RowContext<'_>,
) -> Result<Account, Vec<Problem>> {
    let mut problems = Vec::new();
    let portal = portal(cells, ctx).map_err(|p| problems.push(p)).ok();
    let repaired_cells;
    let cells = match &portal {
        Some(portal) if ctx.fix_leading_zeros => {
            let mut repaired = cells.clone();
            for repair in leading_zeros::repairs(cells, portal) {
                repaired.fixed.insert(repair.column, repair.to);
            }
            repaired_cells = repaired;
            &repaired_cells
        }
        _ => cells,
    };
    let identifier = portal.as_deref().and_then(|p| {
        required(cells, columns::ACCOUNT, |v| validate::identifier(p, v))
            .map_err(|e| problems.push(e))
            .ok()
    });
    let mut account = match (existing, &portal, &identifier) {
        (Some(stored), _, Some(id)) => {
            let mut account = stored.clone();
            account.identifier = id.clone();
            account
        }
        (None, Some(portal), Some(id)) => {
            Account::new(portal, id, Holder::default(), Company::default())
        }
        _ => Account::new("", "", Holder::default(), Company::default()),
    };
    let portal = portal.unwrap_or_default();
    let mut set =
        |column: &str, check: &dyn Fn(&str) -> Result<String, String>| -> Option<Option<String>> {
            let value = cells.get(column)?;
            if value.is_empty() {
                return Some(None);
            }
            match check(value) {
                Ok(v) => Some(Some(v)),
                Err(message) => {
                    problems.push(Problem::new(column, message));
                    None
                }
            }
        };
    let text = |v: &str| validate::text(v, None);
    let name = set(columns::HOLDER_NAME, &text);
    let email = set(columns::HOLDER_EMAIL, &validate::email);
    let employee = set(columns::EMPLOYEE_ID, &validate::code);
    let national = set(columns::HOLDER_NATIONAL_ID, &|v| {
        validate::national_id(&portal, v)
    });
    let company = set(columns::COMPANY, &text);
    let tax_id = set(columns::TAX_ID, &|v| validate::tax_id(&portal, v));
    let ctpat_number = set(
        columns::CTPAT_ACCOUNT_NUMBER,
        &validate::ctpat_account_number,
    );
    let role = set(columns::ROLE, &text);
    let status = set(columns::STATUS, &|v| {
        AccountStatus::parse(v)
            .map(|s| s.to_string())
            .ok_or_else(|| format!("`{v}` is not a status; use one of {}", status_names()))
    });
    let today = ctx.today;
    let last_sign_in = set(columns::LAST_SIGN_IN, &|v| {
        validate::date(v, today).map(|d| d.to_string())
    });
    let time_zone = set(columns::TIME_ZONE, &holder_prefs::time_zone);
    let locale = set(columns::LOCALE, &|v| {
        holder_prefs::locale(v).map(|l| l.to_string())
    });
    // A certificate's last valid day is usually ahead; the day a password
    // was changed cannot be.
    let certificate_expires_on = set(columns::CERTIFICATE_EXPIRES_ON, &|v| {
        validate::calendar_date(v).map(|d| d.to_string())
    });
    let password_changed_on = set(columns::PASSWORD_CHANGED_ON, &|v| {
        validate::date(v, today).map(|d| d.to_string())
    });
    let mut attributes = Vec::new();
    for (name, value) in &cells.attributes {
        let column = format!("{}{name}", columns::ATTRIBUTE_PREFIX);
        if value.is_empty() {
            attributes.push((name.clone(), None));
            continue;
        }
        match text(value) {
            Ok(v) => attributes.push((name.clone(), Some(v))),
            Err(message) => problems.push(Problem::new(&column, message)),
        }
    }

    if let Some(v) = name {
        account.holder.name = v.unwrap_or_default();
    }
    if let Some(v) = email {
        account.holder.email = v.unwrap_or_default();
    }
    if let Some(v) = employee {
        account.holder.employee_id = v;
    }
    if let Some(v) = national {
        account.holder.national_id = v;
    }
    if let Some(v) = company {
        account.company.legal_name = v.unwrap_or_default();
    }
    if let Some(v) = tax_id {
        account.company.tax_id = v.unwrap_or_default();
    }
    if let Some(v) = ctpat_number {
        account.company.ctpat_account_number = v;
    }
    if let Some(v) = role {
        account.role = v;
    }
    if let Some(v) = last_sign_in {
        account.last_sign_in = v.and_then(|d| d.parse().ok());
    }
    if let Some(v) = time_zone {
        account.time_zone = v;
    }
    if let Some(v) = locale {
        account.locale = v.and_then(|l| Locale::parse(&l));
    }
    if let Some(v) = certificate_expires_on {
        account.certificate_expires_on = v.and_then(|d| d.parse().ok());
    }
    if let Some(v) = password_changed_on {
        account.password_changed_on = v.and_then(|d| d.parse().ok());
    }
    for (name, value) in attributes {
        match value {
            Some(v) => account.attributes.insert(name, v),
            None => account.attributes.remove(&name),
        };
    }
    if let Some(Some(wanted)) = status.map(|s| s.and_then(|s| AccountStatus::parse(&s))) {
        if let Some(problem) = reinstating(existing, wanted, ctx) {
            problems.push(problem);
        }
        if !lifts_authority_status(existing, wanted, ctx) {
            account.status = wanted;
        }
    }

    for (column, value) in [
        (columns::HOLDER_NAME, &account.holder.name),
        (columns::HOLDER_EMAIL, &account.holder.email),
        (columns::COMPANY, &account.company.legal_name),
        (columns::TAX_ID, &account.company.tax_id),
    ] {
        let already_reported = problems.iter().any(|p| p.column == column);
        if value.is_empty() && !already_reported {
            problems.push(Problem::new(column, "is required"));
        }
    }
    account.deactivates_on = match (portal == CTPAT_PORTAL, account.last_sign_in) {
        (true, Some(day)) => ctx.ctpat.deactivates_on(day),
        _ => None,
    };
    if problems.is_empty() {
        Ok(account)
    } else {
        // A value that only lost its leading zero: say how to import it.
        for problem in &mut problems {
            let restorable = cells
                .get(&problem.column)
                .and_then(|v| leading_zeros::repaired(&portal, &problem.column, v));
            if restorable.is_some() {
                problem.message.push_str(
                    "; to import such values with the zero put back, import with --fix-leading-zeros (fix_leading_zeros in the API)",
                );
            }
        }
        Err(problems)
    }
}

/// The `portal` cell, lower-cased and known.
fn portal(cells: &Cells, ctx: &RowContext<'_>) -> Result<String, Problem> {
    required(cells, columns::PORTAL, |value| {
        let portal = AccountKey::normalise_portal(value);
        if ctx.portals.contains(&portal) {
            Ok(portal)
        } else {
            Err(format!(
                "unknown portal `{value}`; the portals are {} (a plugin's connector name also works once the plugin is loaded)",
                ctx.portals.join(", ")
            ))
        }
    })
}

/// A required cell, checked.
fn required(
    cells: &Cells,
    column: &str,
    check: impl Fn(&str) -> Result<String, String>,
) -> Result<String, Problem> {
    match cells.get(column) {
        None | Some("") => Err(Problem::new(column, "is required")),
        Some(value) => check(value).map_err(|message| Problem::new(column, message)),
    }
}

/// Whether the row would lift a deactivation or disablement that only the
/// authority lifts (most often one a portal rule applied since the file was
/// exported): an import keeps the stored status then, so re-importing an
/// old file neither revives a dead account nor makes the rule act twice;
/// `accounts add` (which may) records a real reactivation.
fn lifts_authority_status(
    existing: Option<&Account>,
    wanted: AccountStatus,
    ctx: &RowContext<'_>,
) -> bool {
    let Some(stored) = existing else {
        return false;
    };
    !ctx.may_reinstate
        && matches!(
            stored.status,
            AccountStatus::Deactivated | AccountStatus::Disabled
        )
        && wanted.can_still_deactivate()
}

/// Refuses moving an offboarded account to another status when the context
/// does not allow it.
fn reinstating(
    existing: Option<&Account>,
    wanted: AccountStatus,
    ctx: &RowContext<'_>,
) -> Option<Problem> {
    let stored = existing?;
    let leaves_offboarding =
        stored.status == AccountStatus::Offboarded && wanted != AccountStatus::Offboarded;
    (leaves_offboarding && !ctx.may_reinstate).then(|| {
        Problem::new(
            columns::STATUS,
            format!(
                "account {} was offboarded and an import does not bring it back as `{wanted}`; leave the cell \
                 empty (or `offboarded`), or if the person really returned run \
                 `garita accounts add --portal {} --account {} --status {wanted}`",
                stored.key(),
                stored.portal,
                stored.identifier
            ),
        )
    })
}

fn status_names() -> String {
    AccountStatus::ALL.map(|s| s.as_str()).join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> CtpatRule {
        CtpatRule::from_section(serde_json::Value::Null).unwrap()
    }

    fn portals() -> Vec<String> {
        ["ctpat", "ecuapass", "anam"].map(String::from).to_vec()
    }

    fn ctx<'a>(portals: &'a [String], rule: &'a CtpatRule) -> RowContext<'a> {
        RowContext {
            portals,
            today: NaiveDate::from_ymd_opt(2026, 3, 10).unwrap(),
            ctpat: rule,
            may_reinstate: false,
            fix_leading_zeros: false,
        }
    }

    fn cells(pairs: &[(&'static str, &str)]) -> Cells {
        let mut cells = Cells::default();
        for (column, value) in pairs {
            if let Some(attribute) = column.strip_prefix("attr.") {
                cells.attributes.insert(attribute.into(), value.to_string());
            } else {
                cells.fixed.insert(column, value.to_string());
            }
        }
        cells
    }

    fn ctpat_row() -> Vec<(&'static str, &'static str)> {
        vec![
            ("portal", "CTPAT"),
            ("account", "Ana@Example.com"),
            ("holder_name", "Ana Ruiz"),
            ("holder_email", "ana@example.com"),
            ("company", "Andes Export LLC"),
            ("tax_id", "123456789"),
            ("last_sign_in", "2026-01-20"),
            ("status", ""),
            ("attr.site", "Miami"),
        ]
    }

    #[test]
    fn a_good_ctpat_row_gets_its_deactivation_date() {
        let (portals, rule) = (portals(), rule());
        let account = build(&cells(&ctpat_row()), None, &ctx(&portals, &rule)).unwrap();
        assert_eq!(account.key().to_string(), "ctpat:ana@example.com");
        assert_eq!(account.company.tax_id, "12-3456789");
        assert_eq!(account.status, AccountStatus::Active);
        assert_eq!(account.deactivates_on, NaiveDate::from_ymd_opt(2026, 3, 7));
        assert_eq!(account.attributes["site"], "Miami");
    }

    #[test]
    fn every_bad_cell_is_reported_with_its_column() {
        let (portals, rule) = (portals(), rule());
        let mut row = ctpat_row();
        row[3] = ("holder_email", "ana.example.com");
        row[5] = ("tax_id", "12-34");
        row[6] = ("last_sign_in", "2026-02-30");
        row[7] = ("status", "asleep");
        let problems = build(&cells(&row), None, &ctx(&portals, &rule)).unwrap_err();
        let columns: Vec<&str> = problems.iter().map(|p| p.column.as_str()).collect();
        assert_eq!(
            columns,
            ["holder_email", "tax_id", "status", "last_sign_in"]
        );
    }

    #[test]
    fn certificate_expiry_may_be_ahead_and_a_password_change_may_not() {
        let (portals, rule) = (portals(), rule());
        let mut row = ctpat_row();
        row.push(("certificate_expires_on", "2030-01-31"));
        row.push(("password_changed_on", "2026-03-10"));
        let account = build(&cells(&row), None, &ctx(&portals, &rule)).unwrap();
        assert_eq!(
            account.certificate_expires_on,
            NaiveDate::from_ymd_opt(2030, 1, 31)
        );
        assert_eq!(
            account.password_changed_on,
            NaiveDate::from_ymd_opt(2026, 3, 10)
        );
        // Absent keeps, empty clears.
        let kept = build(&cells(&ctpat_row()), Some(&account), &ctx(&portals, &rule)).unwrap();
        assert_eq!(kept.certificate_expires_on, account.certificate_expires_on);
        let mut clear = ctpat_row();
        clear.push(("certificate_expires_on", ""));
        clear.push(("password_changed_on", ""));
        let cleared = build(&cells(&clear), Some(&account), &ctx(&portals, &rule)).unwrap();
        assert_eq!(
            (cleared.certificate_expires_on, cleared.password_changed_on),
            (None, None)
        );
        let mut bad = ctpat_row();
        bad.push(("certificate_expires_on", "2030-02-30"));
        bad.push(("password_changed_on", "2026-03-11"));
        let problems = build(&cells(&bad), None, &ctx(&portals, &rule)).unwrap_err();
        let columns: Vec<&str> = problems.iter().map(|p| p.column.as_str()).collect();
        assert_eq!(columns, ["certificate_expires_on", "password_changed_on"]);
        assert!(problems[1].message.contains("after today"), "{problems:?}");
    }

    #[test]
    fn the_holders_zone_and_language_are_checked_and_kept() {
        let (portals, rule) = (portals(), rule());
        let mut row = ctpat_row();
        row.push(("time_zone", "America/Tijuana"));
        row.push(("locale", "ES"));
        let account = build(&cells(&row), None, &ctx(&portals, &rule)).unwrap();
        assert_eq!(account.time_zone.as_deref(), Some("America/Tijuana"));
        assert_eq!(account.locale, Some(Locale::Es));
        // Absent keeps, empty clears.
        let kept = build(&cells(&ctpat_row()), Some(&account), &ctx(&portals, &rule)).unwrap();
        assert_eq!(kept.time_zone.as_deref(), Some("America/Tijuana"));
        let mut clear = ctpat_row();
        clear.push(("time_zone", ""));
        clear.push(("locale", ""));
        let cleared = build(&cells(&clear), Some(&account), &ctx(&portals, &rule)).unwrap();
        assert_eq!((cleared.time_zone, cleared.locale), (None, None));
        let mut bad = ctpat_row();
        bad.push(("time_zone", "Mars/Olympus"));
        bad.push(("locale", "fr"));
        let problems = build(&cells(&bad), None, &ctx(&portals, &rule)).unwrap_err();
        let columns: Vec<&str> = problems.iter().map(|p| p.column.as_str()).collect();
        assert_eq!(columns, ["time_zone", "locale"]);
    }

    #[test]
    fn unknown_portals_and_missing_required_values_are_problems() {
        let (portals, rule) = (portals(), rule());
        let problems = key_of(
            &cells(&[("portal", "sat"), ("account", "x")]),
            &ctx(&portals, &rule),
        )
        .unwrap_err();
        assert!(
            problems[0].message.contains("unknown portal `sat`"),
            "{problems:?}"
        );
        let problems = build(
            &cells(&[
                ("portal", "anam"),
                ("account", "alopez"),
                ("holder_name", ""),
            ]),
            None,
            &ctx(&portals, &rule),
        )
        .unwrap_err();
        let columns: Vec<&str> = problems.iter().map(|p| p.column.as_str()).collect();
        assert_eq!(
            columns,
            ["holder_name", "holder_email", "company", "tax_id"]
        );
    }

    #[test]
    fn absent_columns_keep_stored_values_and_empty_ones_clear_them() {
        let (portals, rule) = (portals(), rule());
        let stored = build(&cells(&ctpat_row()), None, &ctx(&portals, &rule)).unwrap();
        let update = cells(&[
            ("portal", "ctpat"),
            ("account", "ana@example.com"),
            ("attr.site", ""),
        ]);
        let merged = build(&update, Some(&stored), &ctx(&portals, &rule)).unwrap();
        assert_eq!(merged.holder.name, "Ana Ruiz");
        assert!(merged.attributes.is_empty());
        assert_eq!(merged.deactivates_on, stored.deactivates_on);
    }

    #[test]
    fn an_import_does_not_bring_back_an_offboarded_account() {
        let (portals, rule) = (portals(), rule());
        let mut stored = build(&cells(&ctpat_row()), None, &ctx(&portals, &rule)).unwrap();
        stored.status = AccountStatus::Offboarded;
        let mut row = ctpat_row();
        row[7] = ("status", "active");
        let problems = build(&cells(&row), Some(&stored), &ctx(&portals, &rule)).unwrap_err();
        assert!(
            problems[0].message.contains("was offboarded"),
            "{problems:?}"
        );
        // An empty status keeps it offboarded; `accounts add` may reinstate.
        row[7] = ("status", "");
        assert_eq!(
            build(&cells(&row), Some(&stored), &ctx(&portals, &rule))
                .unwrap()
                .status,
            AccountStatus::Offboarded
        );
        row[7] = ("status", "active");
        let add = RowContext {
            may_reinstate: true,
            fix_leading_zeros: false,
            ..ctx(&portals, &rule)
        };
        assert_eq!(
            build(&cells(&row), Some(&stored), &add).unwrap().status,
            AccountStatus::Active
        );
    }

    #[test]
    fn an_import_keeps_a_deactivation_only_the_authority_lifts() {
        let (portals, rule) = (portals(), rule());
        let mut row = ctpat_row();
        row[7] = ("status", "active");
        for dead in [AccountStatus::Deactivated, AccountStatus::Disabled] {
            let mut stored = build(&cells(&row), None, &ctx(&portals, &rule)).unwrap();
            stored.status = dead;
            let again = build(&cells(&row), Some(&stored), &ctx(&portals, &rule)).unwrap();
            assert_eq!(again.status, dead, "an old file does not revive it");
            let add = RowContext {
                may_reinstate: true,
                fix_leading_zeros: false,
                ..ctx(&portals, &rule)
            };
            let reactivated = build(&cells(&row), Some(&stored), &add).unwrap();
            assert_eq!(reactivated.status, AccountStatus::Active);
        }
        // Moving further down (offboarded) is still the file's to say.
        let mut stored = build(&cells(&row), None, &ctx(&portals, &rule)).unwrap();
        stored.status = AccountStatus::Deactivated;
        row[7] = ("status", "offboarded");
        let left = build(&cells(&row), Some(&stored), &ctx(&portals, &rule)).unwrap();
        assert_eq!(left.status, AccountStatus::Offboarded);
    }
}
