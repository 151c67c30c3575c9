//! The calendar of deadlines (`garita calendar export`, docs/calendar.md):
//! every date Garita knows is coming, as typed data a front end renders
//! (the command line as an iCalendar file; later the console as a
//! subscribable feed).
//!
//! Which dates are deadlines is the portal rules' business
//! (`garita_inventory::rules::ShippedDeadlines`: the code that applies a
//! deactivation also dates it); the open tasks' due dates come from the
//! store. Each deadline has a stable identity (its kind and the account key
//! or task id, hashed) and a sequence number read from the state: the
//! account's revision, which rises with every recorded change of the
//! account. Nothing here counts in memory, so two exports of the same state
//! say the same, and a change says it with a higher number.

use chrono::{DateTime, Days, NaiveDate, Utc};
use garita_engine::account::{Account, AccountFilter};
use garita_engine::{Clock, Task, TaskFilter, TaskStatus};
use garita_inventory::rules::{AccountDeadline, ShippedDeadlines};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Session;
use crate::{ctpat_rule, AppError};

/// Which deadlines to list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CalendarQuery {
    /// Only deadlines of accounts on this portal.
    pub portal: Option<String>,
    /// Only deadlines of accounts of companies whose legal name contains
    /// this text, or with this tax id.
    pub company: Option<String>,
    /// Only one person's deadlines: the accounts they hold (holder email or
    /// employee id) and the tasks assigned to them (by email): what a
    /// personal feed shows.
    #[serde(default)]
    pub holder: Option<String>,
}

impl CalendarQuery {
    /// Whether the query names accounts only: tasks belong to no portal or
    /// company, so a filtered calendar leaves them out rather than guess.
    fn accounts_only(&self) -> bool {
        self.portal.is_some() || self.company.is_some()
    }
}

/// The deadlines, as of an instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CalendarDeadlines {
    /// The business clock's "now" they were computed at (which Ecuapass
    /// January is next depends on it); a calendar file's DTSTAMP.
    pub as_of: DateTime<Utc>,
    /// The earliest due first (a window by its last day), then by id.
    pub deadlines: Vec<Deadline>,
}

/// One deadline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Deadline {
    /// Stable identity: the kind, then (for a yearly deadline) the year, then
    /// 16 hex digits of the SHA-256 of the account key or task id, e.g.
    /// `ctpat-deactivation-3f2a…`. The same deadline keeps it whatever
    /// changes (a later sign-in moves the date, not the id); it never shows
    /// the account's identifier or the holder's email.
    pub id: String,
    /// What it is, with the facts it follows from.
    pub kind: DeadlineKind,
    /// By when.
    pub when: DeadlineWhen,
    /// Rises whenever the deadline may have changed: the account's revision
    /// (its number of recorded changes). An open task never changes (its
    /// title, assignee and due date are fixed when its step creates it; an
    /// answer closes it), so a task's is 0.
    pub sequence: u64,
    /// The account it is about, for an account's deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<DeadlineAccount>,
    /// The task, for a task's due date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<DeadlineTask>,
}

/// The kinds of deadline Garita knows. A new one (a certificate's expiry, a
/// password's rotation) is one more variant, given by its rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DeadlineKind {
    /// CTPAT: the holder must sign in by `when` or CBP deactivates the user
    /// from `deactivates_on`.
    CtpatDeactivation {
        /// The last sign-in recorded, which the inactivity limit counts from.
        last_sign_in: NaiveDate,
        /// The first day CBP deactivates the user.
        deactivates_on: NaiveDate,
    },
    /// CTPAT: CBP reactivated the user on `reactivated_on`; the holder must
    /// sign in that same day or the user is deactivated again at midnight.
    CtpatRelogin {
        /// The day of the reactivation.
        reactivated_on: NaiveDate,
    },
    /// Ecuapass: the registration data must be updated in January of
    /// `year`; SENAE disables the user ID of whoever does not.
    EcuapassAnnualUpdate {
        /// The campaign's year.
        year: i32,
    },
    /// The holder's signing certificate (e.firma, Ecuapass TOKEN) expires
    /// on `expires_on`: it must be renewed before.
    CertificateExpiry {
        /// The day it expires.
        expires_on: NaiveDate,
    },
    /// The portal password is due to be changed (OEA: periodic change).
    PasswordChange {
        /// The last change recorded.
        changed_on: NaiveDate,
    },
    /// A task waiting for a person, due at `when`.
    TaskDue,
}

impl DeadlineKind {
    /// The start of [`Deadline::id`]: what makes two kinds of deadline of
    /// one account two events.
    fn slug(&self) -> String {
        match self {
            Self::CtpatDeactivation { .. } => "ctpat-deactivation".into(),
            Self::CtpatRelogin { .. } => "ctpat-relogin".into(),
            // Each January is its own obligation: settling one leaves the
            // next as a new event instead of moving the old one a year.
            Self::EcuapassAnnualUpdate { year } => format!("ecuapass-annual-update-{year}"),
            Self::CertificateExpiry { .. } => "certificate-expiry".into(),
            Self::PasswordChange { .. } => "password-change".into(),
            Self::TaskDue => "task-due".into(),
        }
    }
}

/// When a deadline falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DeadlineWhen {
    /// Whatever is due must be done by the end of `last_day` (in the
    /// portal's calendar).
    Day {
        /// The last day that counts.
        last_day: NaiveDate,
    },
    /// A window of whole days, both included.
    Window {
        /// The first day.
        first_day: NaiveDate,
        /// The last day that counts.
        last_day: NaiveDate,
    },
    /// An exact instant (exclusive: it must be done before).
    Instant {
        /// The instant.
        at: DateTime<Utc>,
    },
}

impl DeadlineWhen {
    /// The instant it sorts by: the start of its last day (in UTC), or the
    /// instant; a window sorts by when it closes, like any deadline.
    fn sort_key(&self) -> DateTime<Utc> {
        let midnight = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
        match *self {
            Self::Day { last_day } | Self::Window { last_day, .. } => midnight(last_day),
            Self::Instant { at } => at,
        }
    }
}

/// The account a deadline is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DeadlineAccount {
    /// `PORTAL:IDENTIFIER`.
    pub key: String,
    /// The portal.
    pub portal: String,
    /// The identifier on the portal, as written by people.
    pub identifier: String,
    /// The holder's name.
    pub holder_name: String,
    /// The holder's email.
    pub holder_email: String,
    /// The company's legal name.
    pub company: String,
    /// The company's tax id.
    pub tax_id: String,
}

impl From<&Account> for DeadlineAccount {
    fn from(a: &Account) -> Self {
        Self {
            key: a.key().to_string(),
            portal: a.portal.clone(),
            identifier: a.identifier.clone(),
            holder_name: a.holder.name.clone(),
            holder_email: a.holder.email.clone(),
            company: a.company.legal_name.clone(),
            tax_id: a.company.tax_id.clone(),
        }
    }
}

/// The task a due date is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DeadlineTask {
    /// The task's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Who should answer it, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// The workflow that asked.
    pub workflow: String,
    /// The run waiting on it.
    pub run: String,
}

/// The deadlines the query selects, as of the business clock's now.
pub async fn deadlines(
    session: &Session,
    query: CalendarQuery,
) -> Result<CalendarDeadlines, AppError> {
    let rules = ShippedDeadlines::new(
        ctpat_rule::from_app(&session.app)?,
        session.app.password_change()?,
    );
    let holder = query
        .holder
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(str::to_owned);
    let filter = AccountFilter {
        portal: query.portal.clone(),
        company: query.company.clone(),
        holder: holder.clone(),
        ..AccountFilter::default()
    };
    let accounts = session.backend.accounts.list_accounts(&filter).await?;
    let tasks = if query.accounts_only() {
        Vec::new()
    } else {
        let open = TaskFilter {
            statuses: vec![TaskStatus::Open],
            assignee: holder,
            ..TaskFilter::default()
        };
        session.backend.runs.list_tasks(&open).await?
    };
    Ok(collect(
        &rules,
        &accounts,
        &tasks,
        session.app.clock.as_ref(),
    ))
}

/// Every deadline of `accounts` (by the rules) and of the open `tasks` with
/// a due date, as of `clock`'s now, earliest first.
pub fn collect(
    rules: &ShippedDeadlines,
    accounts: &[Account],
    tasks: &[Task],
    clock: &dyn Clock,
) -> CalendarDeadlines {
    let now = clock.now();
    let mut deadlines: Vec<Deadline> = accounts
        .iter()
        .flat_map(|account| {
            rules
                .for_account(account, now)
                .into_iter()
                .filter_map(move |d| of_account(account, d))
        })
        .chain(tasks.iter().filter_map(of_task))
        .collect();
    deadlines.sort_by(|a, b| (a.when.sort_key(), &a.id).cmp(&(b.when.sort_key(), &b.id)));
    CalendarDeadlines {
        as_of: now,
        deadlines,
    }
}

/// An account's deadline as the calendar shows it: by when the holder must
/// act (the day before the rule's transition takes effect).
fn of_account(account: &Account, deadline: AccountDeadline) -> Option<Deadline> {
    let (kind, when) = match deadline {
        AccountDeadline::CtpatDeactivation {
            last_sign_in,
            deactivates_on,
        } => (
            DeadlineKind::CtpatDeactivation {
                last_sign_in,
                deactivates_on,
            },
            DeadlineWhen::Day {
                last_day: deactivates_on.checked_sub_days(Days::new(1))?,
            },
        ),
        AccountDeadline::CtpatRelogin {
            reactivated_on,
            midnight,
        } => (
            DeadlineKind::CtpatRelogin { reactivated_on },
            DeadlineWhen::Instant { at: midnight },
        ),
        AccountDeadline::EcuapassAnnualUpdate {
            year,
            opens_on,
            closes_on,
        } => (
            DeadlineKind::EcuapassAnnualUpdate { year },
            DeadlineWhen::Window {
                first_day: opens_on,
                last_day: closes_on,
            },
        ),
        // Renewed by the day before it expires: on the day it no longer signs.
        AccountDeadline::CertificateExpiry { expires_on } => (
            DeadlineKind::CertificateExpiry { expires_on },
            DeadlineWhen::Day {
                last_day: expires_on.checked_sub_days(Days::new(1))?,
            },
        ),
        AccountDeadline::PasswordChange { changed_on, due_on } => (
            DeadlineKind::PasswordChange { changed_on },
            DeadlineWhen::Day { last_day: due_on },
        ),
    };
    Some(Deadline {
        id: identity(&kind, &account.key().to_string()),
        kind,
        when,
        sequence: account.revision,
        account: Some(DeadlineAccount::from(account)),
        task: None,
    })
}

/// An open task's due date; `None` for a task without one or not open.
fn of_task(task: &Task) -> Option<Deadline> {
    let at = task.due.filter(|_| task.status == TaskStatus::Open)?;
    let kind = DeadlineKind::TaskDue;
    Some(Deadline {
        id: identity(&kind, &task.id),
        kind,
        when: DeadlineWhen::Instant { at },
        sequence: 0,
        account: None,
        task: Some(DeadlineTask {
            id: task.id.clone(),
            title: task.title.clone(),
            assignee: task.assignee.clone(),
            workflow: task.workflow.clone(),
            run: task.run_id.clone(),
        }),
    })
}

/// `<slug>-<16 hex digits of SHA-256(subject)>`: stable, and shows nothing
/// of the subject (a calendar may be shared further than the inventory).
fn identity(kind: &DeadlineKind, subject: &str) -> String {
    let digest = Sha256::digest(subject.as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{hex}", kind.slug())
}

#[cfg(test)]
mod tests {
    use super::*;
    use garita_engine::account::{facts, AccountStatus, Company, Holder};
    use garita_engine::ManualClock;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn rules() -> ShippedDeadlines {
        ShippedDeadlines::new(
            ctpat_rule::CtpatRule::from_section(serde_json::Value::Null).unwrap(),
            garita_inventory::rules::PasswordChangeSettings::default(),
        )
    }

    fn account(portal: &str, id: &str, revision: u64) -> Account {
        let holder = Holder {
            name: "Ana Ruiz".into(),
            email: "ana@example.com".into(),
            ..Holder::default()
        };
        let company = Company {
            legal_name: "Andes & Sierra".into(),
            tax_id: "84-3190275".into(),
            ctpat_account_number: None,
        };
        let mut a = Account::new(portal, id, holder, company);
        a.revision = revision;
        a.created_at = at("2026-01-01T00:00:00Z");
        a
    }

    fn task(id: &str, due: Option<&str>, status: TaskStatus) -> Task {
        Task {
            id: id.into(),
            run_id: "R1".into(),
            step_id: "ask".into(),
            workflow: "ecuapass-annual-update".into(),
            title: "Confirmar".into(),
            body: String::new(),
            assignee: Some("ana@example.com".into()),
            due: due.map(at),
            fields: None,
            status,
            created_at: at("2026-12-01T00:00:00Z"),
            answer: None,
        }
    }

    #[test]
    fn every_kind_comes_with_its_exact_dates() {
        let clock = ManualClock::new(at("2026-12-05T12:00:00Z"));
        let mut ctpat = account("ctpat", "Ana@Example.com", 3);
        ctpat.last_sign_in = Some(day(2026, 11, 20));
        let mut reactivated = account("ctpat", "luis@example.com", 7);
        reactivated.last_sign_in = Some(day(2026, 9, 1));
        facts::set(&mut reactivated, facts::REACTIVATED_ON, day(2026, 12, 5));
        let ecuapass = account("ecuapass", "RZAMBRANO1", 2);
        let mut disabled = account("ecuapass", "LTOAPANTA", 9);
        disabled.status = AccountStatus::Disabled;
        let tasks = [
            task("R1.ask.1", Some("2026-12-12T13:00:00Z"), TaskStatus::Open),
            task("R1.ask.2", None, TaskStatus::Open),
            task(
                "R2.ask.1",
                Some("2026-12-12T13:00:00Z"),
                TaskStatus::Expired,
            ),
        ];
        let got = collect(
            &rules(),
            &[ctpat.clone(), reactivated, ecuapass, disabled],
            &tasks,
            &clock,
        );
        assert_eq!(got.as_of, at("2026-12-05T12:00:00Z"));
        let shown: Vec<(&str, DeadlineWhen, u64)> = got
            .deadlines
            .iter()
            .map(|d| (d.id.split('-').next().unwrap(), d.when, d.sequence))
            .collect();
        assert_eq!(
            shown,
            vec![
                // Reactivated on 5 December: sign in before New York's midnight.
                (
                    "ctpat",
                    DeadlineWhen::Instant {
                        at: at("2026-12-06T05:00:00Z")
                    },
                    7
                ),
                (
                    "task",
                    DeadlineWhen::Instant {
                        at: at("2026-12-12T13:00:00Z")
                    },
                    0
                ),
                // 20 November + 45 days is 4 January, the last good day.
                (
                    "ctpat",
                    DeadlineWhen::Day {
                        last_day: day(2027, 1, 4)
                    },
                    3
                ),
                (
                    "ecuapass",
                    DeadlineWhen::Window {
                        first_day: day(2027, 1, 1),
                        last_day: day(2027, 1, 31)
                    },
                    2
                ),
            ]
        );
        assert_eq!(
            got.deadlines[2].kind,
            DeadlineKind::CtpatDeactivation {
                last_sign_in: day(2026, 11, 20),
                deactivates_on: day(2027, 1, 5),
            }
        );
        assert_eq!(
            got.deadlines[0].kind,
            DeadlineKind::CtpatRelogin {
                reactivated_on: day(2026, 12, 5)
            }
        );
        assert!(got.deadlines[3]
            .id
            .starts_with("ecuapass-annual-update-2027-"));
        let task = got.deadlines[1].task.as_ref().unwrap();
        assert_eq!(task.id, "R1.ask.1");
        let shown_account = got.deadlines[2].account.as_ref().unwrap();
        assert_eq!(shown_account.key, "ctpat:ana@example.com");
    }

    #[test]
    fn certificates_and_passwords_are_due_by_the_holders_own_dates() {
        let clock = ManualClock::new(at("2026-12-05T12:00:00Z"));
        let mut anam = account("anam", "slozano.aab", 4);
        anam.certificate_expires_on = Some(day(2027, 3, 15));
        anam.password_changed_on = Some(day(2026, 11, 20));
        let mut gone = account("anam", "dparedes", 5);
        gone.status = AccountStatus::Offboarded;
        gone.certificate_expires_on = Some(day(2027, 3, 15));
        gone.password_changed_on = Some(day(2026, 11, 20));
        let got = collect(&rules(), &[anam, gone], &[], &clock);
        let shown: Vec<(&str, DeadlineWhen, u64)> = got
            .deadlines
            .iter()
            .map(|d| (d.id.split('-').next().unwrap(), d.when, d.sequence))
            .collect();
        assert_eq!(
            shown,
            vec![
                // 20 November + 90 days (the default interval).
                (
                    "password",
                    DeadlineWhen::Day {
                        last_day: day(2027, 2, 18)
                    },
                    4
                ),
                // Renewed by the day before it stops signing.
                (
                    "certificate",
                    DeadlineWhen::Day {
                        last_day: day(2027, 3, 14)
                    },
                    4
                ),
            ],
            "nothing for an offboarded holder"
        );
        assert_eq!(
            got.deadlines[0].kind,
            DeadlineKind::PasswordChange {
                changed_on: day(2026, 11, 20)
            }
        );
        assert_eq!(
            got.deadlines[1].kind,
            DeadlineKind::CertificateExpiry {
                expires_on: day(2027, 3, 15)
            }
        );
    }

    #[test]
    fn the_identity_stays_while_the_date_and_the_sequence_move() {
        let clock = ManualClock::new(at("2026-12-05T12:00:00Z"));
        let mut before = account("ctpat", "ana@example.com", 3);
        before.last_sign_in = Some(day(2026, 11, 20));
        let mut after = before.clone();
        after.last_sign_in = Some(day(2026, 12, 5));
        after.revision = 4;
        let one = collect(&rules(), &[before], &[], &clock).deadlines;
        let two = collect(&rules(), &[after], &[], &clock).deadlines;
        assert_eq!(one[0].id, two[0].id);
        assert_eq!(
            one[0].id,
            identity(
                &DeadlineKind::CtpatDeactivation {
                    last_sign_in: day(2026, 1, 1),
                    deactivates_on: day(2026, 1, 1)
                },
                "ctpat:ana@example.com"
            )
        );
        assert!(!one[0].id.contains("ana"), "{}", one[0].id);
        assert_eq!(
            two[0].when,
            DeadlineWhen::Day {
                last_day: day(2027, 1, 19)
            }
        );
        assert!(two[0].sequence > one[0].sequence);
        // Another account, another identity; the key is normalised first.
        let other = account("ctpat", "luis@example.com", 1);
        assert_ne!(
            identity(&DeadlineKind::TaskDue, &other.key().to_string()),
            identity(&DeadlineKind::TaskDue, "ctpat:ana@example.com")
        );
    }

    #[test]
    fn the_january_in_force_is_the_one_to_update_in() {
        let ecuapass = account("ecuapass", "RZAMBRANO1", 1);
        let in_january = ManualClock::new(at("2027-01-20T17:00:00Z"));
        let got = collect(&rules(), std::slice::from_ref(&ecuapass), &[], &in_january).deadlines;
        assert!(got[0].id.starts_with("ecuapass-annual-update-2027-"));
        let mut updated = ecuapass;
        facts::set(&mut updated, facts::ANNUAL_UPDATE_ON, day(2027, 1, 12));
        let got = collect(&rules(), &[updated], &[], &in_january).deadlines;
        assert_eq!(
            got[0].when,
            DeadlineWhen::Window {
                first_day: day(2028, 1, 1),
                last_day: day(2028, 1, 31)
            }
        );
        assert_eq!(
            got[0].kind,
            DeadlineKind::EcuapassAnnualUpdate { year: 2028 }
        );
    }
}
