//! What every [`AccountStore`] must do, as a suite each implementation runs
//! from its own tests (the in-memory store here, sled in `garita-store`, and
//! any later one): a second implementation that passes it keeps the promises
//! the commands rely on.

use chrono::{DateTime, Utc};

use super::{
    Account, AccountStatus, AccountStore, AccountUpdate, ChangeMeta, Company, Holder, UpsertOutcome,
};
use crate::StoreError;

fn meta(by: &str) -> ChangeMeta {
    ChangeMeta {
        by: by.into(),
        at: DateTime::<Utc>::from_timestamp(1_772_000_000, 0).unwrap_or_default(),
    }
}

fn account(email: &str) -> Account {
    Account::new(
        "ctpat",
        email,
        Holder {
            name: "Persona".into(),
            email: email.into(),
            employee_id: None,
            national_id: None,
        },
        Company {
            legal_name: "Exportadora Andina S.A.".into(),
            tax_id: "1790011674001".into(),
            ctpat_account_number: None,
        },
    )
}

fn update(account: Account, expected_revision: Option<u64>) -> AccountUpdate {
    AccountUpdate {
        account,
        reason: "conformance".into(),
        expected_revision,
    }
}

/// A write carries the revision its writer read: the store refuses it,
/// writing nothing of the batch, when the account moved on since; with the
/// current revision it writes. Panics (it is a test) on the first broken
/// promise, naming it.
pub async fn revision_checks(store: &dyn AccountStore) {
    let first = account("ana@example.com");
    let key = first.key();

    // 0 means "I read no account": it creates one.
    let created = store
        .upsert_accounts(&[update(first.clone(), Some(0))], &meta("hr"), None)
        .await
        .expect("creating with expected revision 0 succeeds");
    assert_eq!(created, [UpsertOutcome::Created]);
    let stored = store.account(&key).await.unwrap().expect("created");
    assert_eq!(stored.revision, 1);

    // Creating again "over nothing" now conflicts: someone created it.
    let mut again = first.clone();
    again.status = AccountStatus::AtRisk;
    let err = store
        .upsert_accounts(&[update(again, Some(0))], &meta("hr"), None)
        .await
        .expect_err("expected revision 0 over an existing account is refused");
    assert_eq!(
        err,
        StoreError::Conflict {
            what: format!("account {key}"),
            expected: 0,
            found: 1
        }
    );

    // Two writers read revision 1; the first lands, the second is refused.
    let mut signed_in = stored.clone();
    signed_in.last_sign_in = chrono::NaiveDate::from_ymd_opt(2026, 3, 1);
    let mut offboarded = stored.clone();
    offboarded.status = AccountStatus::Offboarded;
    store
        .upsert_accounts(&[update(signed_in, Some(1))], &meta("ana"), None)
        .await
        .expect("the first writer lands");
    let err = store
        .upsert_accounts(&[update(offboarded.clone(), Some(1))], &meta("hr"), None)
        .await
        .expect_err("the second writer, on a stale read, is refused");
    assert!(err.is_conflict(), "{err}");
    let now = store.account(&key).await.unwrap().expect("still there");
    assert_eq!(now.revision, 2, "the refused write wrote nothing");
    assert_eq!(now.status, AccountStatus::Active);
    assert!(
        now.last_sign_in.is_some(),
        "the first writer's change stays"
    );
    assert_eq!(store.account_history(&key).await.unwrap().len(), 2);

    // A batch with one stale write writes nothing at all.
    let other = account("luis@example.com");
    let err = store
        .upsert_accounts(
            &[update(other.clone(), Some(0)), update(offboarded, Some(1))],
            &meta("hr"),
            None,
        )
        .await
        .expect_err("a batch with a stale write is refused whole");
    assert!(err.is_conflict(), "{err}");
    assert!(
        store.account(&other.key()).await.unwrap().is_none(),
        "nothing of a refused batch is written"
    );

    // Re-read and re-applied, the change lands on top of the other one.
    let mut fresh = store.account(&key).await.unwrap().expect("there");
    fresh.status = AccountStatus::Offboarded;
    let outcome = store
        .upsert_accounts(&[update(fresh, Some(2))], &meta("hr"), None)
        .await
        .expect("a write over the current revision lands");
    assert_eq!(outcome, [UpsertOutcome::Updated]);
    let last = store.account(&key).await.unwrap().expect("there");
    assert_eq!(last.status, AccountStatus::Offboarded);
    assert!(last.last_sign_in.is_some(), "both changes are kept");
    assert_eq!(last.revision, 3);

    // No expected revision: written whatever is stored (tests, restores).
    let mut blind = last.clone();
    blind.status = AccountStatus::Active;
    store
        .upsert_accounts(&[update(blind, None)], &meta("hr"), None)
        .await
        .expect("a write without an expected revision is not checked");
}

/// Rule transitions apply exactly once each, in batch order: a write whose
/// account moved on is stale and writes nothing; the same key twice in one
/// batch is applied once; a second transition of the same account in the
/// batch sees the first's revision; an applied one changes the account (its
/// summary and the deactivation index with it), records its history and
/// queues its event, once. Panics (it is a test) on the first broken
/// promise, naming it.
pub async fn transition_checks(store: &dyn AccountStore) {
    use super::{AccountFilter, AccountSummary, TransitionKey};
    use super::{TransitionOutcome, TransitionWrite};
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 3, d).unwrap_or_default();
    let mut first = account("tr@example.com");
    first.deactivates_on = Some(day(5));
    let mut second = account("tr2@example.com");
    second.deactivates_on = Some(day(6));
    store
        .upsert_accounts(
            &[update(first.clone(), None), update(second.clone(), None)],
            &meta("import"),
            None,
        )
        .await
        .expect("import");
    let stored = store.account(&first.key()).await.unwrap().expect("stored");
    let other = store.account(&second.key()).await.unwrap().expect("stored");
    assert_eq!(
        store
            .accounts_deactivating_between(day(1), day(31))
            .await
            .unwrap()
            .len(),
        2,
        "both accounts are indexed before"
    );
    let key = |account: &Account, name: &str| TransitionKey {
        account: account.key(),
        name: name.into(),
        effective_on: day(5),
    };
    let write = |base: &Account, name: &str, revision: u64, status: AccountStatus| {
        let mut next = base.clone();
        next.status = status;
        TransitionWrite {
            key: key(base, name),
            expected_revision: revision,
            update: AccountUpdate {
                account: next,
                reason: format!("{name}, conformance"),
                expected_revision: None,
            },
            event: Some(super::NewEvent {
                name: name.into(),
                at: meta("x").at,
                data: serde_json::json!({"account": base.key().to_string()}),
            }),
        }
    };
    let deactivated = |base: &Account, revision| {
        write(
            base,
            "ctpat.deactivated",
            revision,
            AccountStatus::Deactivated,
        )
    };
    let stale = store
        .apply_transitions(&[deactivated(&stored, stored.revision + 1)], &meta("rule"))
        .await
        .expect("a stale batch is an answer, not an error");
    assert_eq!(stale, [TransitionOutcome::Stale], "a moved revision");
    assert!(!store
        .transition_applied(&key(&stored, "ctpat.deactivated"))
        .await
        .unwrap());
    assert!(
        store.pending_events(100).await.unwrap().is_empty(),
        "nothing queued"
    );

    let outcomes = store
        .apply_transitions(
            &[
                deactivated(&stored, stored.revision),
                deactivated(&stored, stored.revision),
                // The same account again, read before the first: stale now.
                write(
                    &stored,
                    "ctpat.at_risk",
                    stored.revision,
                    AccountStatus::AtRisk,
                ),
                deactivated(&other, other.revision),
            ],
            &meta("rule"),
        )
        .await
        .expect("apply");
    assert_eq!(
        outcomes,
        [
            TransitionOutcome::Applied,
            TransitionOutcome::AlreadyApplied,
            TransitionOutcome::Stale,
            TransitionOutcome::Applied,
        ],
        "in batch order"
    );
    let again = store
        .apply_transitions(&[deactivated(&stored, stored.revision + 1)], &meta("rule"))
        .await
        .expect("apply again");
    assert_eq!(again, [TransitionOutcome::AlreadyApplied], "exactly once");
    for (base, name) in [
        (&stored, "ctpat.deactivated"),
        (&other, "ctpat.deactivated"),
    ] {
        assert!(
            store.transition_applied(&key(base, name)).await.unwrap(),
            "{name}"
        );
        let now = store.account(&base.key()).await.unwrap().expect("kept");
        assert_eq!(now.status, AccountStatus::Deactivated);
        assert_eq!(now.revision, base.revision + 1, "written once");
        let history = store.account_history(&base.key()).await.unwrap();
        assert_eq!(
            history.last().map(|h| h.reason.as_str()),
            Some("ctpat.deactivated, conformance")
        );
        let summaries = store
            .account_summaries(&AccountFilter {
                holder: Some(base.holder.email.clone()),
                ..AccountFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(
            summaries,
            [AccountSummary::from(&now)],
            "its summary follows"
        );
    }
    assert!(!store
        .transition_applied(&key(&stored, "ctpat.at_risk"))
        .await
        .unwrap());
    assert!(
        store
            .accounts_deactivating_between(day(1), day(31))
            .await
            .unwrap()
            .is_empty(),
        "deactivated accounts leave the deactivation index"
    );
    let events = store.pending_events(100).await.unwrap();
    let names: Vec<&str> = events.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        ["ctpat.deactivated", "ctpat.deactivated"],
        "one event each"
    );
    assert!(events[0].id < events[1].id, "queued in batch order");
}

/// Writes [`varied_inventory`] to `store` as one import and returns it.
pub async fn import_varied_inventory(store: &dyn AccountStore) -> Vec<Account> {
    let inventory = varied_inventory();
    let updates: Vec<AccountUpdate> = inventory.iter().map(|a| update(a.clone(), None)).collect();
    store
        .upsert_accounts(&updates, &meta("import"), None)
        .await
        .expect("the inventory is written");
    inventory
}

/// A varied inventory for [`summaries_match_accounts`]: three portals,
/// every status, companies named and numbered differently, deactivation
/// dates (also on accounts that are no longer indexed), employee ids.
pub fn varied_inventory() -> Vec<Account> {
    let portals = ["ctpat", "ecuapass", "anam"];
    let companies = [
        ("Exportadora Andina S.A.", "1790011674001"),
        ("Transportes del Norte S.A. de C.V.", "TNO-010101-AB1"),
        ("Ñandú Logística Cía. Ltda.", "0992147350001"),
    ];
    let first = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default();
    (0..60)
        .map(|i: usize| {
            let (legal_name, tax_id) = companies[i % companies.len()];
            let email = format!("persona{i}@empresa{}.example.com", i % 4);
            let mut account = Account::new(
                portals[i % portals.len()],
                &format!("Usuario{i:02}"),
                Holder {
                    name: format!("Persona {i}"),
                    email: email.clone(),
                    employee_id: (i % 2 == 0).then(|| format!("E-{i}")),
                    national_id: None,
                },
                Company {
                    legal_name: legal_name.into(),
                    tax_id: tax_id.into(),
                    ctpat_account_number: None,
                },
            );
            account.status = AccountStatus::ALL[i % AccountStatus::ALL.len()];
            account.last_sign_in = Some(first + chrono::Days::new((i % 9) as u64));
            account.deactivates_on =
                (i % 7 != 0).then(|| first + chrono::Days::new((46 + i % 11) as u64));
            account.role = Some("agente".into());
            account
                .attributes
                .insert("sede".into(), format!("Sede {}", i % 3));
            account
        })
        .collect()
}

/// [`AccountStore::account_summaries`] answers exactly what
/// [`AccountStore::list_accounts`] does, in the same order, for every kind of
/// filter, before and after accounts change (the deactivation index moves).
pub async fn summaries_match_accounts(store: &dyn AccountStore) {
    use super::AccountFilter;

    let inventory = import_varied_inventory(store).await;
    let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 4, d).unwrap_or_default();
    let filters = [
        AccountFilter::default(),
        AccountFilter {
            portal: Some("CTPAT".into()),
            ..AccountFilter::default()
        },
        AccountFilter {
            statuses: vec![AccountStatus::AtRisk, AccountStatus::Active],
            ..AccountFilter::default()
        },
        AccountFilter {
            company: Some("del norte".into()),
            ..AccountFilter::default()
        },
        AccountFilter {
            company: Some("0992147350001".into()),
            portal: Some("anam".into()),
            ..AccountFilter::default()
        },
        AccountFilter {
            holder: Some("E-4".into()),
            ..AccountFilter::default()
        },
        AccountFilter {
            holder: Some("PERSONA7@empresa3.example.com".into()),
            portal: Some("ecuapass".into()),
            ..AccountFilter::default()
        },
        AccountFilter {
            company: Some("tno010101ab1".into()),
            statuses: vec![AccountStatus::Deactivated, AccountStatus::Offboarded],
            ..AccountFilter::default()
        },
        AccountFilter {
            deactivating_between: Some((day(16), day(20))),
            ..AccountFilter::default()
        },
        AccountFilter {
            deactivating_between: Some((day(1), day(30))),
            statuses: vec![AccountStatus::AtRisk],
            ..AccountFilter::default()
        },
    ];
    check_summaries(store, &filters, inventory.len(), "as imported").await;

    // Changes move accounts in and out of the index and the filters.
    let mut changed = Vec::new();
    for account in inventory.iter().step_by(5) {
        let mut stored = store
            .account(&account.key())
            .await
            .expect("read")
            .expect("there");
        stored.status = if stored.status == AccountStatus::Deactivated {
            AccountStatus::Active
        } else {
            AccountStatus::Deactivated
        };
        stored.deactivates_on = stored.deactivates_on.map(|d| d + chrono::Days::new(1));
        stored.holder.name = format!("{} (cambiado)", stored.holder.name);
        changed.push(update(stored, None));
    }
    store
        .upsert_accounts(&changed, &meta("hr"), None)
        .await
        .expect("the changes are written");
    check_summaries(store, &filters, inventory.len(), "after changes").await;
}

/// [`AccountStore::list_accounts_page`]: pages of any size, each from the
/// last key of the one before, give every account `filter` matches exactly
/// once, in key order; a cursor from another portal starts at (or past) the
/// filtered portal's accounts.
async fn check_pages(store: &dyn AccountStore, filter: &super::AccountFilter, round: &str) {
    let by_key = super::AccountFilter {
        deactivating_between: None,
        ..filter.clone()
    };
    let mut expected: Vec<super::AccountKey> = store
        .list_accounts(&by_key)
        .await
        .expect("list")
        .iter()
        .filter(|a| filter.matches(a))
        .map(Account::key)
        .collect();
    expected.sort();
    for size in [1, 7, 1_000] {
        let mut seen = Vec::new();
        let mut after: Option<super::AccountKey> = None;
        loop {
            let page = store
                .list_accounts_page(filter, after.as_ref(), size)
                .await
                .expect("a page");
            assert!(
                page.len() <= size,
                "{round}: {filter:?}: a page of {size} held {}",
                page.len()
            );
            seen.extend(page.iter().map(Account::key));
            match page.last() {
                Some(last) if page.len() == size => after = Some(last.key()),
                _ => break,
            }
            assert!(
                seen.len() <= expected.len() + size,
                "{round}: {filter:?}: pages never end"
            );
        }
        assert_eq!(seen, expected, "{round}: {filter:?}, pages of {size}");
    }
    if filter.portal.as_deref() == Some("CTPAT") {
        let before = super::AccountKey::new("anam", "zzz");
        let from_before = store
            .list_accounts_page(filter, Some(&before), 3)
            .await
            .expect("a page");
        let first: Vec<super::AccountKey> = from_before.iter().map(Account::key).collect();
        assert_eq!(
            first,
            expected[..expected.len().min(3)],
            "{round}: a cursor of an earlier portal"
        );
        let past = super::AccountKey::new("zzz", "a");
        assert!(store
            .list_accounts_page(filter, Some(&past), 3)
            .await
            .expect("a page")
            .is_empty());
    }
}

async fn check_summaries(
    store: &dyn AccountStore,
    filters: &[super::AccountFilter],
    at_least: usize,
    round: &str,
) {
    let everything = store
        .list_accounts(&super::AccountFilter::default())
        .await
        .expect("list all");
    for filter in filters {
        let accounts = store.list_accounts(filter).await.expect("list");
        // However the store selects (a scan, an index, its compact rows),
        // it selects exactly the accounts the filter matches.
        let mut selected: Vec<super::AccountKey> = accounts.iter().map(Account::key).collect();
        selected.sort();
        let mut matching: Vec<super::AccountKey> = everything
            .iter()
            .filter(|a| filter.matches(a))
            .map(Account::key)
            .collect();
        matching.sort();
        assert_eq!(
            selected, matching,
            "{round}: {filter:?}: the accounts listed"
        );
        let summaries = store.account_summaries(filter).await.expect("summaries");
        let expected: Vec<super::AccountSummary> =
            accounts.iter().map(super::AccountSummary::from).collect();
        assert_eq!(summaries, expected, "{round}: {filter:?}");
        assert!(
            summaries.iter().all(|s| filter.matches_summary(s)),
            "{round}: {filter:?}"
        );
        check_pages(store, filter, round).await;
        for search in [
            None,
            Some("persona 1"),
            Some(" E-4"),
            Some("CTPAT:"),
            Some("ñandú"),
        ] {
            for (offset, limit) in [(0, 1_000), (3, 7), (10_000, 5)] {
                let page = store
                    .account_summary_page(filter, search, offset, limit)
                    .await
                    .expect("a page");
                let expected = super::SummaryPage::cut(summaries.clone(), search, offset, limit);
                assert_eq!(
                    page, expected,
                    "{round}: {filter:?}, {search:?} from {offset}"
                );
            }
        }
    }
    let all = store
        .account_summaries(&super::AccountFilter::default())
        .await
        .expect("all");
    for from in ["2026-01-01", "2026-04-18", "2030-01-01"] {
        let from: chrono::NaiveDate = from.parse().expect("a date");
        for next in [0, 3, 100] {
            let overview = store.account_overview(from, next).await.expect("overview");
            assert_eq!(
                overview,
                super::AccountOverview::of(&all, from, next),
                "{round}: overview from {from}, next {next}"
            );
        }
    }
    let all = store
        .account_summaries(&super::AccountFilter::default())
        .await
        .expect("all");
    assert!(
        all.len() >= at_least,
        "{round}: every account is summarised"
    );
}
