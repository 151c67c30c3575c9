//! What `garita accounts check` reports about the inventory: accounts that
//! look shared or generic, and the evidence of the periodic password
//! change (OEA profile 9.2: individual accounts with a periodic password
//! change) and of the signing certificates. Findings are advice for the
//! officer: they never block an import and change nothing.
//!
//! Why these rules:
//! - **generic_identity**: an identifier or holder email whose mailbox is a
//!   role, not a person (`aduanas@`, `info@`, `contacto@`, ...), is read by
//!   whoever staffs that role, so the account is not individual. Only the
//!   whole mailbox name is compared (`info.juan@` is a person).
//! - **shared_holder**: one holder email on several live accounts of the
//!   same portal: a person needs one user per portal, so the others are
//!   usually accounts several people use under one name, or duplicates.
//!   (One person may legitimately act for two companies; the officer says
//!   so in the account's notes.)
//! - **password_change_not_recorded** and **password_change_overdue**: no
//!   evidence of a change, or the interval ran out.
//! - **certificate_expired**: the signing certificate recorded is past its
//!   date.
//!
//! Offboarded accounts are left out: their access is being removed.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use garita_engine::account::{Account, AccountStatus};
use serde::Serialize;

use crate::rules::{password_change_due_on, PasswordChangeSettings};

/// Mailbox names that stand for a role or a team, not a person (Spanish
/// and English, as customs teams name them).
pub const GENERIC_MAILBOXES: &[&str] = &[
    "aduana",
    "aduanas",
    "admin",
    "administracion",
    "comercioexterior",
    "comercio.exterior",
    "comex",
    "compras",
    "contabilidad",
    "contacto",
    "customs",
    "exportaciones",
    "facturacion",
    "importaciones",
    "info",
    "informacion",
    "logistica",
    "office",
    "oficina",
    "operaciones",
    "recepcion",
    "sales",
    "shared",
    "sistemas",
    "soporte",
    "support",
    "trafico",
    "ventas",
];

/// Kind of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// The identifier or holder email names a role, not a person.
    GenericIdentity,
    /// The holder email is on several live accounts of the portal.
    SharedHolder,
    /// No password change recorded.
    PasswordChangeNotRecorded,
    /// The periodic change is past due.
    PasswordChangeOverdue,
    /// The signing certificate is past its date.
    CertificateExpired,
}

impl FindingKind {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GenericIdentity => "generic_identity",
            Self::SharedHolder => "shared_holder",
            Self::PasswordChangeNotRecorded => "password_change_not_recorded",
            Self::PasswordChangeOverdue => "password_change_overdue",
            Self::CertificateExpired => "certificate_expired",
        }
    }
}

/// One thing the officer should look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// `PORTAL:IDENTIFIER`.
    pub account: String,
    /// What kind.
    pub kind: FindingKind,
    /// What was found and what to do, as a sentence.
    pub message: String,
}

/// The mailbox name of an email or identifier (before `@` and any `+tag`),
/// lower case.
fn mailbox(text: &str) -> String {
    let local = text.split('@').next().unwrap_or_default();
    local
        .split('+')
        .next()
        .unwrap_or_default()
        .trim()
        .to_lowercase()
}

fn is_generic(text: &str) -> bool {
    let name = mailbox(text);
    GENERIC_MAILBOXES.contains(&name.as_str())
}

/// The findings over `accounts`, as of `today` (each account's own day is
/// close enough for advice), ordered by account then kind.
pub fn account_findings(
    accounts: &[Account],
    today: NaiveDate,
    password_change: &PasswordChangeSettings,
) -> Vec<Finding> {
    let live: Vec<&Account> = accounts
        .iter()
        .filter(|a| a.status != AccountStatus::Offboarded)
        .collect();
    let mut by_holder: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for a in &live {
        let email = a.holder.email.trim().to_lowercase();
        if !email.is_empty() {
            by_holder
                .entry((a.portal.clone(), email))
                .or_default()
                .push(a.key().to_string());
        }
    }
    let mut out = Vec::new();
    for a in &live {
        let key = a.key().to_string();
        let mut push = |kind, message: String| {
            out.push(Finding {
                account: key.clone(),
                kind,
                message,
            })
        };
        if is_generic(&a.identifier) || is_generic(&a.holder.email) {
            let what = if is_generic(&a.identifier) {
                format!("the identifier `{}`", a.identifier)
            } else {
                format!("the holder email `{}`", a.holder.email)
            };
            push(
                FindingKind::GenericIdentity,
                format!(
                    "{what} names a role or a team, not a person: the account looks shared; \
                     give each person their own user on the portal (OEA 9.2: individual accounts)"
                ),
            );
        }
        let email = a.holder.email.trim().to_lowercase();
        if let Some(keys) = by_holder.get(&(a.portal.clone(), email.clone())) {
            if keys.len() > 1 {
                let others: Vec<&str> = keys
                    .iter()
                    .filter(|k| **k != key)
                    .map(String::as_str)
                    .collect();
                push(
                    FindingKind::SharedHolder,
                    format!(
                        "{email} also holds {} on {}: one person with several users of a portal \
                         usually means accounts used by others under their name, or duplicates",
                        others.join(", "),
                        a.portal
                    ),
                );
            }
        }
        let interval = password_change.interval_for(&a.portal);
        match a.password_changed_on {
            None => push(
                FindingKind::PasswordChangeNotRecorded,
                format!(
                    "no password change recorded: on {} it is changed every {interval} days; \
                     record the last one with `garita accounts password-changed {key} --on DATE`",
                    a.portal
                ),
            ),
            Some(changed_on) => {
                if let Some(due) =
                    password_change_due_on(changed_on, interval).filter(|d| *d < today)
                {
                    push(
                        FindingKind::PasswordChangeOverdue,
                        format!(
                            "password last changed on {changed_on}; the change every {interval} days \
                             was due on {due}"
                        ),
                    );
                }
            }
        }
        if let Some(expired) = a.certificate_expires_on.filter(|d| *d < today) {
            push(
                FindingKind::CertificateExpired,
                format!(
                    "the signing certificate recorded expired on {expired}: record the renewed one's \
                     date (`--certificate-expires-on`), or clear it if the holder no longer signs"
                ),
            );
        }
    }
    out.sort_by(|a, b| (&a.account, a.kind).cmp(&(&b.account, b.kind)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use garita_engine::account::{Company, Holder};

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn account(portal: &str, id: &str, email: &str) -> Account {
        let mut a = Account::new(
            portal,
            id,
            Holder {
                name: "X".into(),
                email: email.into(),
                ..Holder::default()
            },
            Company::default(),
        );
        a.password_changed_on = Some(day(6, 1));
        a
    }

    fn kinds(found: &[Finding]) -> Vec<(&str, &str)> {
        found
            .iter()
            .map(|f| (f.account.as_str(), f.kind.as_str()))
            .collect()
    }

    #[test]
    fn role_mailboxes_and_one_holder_on_several_users_are_found() {
        let mut gone = account("anam", "old.user", "aduanas@acme.example");
        gone.status = AccountStatus::Offboarded;
        let accounts = [
            account("ctpat", "Aduanas@acme.example", "aduanas@acme.example"),
            account("anam", "jperez", "info+anam@acme.example"),
            account("anam", "info.juan", "juan@acme.example"),
            account("ecuapass", "RVERA1", "rosa@acme.example"),
            account("ecuapass", "RVERA2", "Rosa@acme.example"),
            account("anam", "rvera", "rosa@acme.example"),
            gone,
        ];
        let found = account_findings(&accounts, day(6, 2), &PasswordChangeSettings::default());
        assert_eq!(
            kinds(&found),
            [
                ("anam:jperez", "generic_identity"),
                ("ctpat:aduanas@acme.example", "generic_identity"),
                ("ecuapass:rvera1", "shared_holder"),
                ("ecuapass:rvera2", "shared_holder"),
            ]
        );
        assert!(
            found[2].message.contains("also holds ecuapass:rvera2"),
            "{}",
            found[2].message
        );
    }

    #[test]
    fn password_and_certificate_evidence_is_checked_against_today() {
        let mut never = account("anam", "a", "a@x.example");
        never.password_changed_on = None;
        let mut overdue = account("ecuapass", "B", "b@x.example");
        overdue.password_changed_on = Some(day(1, 5));
        let mut expired = account("anam", "c", "c@x.example");
        expired.certificate_expires_on = Some(day(4, 5));
        let mut valid = account("anam", "d", "d@x.example");
        valid.certificate_expires_on = Some(day(4, 6));
        // 5 January + 90 days = 5 April: overdue from the 6th.
        let on = |today| {
            kinds(&account_findings(
                &[
                    never.clone(),
                    overdue.clone(),
                    expired.clone(),
                    valid.clone(),
                ],
                today,
                &PasswordChangeSettings::default(),
            ))
            .into_iter()
            .map(|(a, k)| (a.to_owned(), k.to_owned()))
            .collect::<Vec<_>>()
        };
        let owned = |v: &[(&str, &str)]| {
            v.iter()
                .map(|(a, k)| (a.to_string(), k.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            on(day(4, 5)),
            owned(&[("anam:a", "password_change_not_recorded")])
        );
        assert_eq!(
            on(day(4, 6)),
            owned(&[
                ("anam:a", "password_change_not_recorded"),
                ("anam:c", "certificate_expired"),
                ("ecuapass:b", "password_change_overdue"),
            ])
        );
    }
}
