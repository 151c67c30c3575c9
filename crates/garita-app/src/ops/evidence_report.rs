//! The figures of an evidence pack's report (`report.json`, drawn as
//! `index.html` by `evidence_html`): per company and portal, what the
//! period's audit entries show about the accounts — who holds them, sign-ins
//! made before the portal's deactivation date, deactivations and
//! reactivations, password changes, certificate renewals, leavers and the
//! days until their access was confirmed removed, access reviews and what is
//! still open at the end of the period.
//!
//! Everything is computed from the entries alone (the lines of
//! `entries.jsonl`), so `garita evidence verify` recomputes the report from
//! the entries the proofs cover and names any figure edited afterwards.
//! Days are business days of the entries (`at`, the `--now` of a rehearsal
//! or the real time), never the time of writing.
//!
//! The population is every account in the inventory during the period:
//! those with entries in it, and those added before it. An account added
//! before the period starts from its state then — company, holder, status,
//! deactivation date, an offboarding not yet confirmed — read from the
//! *context* entries (`context.jsonl`): for each account, the last entry
//! before the period that set each of those fields ([`CONTEXT_FIELDS`]).
//! They are entries of the same signed log, proven in it like the period's,
//! and counted in no figure: they only say where each account stood, so an
//! account that did nothing all period is still counted (and reported if it
//! was left deactivated or a leaver's access was never confirmed removed).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use garita_engine::account::Locale;
use garita_engine::audit::AuditEntry;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `report.json`'s format name.
pub const REPORT_FORMAT: &str = "garita-evidence-report-v1";

/// Workflows whose successful runs are access reviews.
const REVIEW_WORKFLOWS: [&str; 4] = [
    "ctpat-email-list-review",
    "access-review-ctpat",
    "access-review-ecuapass",
    "access-review-anam",
];

/// The account fields whose value at the period's start the context
/// entries carry.
pub const CONTEXT_FIELDS: [&str; 6] = [
    "company.legal_name",
    "holder.email",
    "holder.name",
    "status",
    "deactivates_on",
    "attributes.evidence_on",
];

/// How an account entry is folded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fold {
    /// Added in the period: its fields are its state when added.
    Created,
    /// Changed in the period: the changes are events of the period.
    Changed,
    /// Before the period: state only, counted in nothing.
    Context,
}

/// The most months a chart shows (the last ones of the period).
const MAX_MONTHS: usize = 36;

/// `report.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EvidenceReport {
    /// [`REPORT_FORMAT`].
    pub format: String,
    /// The language of `index.html` and of the CSV's descriptions.
    pub lang: Locale,
    /// The period (as in `proofs.json`).
    pub from: String,
    /// The period's end (excluded).
    pub to: String,
    /// Entries the report is computed from.
    pub entries: u64,
    /// Seq of the first.
    pub first_seq: u64,
    /// One group per company and portal, by company then portal.
    pub groups: Vec<GroupReport>,
    /// Access reviews (the quarterly reviews per portal and the CTPAT
    /// enabled-email review) in the period.
    pub access_reviews: AccessReviews,
    /// Tasks opened in the period and neither answered, expired nor
    /// cancelled by its end.
    pub open_tasks: Vec<OpenTask>,
}

/// The figures of one company on one portal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GroupReport {
    /// The company's legal name; empty when no entry of the period names it.
    pub company: String,
    /// The portal (`ctpat`, `ecuapass`, `anam`, ...).
    pub portal: String,
    /// Accounts in the inventory in the period: with an entry in it, or
    /// added before it (known from the context entries).
    pub accounts: u64,
    /// Distinct holders (by email, else by name) named in the period.
    pub holders: u64,
    /// Accounts added in the period.
    pub added: u64,
    /// Sign-ins recorded.
    pub sign_ins: u64,
    /// Of those, made before the account's deactivation date and while it
    /// was not deactivated.
    pub sign_ins_on_time: u64,
    /// Deactivations (for inactivity, by the portal).
    pub deactivations: u64,
    /// Reactivations after a deactivation.
    pub reactivations: u64,
    /// Password changes recorded.
    pub password_changes: u64,
    /// Signing certificates renewed (a later expiry recorded over an
    /// earlier one).
    pub certificate_renewals: u64,
    /// Accounts whose holder left (offboarded) in the period.
    pub leavers: u64,
    /// Each leaver's account: when it was offboarded and when its removal
    /// was confirmed.
    pub removals: Vec<Removal>,
    /// What is still open at the end of the period, by account.
    pub open_findings: Vec<Finding>,
    /// Activity per month (business time).
    pub months: Vec<MonthFigures>,
}

/// A leaver's account and how long its removal took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Removal {
    /// `portal:identifier`.
    pub account: String,
    /// The day it was offboarded.
    pub offboarded_on: NaiveDate,
    /// The date of the evidence that the access was removed, if recorded.
    pub removed_on: Option<NaiveDate>,
    /// Days from offboarding to removal.
    pub days: Option<i64>,
}

/// Something an auditor would ask about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Finding {
    /// `portal:identifier`.
    pub account: String,
    /// `removal_unconfirmed`, `deactivated` or `disabled`.
    pub kind: String,
    /// Since when (business day of the entry that opened it).
    pub since: NaiveDate,
}

/// A month's activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MonthFigures {
    /// `YYYY-MM`.
    pub month: String,
    /// Sign-ins recorded that month.
    pub sign_ins: u64,
    /// Password changes recorded that month.
    pub password_changes: u64,
    /// Deactivations that month.
    pub deactivations: u64,
}

/// Access reviews.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AccessReviews {
    /// Review runs started.
    pub started: u64,
    /// Review runs that ended successfully.
    pub completed: u64,
    /// The days reviews ended.
    pub completed_on: Vec<NaiveDate>,
}

/// A task still open at the end of the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OpenTask {
    /// The task's id.
    pub task: String,
    /// Its title.
    pub title: String,
    /// When it was opened.
    pub opened_on: NaiveDate,
}

/// What the entries say of one account, folded in seq order.
#[derive(Default)]
struct AccountState {
    company: Option<String>,
    holder: Option<String>,
    deactivated: bool,
    deactivates_on: Option<NaiveDate>,
    /// The day of a reactivation not yet followed by a sign-in: CTPAT
    /// deactivates again at midnight unless the holder signs in that day.
    reactivated_on: Option<NaiveDate>,
    /// The day of the open offboarding, until removal evidence.
    offboarded_on: Option<NaiveDate>,
    status_since: Option<(String, NaiveDate)>,
    removals: Vec<Removal>,
}

#[derive(Default)]
struct Counts {
    added: u64,
    sign_ins: u64,
    sign_ins_on_time: u64,
    deactivations: u64,
    reactivations: u64,
    password_changes: u64,
    certificate_renewals: u64,
    leavers: u64,
    months: BTreeMap<String, [u64; 3]>,
}

fn day(at: &DateTime<Utc>) -> NaiveDate {
    at.date_naive()
}

fn date_of(v: &Value) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(v.as_str()?, "%Y-%m-%d").ok()
}

fn text_of(v: &Value) -> Option<String> {
    v.as_str()
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned)
}

/// The report of `entries` (in seq order) for the period `from`..`to`,
/// each account starting from its state in `context` (entries before the
/// period, in seq order).
pub fn compute(
    entries: &[AuditEntry],
    context: &[AuditEntry],
    lang: Locale,
    from: &str,
    to: &str,
) -> EvidenceReport {
    let mut accounts: BTreeMap<String, (AccountState, Counts)> = BTreeMap::new();
    for entry in context {
        if entry.kind == "account.created" || entry.kind == "account.changed" {
            let (state, counts) = accounts.entry(entry.subject.clone()).or_default();
            fold_account(entry, Fold::Context, state, counts);
        }
    }
    let mut reviews = AccessReviews {
        started: 0,
        completed: 0,
        completed_on: Vec::new(),
    };
    let mut tasks: BTreeMap<String, OpenTask> = BTreeMap::new();
    for entry in entries {
        match entry.kind.as_str() {
            "account.created" | "account.changed" => {
                let (state, counts) = accounts.entry(entry.subject.clone()).or_default();
                let fold = if entry.kind == "account.created" {
                    Fold::Created
                } else {
                    Fold::Changed
                };
                fold_account(entry, fold, state, counts);
            }
            "run.event" => {
                let s = &entry.summary;
                let review = s
                    .get("workflow")
                    .and_then(Value::as_str)
                    .is_some_and(|w| REVIEW_WORKFLOWS.contains(&w));
                match s.get("event").and_then(Value::as_str) {
                    Some("run_created") if review => reviews.started += 1,
                    Some("run_succeeded") if review => {
                        reviews.completed += 1;
                        reviews.completed_on.push(day(&entry.at));
                    }
                    _ => {}
                }
            }
            "task.opened" => {
                let title = entry
                    .summary
                    .get("title")
                    .and_then(text_of)
                    .unwrap_or_default();
                tasks.insert(
                    entry.subject.clone(),
                    OpenTask {
                        task: entry.subject.clone(),
                        title,
                        opened_on: day(&entry.at),
                    },
                );
            }
            "task.answered" | "task.expired" | "task.cancelled" => {
                tasks.remove(&entry.subject);
            }
            _ => {}
        }
    }
    let mut groups: BTreeMap<(String, String), (GroupReport, BTreeSet<String>)> = BTreeMap::new();
    for (key, (state, counts)) in accounts {
        let portal = key.split_once(':').map(|(p, _)| p).unwrap_or("").to_owned();
        let company = state.company.clone().unwrap_or_default();
        let (group, holders) = groups
            .entry((company.clone(), portal.clone()))
            .or_insert_with(|| (empty_group(company, portal), BTreeSet::new()));
        group.accounts += 1;
        holders.extend(state.holder.clone());
        group.added += counts.added;
        group.sign_ins += counts.sign_ins;
        group.sign_ins_on_time += counts.sign_ins_on_time;
        group.deactivations += counts.deactivations;
        group.reactivations += counts.reactivations;
        group.password_changes += counts.password_changes;
        group.certificate_renewals += counts.certificate_renewals;
        group.leavers += counts.leavers;
        group.removals.extend(state.removals.iter().cloned());
        if let Some(since) = state.offboarded_on {
            group.removals.push(Removal {
                account: key.clone(),
                offboarded_on: since,
                removed_on: None,
                days: None,
            });
            group.open_findings.push(Finding {
                account: key.clone(),
                kind: "removal_unconfirmed".into(),
                since,
            });
        }
        if let Some((status, since)) = &state.status_since {
            if status == "deactivated" || status == "disabled" {
                group.open_findings.push(Finding {
                    account: key.clone(),
                    kind: status.clone(),
                    since: *since,
                });
            }
        }
        for (month, [s, p, d]) in counts.months {
            match group.months.iter_mut().find(|m| m.month == month) {
                Some(m) => {
                    m.sign_ins += s;
                    m.password_changes += p;
                    m.deactivations += d;
                }
                None => group.months.push(MonthFigures {
                    month,
                    sign_ins: s,
                    password_changes: p,
                    deactivations: d,
                }),
            }
        }
    }
    let groups = groups
        .into_values()
        .map(|(mut group, holders)| {
            group.holders = holders.len() as u64;
            group.months = months_filled(std::mem::take(&mut group.months));
            group
                .removals
                .sort_by(|a, b| (a.offboarded_on, &a.account).cmp(&(b.offboarded_on, &b.account)));
            group.open_findings.sort_by(|a, b| {
                (a.since, &a.account, &a.kind).cmp(&(b.since, &b.account, &b.kind))
            });
            group
        })
        .collect();
    let mut open_tasks: Vec<OpenTask> = tasks.into_values().collect();
    open_tasks.sort_by(|a, b| (a.opened_on, &a.task).cmp(&(b.opened_on, &b.task)));
    EvidenceReport {
        format: REPORT_FORMAT.into(),
        lang,
        from: from.to_owned(),
        to: to.to_owned(),
        entries: entries.len() as u64,
        first_seq: entries.first().map(|e| e.seq).unwrap_or(0),
        groups,
        access_reviews: reviews,
        open_tasks,
    }
}

fn empty_group(company: String, portal: String) -> GroupReport {
    GroupReport {
        company,
        portal,
        accounts: 0,
        holders: 0,
        added: 0,
        sign_ins: 0,
        sign_ins_on_time: 0,
        deactivations: 0,
        reactivations: 0,
        password_changes: 0,
        certificate_renewals: 0,
        leavers: 0,
        removals: Vec::new(),
        open_findings: Vec::new(),
        months: Vec::new(),
    }
}

/// Every month from the first to the last with activity (the last
/// [`MAX_MONTHS`] of them), the quiet ones as zeros, so a chart's gaps show.
fn months_filled(mut months: Vec<MonthFigures>) -> Vec<MonthFigures> {
    months.sort_by(|a, b| a.month.cmp(&b.month));
    let parse = |m: &str| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok();
    let (Some(first), Some(last)) = (
        months.first().and_then(|m| parse(&m.month)),
        months.last().and_then(|m| parse(&m.month)),
    ) else {
        return months;
    };
    let mut filled = Vec::new();
    let mut at = first;
    while at <= last {
        let name = at.format("%Y-%m").to_string();
        filled.push(
            months
                .iter()
                .find(|m| m.month == name)
                .cloned()
                .unwrap_or(MonthFigures {
                    month: name,
                    sign_ins: 0,
                    password_changes: 0,
                    deactivations: 0,
                }),
        );
        match at.checked_add_months(chrono::Months::new(1)) {
            Some(next) => at = next,
            None => break,
        }
    }
    let skip = filled.len().saturating_sub(MAX_MONTHS);
    filled.split_off(skip)
}

fn fold_account(entry: &AuditEntry, fold: Fold, state: &mut AccountState, counts: &mut Counts) {
    let on = day(&entry.at);
    let month = on.format("%Y-%m").to_string();
    // A new account's fields are its state when added (a sign-in or a
    // password change from before it was recorded), not events of the period.
    let created = fold == Fold::Created;
    if created {
        counts.added += 1;
    }
    if fold == Fold::Context {
        fold_context(entry, on, state);
        return;
    }
    let changes = entry
        .summary
        .get("changes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let field = |c: &Value| c.get("field").and_then(Value::as_str).map(str::to_owned);
    let null = Value::Null;
    // The deactivation date before this entry: a sign-in is on time when it
    // comes before it.
    let deadline = state.deactivates_on;
    for change in &changes {
        let (old, new) = (
            change.get("old").unwrap_or(&null),
            change.get("new").unwrap_or(&null),
        );
        match field(change).as_deref() {
            Some("company.legal_name") => state.company = text_of(new).or(state.company.take()),
            Some("holder.email") => state.holder = text_of(new).or(state.holder.take()),
            Some("holder.name") if state.holder.is_none() => state.holder = text_of(new),
            Some("deactivates_on") => state.deactivates_on = date_of(new),
            Some("status") if created => {
                let new = new.as_str().unwrap_or("");
                state.deactivated = new == "deactivated";
                state.status_since = Some((new.to_owned(), on));
            }
            Some(_) if created => {}
            Some("last_sign_in") => {
                counts.sign_ins += 1;
                counts.months.entry(month.clone()).or_default()[0] += 1;
                let signed = date_of(new);
                let on_time = !state.deactivated
                    && match (signed, state.reactivated_on.take(), deadline) {
                        (Some(s), Some(r), _) => s == r,
                        (Some(s), None, Some(d)) => s < d,
                        (Some(_), None, None) => true,
                        (None, _, _) => false,
                    };
                if on_time {
                    counts.sign_ins_on_time += 1;
                }
            }
            Some("password_changed_on") if !new.is_null() => {
                counts.password_changes += 1;
                counts.months.entry(month.clone()).or_default()[1] += 1;
            }
            Some("certificate_expires_on") => {
                if let (Some(o), Some(n)) = (date_of(old), date_of(new)) {
                    if n > o {
                        counts.certificate_renewals += 1;
                    }
                }
            }
            Some("attributes.evidence_on") => {
                if let (Some(since), Some(removed)) = (state.offboarded_on, date_of(new)) {
                    state.removals.push(Removal {
                        account: entry.subject.clone(),
                        offboarded_on: since,
                        removed_on: Some(removed),
                        days: Some((removed - since).num_days()),
                    });
                    state.offboarded_on = None;
                }
            }
            Some("status") => {
                let (old, new) = (old.as_str().unwrap_or(""), new.as_str().unwrap_or(""));
                match new {
                    "deactivated" => {
                        counts.deactivations += 1;
                        counts.months.entry(month.clone()).or_default()[2] += 1;
                    }
                    "active" | "at_risk" if old == "deactivated" => {
                        counts.reactivations += 1;
                        state.reactivated_on = Some(on);
                    }
                    "offboarded" if old != "offboarded" => {
                        counts.leavers += 1;
                        state.offboarded_on = Some(on);
                    }
                    _ => {}
                }
                state.deactivated = new == "deactivated";
                state.status_since = Some((new.to_owned(), on));
            }
            _ => {}
        }
    }
}

/// An entry from before the period: where the account stood, no event.
fn fold_context(entry: &AuditEntry, on: NaiveDate, state: &mut AccountState) {
    let changes = entry
        .summary
        .get("changes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let null = Value::Null;
    for change in &changes {
        let new = change.get("new").unwrap_or(&null);
        match change.get("field").and_then(Value::as_str) {
            Some("company.legal_name") => state.company = text_of(new).or(state.company.take()),
            Some("holder.email") => state.holder = text_of(new).or(state.holder.take()),
            Some("holder.name") if state.holder.is_none() => state.holder = text_of(new),
            Some("deactivates_on") => state.deactivates_on = date_of(new),
            Some("status") => {
                let new = new.as_str().unwrap_or("");
                state.deactivated = new == "deactivated";
                state.status_since = Some((new.to_owned(), on));
                state.offboarded_on = match new {
                    "offboarded" => state.offboarded_on.or(Some(on)),
                    _ => None,
                };
            }
            // The removal of an earlier leaver's access was confirmed.
            Some("attributes.evidence_on") if date_of(new).is_some() => {
                state.offboarded_on = None;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn entry(seq: u64, at: &str, kind: &str, subject: &str, changes: Value) -> AuditEntry {
        AuditEntry {
            seq,
            at: DateTime::parse_from_rfc3339(at)
                .unwrap()
                .with_timezone(&Utc),
            kind: kind.into(),
            subject: subject.into(),
            actor: Some("oficial@imp.example".into()),
            summary: json!({ "changes": changes }),
            recorded_at: None,
            pinned_at: None,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn change(field: &str, old: Value, new: Value) -> Value {
        json!({"field": field, "old": old, "new": new})
    }

    #[test]
    fn a_leaver_late_sign_in_and_renewal_are_counted_per_company_and_portal() {
        let m = "ctpat:maria@imp.example";
        let entries = vec![
            entry(
                1,
                "2026-01-05T15:00:00Z",
                "account.created",
                m,
                json!([
                    change(
                        "company.legal_name",
                        json!(null),
                        json!("Importadora Norte S.A.")
                    ),
                    change("holder.email", json!(null), json!("maria@imp.example")),
                    change("deactivates_on", json!(null), json!("2026-02-20")),
                    change("certificate_expires_on", json!(null), json!("2026-06-30")),
                ]),
            ),
            entry(
                2,
                "2026-02-01T15:00:00Z",
                "account.changed",
                m,
                json!([
                    change("deactivates_on", json!("2026-02-20"), json!("2026-03-19")),
                    change("last_sign_in", json!("2026-01-05"), json!("2026-02-01")),
                ]),
            ),
            // Signed in on the deactivation day: late.
            entry(
                3,
                "2026-03-19T15:00:00Z",
                "account.changed",
                m,
                json!([
                    change("deactivates_on", json!("2026-03-19"), json!("2026-05-04")),
                    change("last_sign_in", json!("2026-02-01"), json!("2026-03-19")),
                ]),
            ),
            entry(
                4,
                "2026-04-01T15:00:00Z",
                "account.changed",
                m,
                json!([change("status", json!("active"), json!("deactivated")),]),
            ),
            entry(
                5,
                "2026-04-03T15:00:00Z",
                "account.changed",
                m,
                json!([change("status", json!("deactivated"), json!("active")),]),
            ),
            // Reactivated, and signed in that same day: on time, though the
            // old deactivation date is long past.
            entry(
                5,
                "2026-04-03T16:00:00Z",
                "account.changed",
                m,
                json!([change(
                    "last_sign_in",
                    json!("2026-03-19"),
                    json!("2026-04-03")
                )]),
            ),
            entry(
                6,
                "2026-05-03T15:00:00Z",
                "account.changed",
                m,
                json!([
                    change(
                        "certificate_expires_on",
                        json!("2026-06-30"),
                        json!("2027-06-30")
                    ),
                    change("password_changed_on", json!(null), json!("2026-05-03")),
                ]),
            ),
            entry(
                7,
                "2026-06-03T15:00:00Z",
                "account.changed",
                m,
                json!([change("status", json!("active"), json!("offboarded")),]),
            ),
            entry(
                8,
                "2026-06-10T15:00:00Z",
                "account.changed",
                m,
                json!([change(
                    "attributes.evidence_on",
                    json!(null),
                    json!("2026-06-08")
                ),]),
            ),
            // Added before the period: no company named.
            entry(
                9,
                "2026-06-11T15:00:00Z",
                "account.changed",
                "ecuapass:LPEREZ",
                json!([change("status", json!("active"), json!("disabled")),]),
            ),
        ];
        let report = compute(&entries, &[], Locale::Es, "a", "b");
        assert_eq!(report.groups.len(), 2);
        let unnamed = &report.groups[0];
        assert_eq!(
            (unnamed.company.as_str(), unnamed.portal.as_str()),
            ("", "ecuapass")
        );
        assert_eq!(unnamed.open_findings[0].kind, "disabled");
        let g = &report.groups[1];
        assert_eq!(g.company, "Importadora Norte S.A.");
        assert_eq!((g.accounts, g.holders, g.added), (1, 1, 1));
        assert_eq!((g.sign_ins, g.sign_ins_on_time), (3, 2));
        assert_eq!((g.deactivations, g.reactivations), (1, 1));
        assert_eq!((g.password_changes, g.certificate_renewals), (1, 1));
        assert_eq!(g.leavers, 1);
        assert_eq!(g.removals[0].days, Some(5));
        assert!(g.open_findings.is_empty(), "{:?}", g.open_findings);
        let months: Vec<&str> = g.months.iter().map(|m| m.month.as_str()).collect();
        assert_eq!(months, ["2026-02", "2026-03", "2026-04", "2026-05"]);
    }

    #[test]
    fn a_leaver_without_removal_evidence_is_an_open_finding() {
        let entries = vec![entry(
            1,
            "2026-06-03T15:00:00Z",
            "account.changed",
            "anam:LUIS",
            json!([change("status", json!("active"), json!("offboarded")),]),
        )];
        let g = &compute(&entries, &[], Locale::En, "a", "b").groups[0];
        assert_eq!(g.open_findings[0].kind, "removal_unconfirmed");
        assert_eq!(g.removals[0].removed_on, None);
    }

    #[test]
    fn accounts_added_before_the_period_count_under_their_company() {
        let (a, b) = ("ctpat:ana@imp.example", "ctpat:beto@imp.example");
        let company = |who: &str| {
            json!([
                change(
                    "company.legal_name",
                    json!(null),
                    json!("Importadora Norte S.A.")
                ),
                change("holder.email", json!(null), json!(who)),
                change("deactivates_on", json!(null), json!("2026-02-14")),
            ])
        };
        let context = vec![
            entry(
                1,
                "2025-12-31T15:00:00Z",
                "account.created",
                a,
                company("ana@imp.example"),
            ),
            entry(
                2,
                "2025-12-31T15:00:00Z",
                "account.created",
                b,
                company("beto@imp.example"),
            ),
            entry(
                7,
                "2025-12-20T15:00:00Z",
                "account.changed",
                b,
                json!([change("status", json!("active"), json!("deactivated"))]),
            ),
        ];
        // Ana signs in before her deactivation date; Beto does nothing.
        let entries = vec![entry(
            9,
            "2026-02-01T15:00:00Z",
            "account.changed",
            a,
            json!([change(
                "last_sign_in",
                json!("2025-12-31"),
                json!("2026-02-01")
            )]),
        )];
        let report = compute(&entries, &context, Locale::Es, "a", "b");
        assert_eq!(report.groups.len(), 1, "{:?}", report.groups);
        let g = &report.groups[0];
        assert_eq!(g.company, "Importadora Norte S.A.");
        assert_eq!((g.accounts, g.holders, g.added), (2, 2, 0));
        assert_eq!((g.sign_ins, g.sign_ins_on_time), (1, 1));
        assert_eq!(
            g.deactivations, 0,
            "a context entry is no event of the period"
        );
        assert_eq!(g.open_findings.len(), 1);
        assert_eq!(g.open_findings[0].account, b);
        assert_eq!(g.open_findings[0].since.to_string(), "2025-12-20");
    }
}
