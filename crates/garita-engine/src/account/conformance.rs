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
