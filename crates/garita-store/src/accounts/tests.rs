//! Tests of [`SledStore`] through the engine's `AccountStore` trait.

use chrono::{DateTime, NaiveDate, Utc};
use garita_engine::account::{
    Account, AccountFilter, AccountStatus, AccountStore, AccountSummary, AccountUpdate, ChangeMeta,
    Company, Holder, NewEvent, UpsertOutcome, ACCOUNT_OFFBOARDED,
};
use serde_json::json;

use crate::{SledStore, StoreOptions};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
}

fn meta(by: &str) -> ChangeMeta {
    ChangeMeta {
        by: by.into(),
        at: DateTime::<Utc>::from_timestamp(1_772_000_000, 0).unwrap(),
    }
}

fn ctpat(email: &str, deactivates: Option<u32>) -> AccountUpdate {
    let mut account = Account::new(
        "ctpat",
        email,
        Holder {
            name: "Persona".into(),
            email: email.into(),
            employee_id: Some(format!("E-{email}")),
            national_id: None,
        },
        Company {
            legal_name: "Exportadora Andina S.A.".into(),
            tax_id: "1790011674001".into(),
            ctpat_account_number: Some("12345678".into()),
        },
    );
    account.deactivates_on = deactivates.map(day);
    AccountUpdate {
        account,
        reason: "test".into(),
        expected_revision: None,
    }
}

fn open(dir: &std::path::Path) -> SledStore {
    SledStore::open(dir, StoreOptions::default()).unwrap()
}

fn keys(accounts: &[Account]) -> Vec<String> {
    accounts.iter().map(|a| a.key().to_string()).collect()
}

#[tokio::test]
async fn honours_the_revision_checks() {
    let dir = tempfile::tempdir().unwrap();
    garita_engine::account::conformance::revision_checks(&open(dir.path())).await;
}

#[tokio::test]
async fn honours_the_transition_checks() {
    let dir = tempfile::tempdir().unwrap();
    garita_engine::account::conformance::transition_checks(&open(dir.path())).await;
}

#[tokio::test]
async fn answers_summaries_as_it_lists() {
    let dir = tempfile::tempdir().unwrap();
    garita_engine::account::conformance::summaries_match_accounts(&open(dir.path())).await;
}

#[tokio::test]
async fn accounts_history_and_index_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path());
        let batch = [
            ctpat("a@x.com", Some(5)),
            ctpat("b@x.com", Some(9)),
            ctpat("c@x.com", None),
        ];
        let outcomes = store
            .upsert_accounts(&batch, &meta("hr"), None)
            .await
            .unwrap();
        assert_eq!(outcomes, [UpsertOutcome::Created; 3]);
    }
    let store = open(dir.path());
    let all = store
        .list_accounts(&AccountFilter::default())
        .await
        .unwrap();
    assert_eq!(
        keys(&all),
        ["ctpat:a@x.com", "ctpat:b@x.com", "ctpat:c@x.com"]
    );
    let due = store
        .accounts_deactivating_between(day(1), day(31))
        .await
        .unwrap();
    assert_eq!(keys(&due), ["ctpat:a@x.com", "ctpat:b@x.com"]);
    let history = store.account_history(&all[0].key()).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].by, "hr");
}

#[tokio::test]
async fn writing_the_same_accounts_again_changes_nothing_and_flushes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let batch = [ctpat("a@x.com", Some(5)), ctpat("b@x.com", None)];
    store
        .upsert_accounts(&batch, &meta("hr"), None)
        .await
        .unwrap();
    let flushes = store.flush_count();
    let again = store
        .upsert_accounts(&batch, &meta("hr"), None)
        .await
        .unwrap();
    assert_eq!(again, [UpsertOutcome::Unchanged; 2]);
    assert_eq!(store.flush_count(), flushes);
    let history = store
        .account_history(&batch[0].account.key())
        .await
        .unwrap();
    assert_eq!(
        history.len(),
        1,
        "no history entry for an unchanged account"
    );
}

#[tokio::test]
async fn the_index_follows_date_and_status_changes() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store
        .upsert_accounts(
            &[ctpat("a@x.com", Some(5)), ctpat("b@x.com", Some(6))],
            &meta("hr"),
            None,
        )
        .await
        .unwrap();
    // A sign-in moves the date.
    let moved = ctpat("a@x.com", Some(20));
    store
        .upsert_accounts(&[moved], &meta("hr"), None)
        .await
        .unwrap();
    // Deactivation by the portal takes the account out.
    let mut gone = ctpat("b@x.com", Some(6));
    gone.account.status = AccountStatus::Deactivated;
    store
        .upsert_accounts(&[gone], &meta("hr"), None)
        .await
        .unwrap();

    assert!(store
        .accounts_deactivating_between(day(1), day(19))
        .await
        .unwrap()
        .is_empty());
    let due = store
        .accounts_deactivating_between(day(20), day(20))
        .await
        .unwrap();
    assert_eq!(keys(&due), ["ctpat:a@x.com"]);
    assert!(store
        .accounts_deactivating_between(day(21), day(20))
        .await
        .unwrap()
        .is_empty());
    let filtered = store
        .list_accounts(&AccountFilter {
            deactivating_between: Some((day(1), day(31))),
            statuses: vec![AccountStatus::AtRisk],
            ..AccountFilter::default()
        })
        .await
        .unwrap();
    assert!(filtered.is_empty());
}

#[tokio::test]
async fn offboarding_with_its_event_is_one_commit_and_the_queue_is_durable() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let store = open(dir.path());
        store
            .upsert_accounts(&[ctpat("a@x.com", Some(5))], &meta("hr"), None)
            .await
            .unwrap();
        let mut off = ctpat("a@x.com", Some(5));
        off.account.status = AccountStatus::Offboarded;
        off.reason = "offboarded".into();
        let event = NewEvent {
            name: ACCOUNT_OFFBOARDED.into(),
            at: meta("x").at,
            data: json!({"person": "a@x.com"}),
        };
        let out = store
            .upsert_accounts(&[off], &meta("oficial@x.com"), Some(&event))
            .await
            .unwrap();
        assert_eq!(out, [UpsertOutcome::Updated]);
        let second = store.emit_event(&event).await.unwrap();
        let pending = store.pending_events(10).await.unwrap();
        assert_eq!(pending.len(), 2);
        assert!(pending[0].id < second.id);
        pending[0].id
    };
    let store = open(dir.path());
    let history = store
        .account_history(&ctpat("a@x.com", None).account.key())
        .await
        .unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].by, "oficial@x.com");
    assert_eq!(history[1].reason, "offboarded");
    assert!(history[1]
        .changes
        .iter()
        .any(|c| c.field == "status" && c.new.as_deref() == Some("offboarded")));
    assert!(store
        .accounts_deactivating_between(day(1), day(31))
        .await
        .unwrap()
        .is_empty());

    let pending = store.pending_events(1).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].id, id);
    assert_eq!(pending[0].data["person"], "a@x.com");
    assert!(store.ack_event(id).await.unwrap());
    assert!(!store.ack_event(id).await.unwrap());
    drop(store);
    let store = open(dir.path());
    assert_eq!(store.pending_events(10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn list_filters_by_portal_holder_and_company() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let mut anam = ctpat("ana", None);
    anam.account.portal = "anam".into();
    anam.account.company.legal_name = "Logística del Bajío S.A. de C.V.".into();
    store
        .upsert_accounts(&[ctpat("a@x.com", None), anam], &meta("hr"), None)
        .await
        .unwrap();
    let by_portal = store
        .list_accounts(&AccountFilter {
            portal: Some("ANAM".into()),
            ..AccountFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(keys(&by_portal), ["anam:ana"]);
    let by_company = store
        .list_accounts(&AccountFilter {
            company: Some("bajío".into()),
            ..AccountFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(keys(&by_company), ["anam:ana"]);
    let by_holder = store
        .list_accounts(&AccountFilter {
            holder: Some("E-a@x.com".into()),
            ..AccountFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(keys(&by_holder), ["ctpat:a@x.com"]);
}

#[tokio::test]
async fn a_key_with_a_nul_byte_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let err = store
        .upsert_accounts(
            &[ctpat("ok@x.com", None), ctpat("a\0b", None)],
            &meta("hr"),
            None,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("NUL"), "{err}");
    assert!(store
        .list_accounts(&AccountFilter::default())
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_rule_transition_commits_once_with_its_event_and_survives_a_reopen() {
    use garita_engine::account::{TransitionKey, TransitionOutcome, TransitionWrite};
    let dir = tempfile::tempdir().unwrap();
    let key = garita_engine::AccountKey::new("ctpat", "a@x.com");
    let transition = TransitionKey {
        account: key.clone(),
        name: "ctpat.deactivated".into(),
        effective_on: day(5),
    };
    {
        let store = open(dir.path());
        store
            .upsert_accounts(&[ctpat("a@x.com", Some(5))], &meta("import"), None)
            .await
            .unwrap();
        let stored = store.account(&key).await.unwrap().unwrap();
        let mut next = stored.clone();
        next.status = AccountStatus::Deactivated;
        let write = |revision: u64| TransitionWrite {
            key: transition.clone(),
            expected_revision: revision,
            update: AccountUpdate {
                account: next.clone(),
                reason: "45 days without a sign-in".into(),
                expected_revision: None,
            },
            event: Some(NewEvent {
                name: "ctpat.deactivated".into(),
                at: meta("x").at,
                data: json!({"account": "ctpat:a@x.com"}),
            }),
        };
        // A revision that moved: nothing written.
        let stale = store
            .apply_transitions(&[write(stored.revision + 1)], &meta("rule"))
            .await
            .unwrap();
        assert_eq!(stale, [TransitionOutcome::Stale]);
        assert!(!store.transition_applied(&transition).await.unwrap());
        assert!(store.pending_events(10).await.unwrap().is_empty());

        // The same key twice in one batch: the second finds the first.
        let applied = store
            .apply_transitions(
                &[write(stored.revision), write(stored.revision)],
                &meta("rule"),
            )
            .await
            .unwrap();
        assert_eq!(
            applied,
            [
                TransitionOutcome::Applied,
                TransitionOutcome::AlreadyApplied
            ]
        );
        let again = store
            .apply_transitions(&[write(stored.revision + 1)], &meta("rule"))
            .await
            .unwrap();
        assert_eq!(again, [TransitionOutcome::AlreadyApplied]);
    }
    let store = open(dir.path());
    assert!(store.transition_applied(&transition).await.unwrap());
    let account = store.account(&key).await.unwrap().unwrap();
    assert_eq!(account.status, AccountStatus::Deactivated);
    // Deactivated accounts leave the deactivation index.
    assert!(store
        .accounts_deactivating_between(day(1), day(31))
        .await
        .unwrap()
        .is_empty());
    let events = store.pending_events(10).await.unwrap();
    assert_eq!(events.len(), 1, "exactly one event");
    let history = store.account_history(&key).await.unwrap();
    assert_eq!(history.last().unwrap().reason, "45 days without a sign-in");
    assert!(store.audit_trees().unwrap().verify().unwrap().is_intact());
    // The account's row changed with it: the summary says deactivated.
    let summaries = store
        .account_summaries(&AccountFilter::default())
        .await
        .unwrap();
    assert_eq!(summaries.len(), 1);
    assert_eq!(summaries[0].status, AccountStatus::Deactivated);
    assert_eq!(summaries[0], AccountSummary::from(&account));
}

#[tokio::test]
async fn a_store_written_before_rows_gets_them_when_opened() {
    use crate::keys::SCHEMA_VERSION_KEY;
    let dir = tempfile::tempdir().unwrap();
    let batch: Vec<AccountUpdate> = (0..12_000)
        .map(|i| ctpat(&format!("p{i}@x.com"), (i % 3 == 0).then_some(1 + i % 28)))
        .collect();
    {
        let store = open(dir.path());
        store
            .upsert_accounts(&batch, &meta("import"), None)
            .await
            .unwrap();
        // What a schema-4 garita left: no rows, version 4.
        let rows = store.db.open_tree(super::keys::tree::ROWS).unwrap();
        rows.clear().unwrap();
        store
            .trees
            .meta
            .insert(SCHEMA_VERSION_KEY, &4u32.to_be_bytes())
            .unwrap();
        store.db.flush().unwrap();
    }
    let store = open(dir.path());
    let version = store.trees.meta.get(SCHEMA_VERSION_KEY).unwrap().unwrap();
    assert_eq!(version.as_ref(), crate::SCHEMA_VERSION.to_be_bytes());
    let accounts = store
        .list_accounts(&AccountFilter::default())
        .await
        .unwrap();
    let summaries = store
        .account_summaries(&AccountFilter::default())
        .await
        .unwrap();
    assert_eq!(summaries.len(), 12_000, "more than one fill batch");
    let expected: Vec<AccountSummary> = accounts.iter().map(AccountSummary::from).collect();
    assert_eq!(summaries, expected);
    let due = store
        .account_summaries(&AccountFilter {
            deactivating_between: Some((day(1), day(3))),
            ..AccountFilter::default()
        })
        .await
        .unwrap();
    assert!(!due.is_empty());
}

#[tokio::test]
async fn a_damaged_row_is_named_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store
        .upsert_accounts(&[ctpat("a@x.com", Some(5))], &meta("import"), None)
        .await
        .unwrap();
    let rows = store.db.open_tree(super::keys::tree::ROWS).unwrap();
    rows.insert(b"ctpat\0a@x.com", &[1u8, 200, 0][..]).unwrap();
    let err = store
        .account_summaries(&AccountFilter::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("ctpat:a@x.com"), "{err}");
}
