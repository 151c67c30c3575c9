use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use garita_sdk::{ActionError, IdempotencyKey, InvokeContext, Manifest};
use serde_json::{json, Value};

use super::*;
use crate::account::{
    facts, Account, AccountKey, AccountStatus, AccountUpdate, ChangeMeta, Company, Holder,
};
use crate::MemoryAccounts;

/// The connectors behind the inventory: one action that echoes its input.
struct Echo;

#[async_trait]
impl Connectors for Echo {
    fn manifests(&self) -> Vec<Manifest> {
        vec![Manifest::new("core", "1", "echo")]
    }
    async fn invoke(
        &self,
        connector: &str,
        action: &str,
        _: InvokeContext,
        input: Value,
    ) -> Result<Value, ActionError> {
        Ok(json!({"passed": format!("{connector}.{action}"), "input": input}))
    }
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn ctx(run: &str, step: &str, now: &str) -> InvokeContext {
    InvokeContext {
        idempotency_key: IdempotencyKey {
            run_id: run.into(),
            step_id: step.into(),
            attempt: 1,
        },
        time_zone: "America/New_York".into(),
        now: at(now),
        ..InvokeContext::for_test()
    }
}

fn account(portal: &str, id: &str, email: &str, deactivates: Option<(u32, u32)>) -> Account {
    let holder = Holder {
        name: id.into(),
        email: email.into(),
        ..Holder::default()
    };
    let company = Company {
        legal_name: "Gulf Coast Produce Inc.".into(),
        tax_id: "12-3456789".into(),
        ctpat_account_number: None,
    };
    let mut a = Account::new(portal, id, holder, company);
    a.deactivates_on = deactivates.and_then(|(m, d)| NaiveDate::from_ymd_opt(2026, m, d));
    a
}

/// The inventory connectors over a store holding `accounts`.
async fn inventory_of(accounts: Vec<Account>) -> (InventoryConnectors, Arc<MemoryAccounts>) {
    let store = Arc::new(MemoryAccounts::new());
    let updates: Vec<AccountUpdate> = accounts
        .into_iter()
        .map(|account| AccountUpdate {
            account,
            reason: "created".into(),
            expected_revision: None,
        })
        .collect();
    let meta = ChangeMeta {
        by: "oficial".into(),
        at: at("2026-03-01T12:00:00Z"),
    };
    store.upsert_accounts(&updates, &meta, None).await.unwrap();
    (
        InventoryConnectors::new(Arc::new(Echo), store.clone()),
        store,
    )
}

async fn inventory() -> (InventoryConnectors, Arc<MemoryAccounts>) {
    inventory_of(vec![
        account(
            "ctpat",
            "tom@gulf.example",
            "tom@gulf.example",
            Some((3, 12)),
        ),
        account(
            "ctpat",
            "ana@gulf.example",
            "ana@gulf.example",
            Some((4, 30)),
        ),
        account("ecuapass", "APEREZ", "ana@gulf.example", None),
    ])
    .await
}

/// `n` CTPAT users of the Gulf Coast company, each changed by `shape`
/// (which gets its index), and one Ecuapass account: an inventory of
/// several pages.
fn ctpat_users(n: usize, shape: impl Fn(usize, &mut Account)) -> Vec<Account> {
    (0..n)
        .map(|i| {
            let id = format!("user{i:04}@gulf.example");
            let mut a = account("ctpat", &id, &id, None);
            shape(i, &mut a);
            a
        })
        .chain(std::iter::once(account(
            "ecuapass",
            "APEREZ",
            "ana@gulf.example",
            None,
        )))
        .collect()
}

fn keys(output: &Value) -> Vec<String> {
    output["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["key"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn list_filters_and_returns_the_accounts_as_a_list() {
    let (inv, _) = inventory().await;
    let c = ctx("r", "s", "2026-03-09T15:00:00Z");
    let all = inv
        .invoke("accounts", "list", c.clone(), json!({}))
        .await
        .unwrap();
    assert_eq!(all["count"], json!(3));
    assert_eq!(
        keys(&all),
        [
            "ctpat:ana@gulf.example",
            "ctpat:tom@gulf.example",
            "ecuapass:aperez"
        ]
    );
    let ctpat = inv
        .invoke(
            "accounts",
            "list",
            c.clone(),
            json!({"portal": "CTPAT", "status": ["active", "at_risk"]}),
        )
        .await
        .unwrap();
    assert_eq!(
        keys(&ctpat),
        ["ctpat:ana@gulf.example", "ctpat:tom@gulf.example"]
    );
    let by_holder = inv
        .invoke(
            "accounts",
            "list",
            c.clone(),
            json!({"holder": "ANA@gulf.example"}),
        )
        .await
        .unwrap();
    assert_eq!(
        keys(&by_holder),
        ["ctpat:ana@gulf.example", "ecuapass:aperez"]
    );
    // Today is 9 March in New York: 12 March is within 3 days, 30 April is not.
    let soon = inv
        .invoke(
            "accounts",
            "list",
            c.clone(),
            json!({"deactivates_within": 3}),
        )
        .await
        .unwrap();
    assert_eq!(keys(&soon), ["ctpat:tom@gulf.example"]);
    assert_eq!(soon["accounts"][0]["deactivates_on"], json!("2026-03-12"));
    let none = inv
        .invoke("accounts", "list", c, json!({"deactivates_within": 2}))
        .await
        .unwrap();
    assert_eq!(none["count"], json!(0));
}

/// One CTPAT account's users, found over several pages of the inventory
/// (the page is 500 accounts), whatever the other filters and separators.
#[tokio::test]
async fn list_by_ctpat_account_number_reads_every_page_and_keeps_only_that_account() {
    let accounts = ctpat_users(1_203, |i, a| {
        // Every 100th user is of account 81-234; the rest of 80-000.
        a.company.ctpat_account_number =
            Some(if i % 100 == 7 { "81-234" } else { "80-000" }.into());
        if i == 1_107 {
            a.status = AccountStatus::Deactivated;
        }
    });
    let (inv, _) = inventory_of(accounts).await;
    let c = ctx("r", "s", "2026-03-09T15:00:00Z");
    let listed = inv
        .invoke(
            "accounts",
            "list",
            c.clone(),
            json!({"portal": "ctpat", "ctpat_account_number": "81234"}),
        )
        .await
        .unwrap();
    let expected: Vec<String> = (0..1_203)
        .filter(|i| i % 100 == 7)
        .map(|i| format!("ctpat:user{i:04}@gulf.example"))
        .collect();
    assert_eq!(keys(&listed), expected);
    assert_eq!(listed["count"], json!(12));
    let deactivated = inv
        .invoke(
            "accounts",
            "list",
            c.clone(),
            json!({"status": "deactivated", "ctpat_account_number": "81-234"}),
        )
        .await
        .unwrap();
    assert_eq!(keys(&deactivated), ["ctpat:user1107@gulf.example"]);
    let unknown = inv
        .invoke(
            "accounts",
            "list",
            c,
            json!({"ctpat_account_number": "99-999"}),
        )
        .await
        .unwrap();
    assert_eq!(unknown["count"], json!(0));
}

#[tokio::test]
async fn companies_reads_every_page_and_counts_each_company_record() {
    // 1,203 CTPAT users over three pages: 1,200 of one company, 3 of a
    // second whose number is recorded two ways, one of them offboarded.
    let accounts = ctpat_users(1_203, |i, a| {
        if i >= 1_200 {
            a.company = Company {
                legal_name: "Andes Export S.A.".into(),
                tax_id: "1790012345001".into(),
                ctpat_account_number: Some(if i == 1_202 { "81-234" } else { "81234" }.into()),
            };
        }
        if i == 1_201 {
            a.status = AccountStatus::Offboarded;
        }
    });
    let (inv, _) = inventory_of(accounts).await;
    let c = ctx("r", "s", "2026-03-09T15:00:00Z");
    let all = inv
        .invoke(
            "accounts",
            "companies",
            c.clone(),
            json!({"portal": "ctpat"}),
        )
        .await
        .unwrap();
    assert_eq!(
        all,
        json!({"count": 3, "companies": [
            {"tax_id": "12-3456789", "legal_name": "Gulf Coast Produce Inc.", "ctpat_account_number": null, "accounts": 1_200},
            {"tax_id": "1790012345001", "legal_name": "Andes Export S.A.", "ctpat_account_number": "81-234", "accounts": 1},
            {"tax_id": "1790012345001", "legal_name": "Andes Export S.A.", "ctpat_account_number": "81234", "accounts": 2},
        ]})
    );
    let not_offboarded = inv
        .invoke(
            "accounts",
            "companies",
            c.clone(),
            json!({"portal": "ctpat", "status": ["active", "at_risk", "deactivated", "disabled"]}),
        )
        .await
        .unwrap();
    let counts: Vec<(String, Value)> = not_offboarded["companies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["tax_id"].as_str().unwrap().to_owned(),
                c["accounts"].clone(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("12-3456789".to_owned(), json!(1_200)),
            ("1790012345001".to_owned(), json!(1)),
            ("1790012345001".to_owned(), json!(1)),
        ]
    );
    let none = inv
        .invoke(
            "accounts",
            "companies",
            c.clone(),
            json!({"portal": "anam"}),
        )
        .await
        .unwrap();
    assert_eq!(none, json!({"count": 0, "companies": []}));
    let refused = inv
        .invoke("accounts", "companies", c, json!({"status": "retired"}))
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("schema"), "{refused}");
}

#[tokio::test]
async fn get_answers_found_or_not() {
    let (inv, _) = inventory().await;
    let c = ctx("r", "s", "2026-03-09T15:00:00Z");
    let found = inv
        .invoke(
            "accounts",
            "get",
            c.clone(),
            json!({"account": "Ecuapass:aperez"}),
        )
        .await
        .unwrap();
    assert_eq!(found["found"], json!(true));
    assert_eq!(found["account"]["identifier"], json!("APEREZ"));
    assert_eq!(found["account"]["status"], json!("active"));
    let missing = inv
        .invoke(
            "accounts",
            "get",
            c.clone(),
            json!({"account": "anam:nadie"}),
        )
        .await
        .unwrap();
    assert_eq!(missing, json!({"found": false, "account": null}));
    let err = inv
        .invoke("accounts", "get", c, json!({"account": "no-portal"}))
        .await
        .unwrap_err();
    assert!(err.message().contains("does not match its schema"), "{err}");
}

#[tokio::test]
async fn set_status_records_the_run_and_reason_and_a_replay_writes_nothing() {
    let (inv, store) = inventory().await;
    let input = json!({
        "account": "ctpat:tom@gulf.example",
        "status": "deactivated",
        "reason": "No sign-in for 45 days",
        "emit": {"name": "ctpat.deactivated", "data": {"user_email": "tom@gulf.example"}},
    });
    let c = ctx("01RUN", "mark", "2026-03-12T12:00:00Z");
    let first = inv
        .invoke("accounts", "set_status", c.clone(), input.clone())
        .await
        .unwrap();
    assert_eq!(first["changed"], json!(true));
    assert_eq!(first["replayed"], json!(false));
    assert_eq!(first["previous_status"], json!("active"));
    assert_eq!(first["emitted"], json!("ctpat.deactivated"));
    assert_eq!(first["account"]["status"], json!("deactivated"));

    // The same step again (a crash before its success was recorded).
    let again = inv
        .invoke("accounts", "set_status", c, input.clone())
        .await
        .unwrap();
    assert_eq!(again["replayed"], json!(true));
    assert_eq!(again["previous_status"], json!("active"));

    let key = AccountKey::parse("ctpat:tom@gulf.example").unwrap();
    let history = store.account_history(&key).await.unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[1].by, "run 01RUN step mark");
    assert_eq!(history[1].reason, "No sign-in for 45 days");
    assert_eq!(history[1].at, at("2026-03-12T12:00:00Z"));
    assert_eq!(history[1].changes[0].field, "status");
    let events = store.pending_events(10).await.unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].name, "ctpat.deactivated");
    assert_eq!(events[0].data["user_email"], json!("tom@gulf.example"));
    assert_eq!(
        events[0].data["emitted_by"],
        json!({"run": "01RUN", "step": "mark"})
    );

    // Another step asking for the status it already has changes nothing
    // and announces nothing.
    let other = inv
        .invoke(
            "accounts",
            "set_status",
            ctx("02RUN", "mark", "2026-03-13T12:00:00Z"),
            input,
        )
        .await
        .unwrap();
    assert_eq!(other["changed"], json!(false));
    assert_eq!(other["emitted"], json!(null));
    assert_eq!(store.account_history(&key).await.unwrap().len(), 2);
    assert_eq!(store.pending_events(10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn set_status_refuses_unknown_accounts_and_statuses() {
    let (inv, _) = inventory().await;
    let c = ctx("r", "s", "2026-03-09T15:00:00Z");
    let unknown = inv
        .invoke(
            "accounts",
            "set_status",
            c.clone(),
            json!({"account": "ctpat:nobody@x.example", "status": "at_risk", "reason": "r"}),
        )
        .await
        .unwrap_err();
    assert!(
        unknown
            .message()
            .contains("no account `ctpat:nobody@x.example`"),
        "{unknown}"
    );
    assert!(!unknown.is_retryable());
    let bad = inv
        .invoke(
            "accounts",
            "set_status",
            c,
            json!({"account": "ctpat:tom@gulf.example", "status": "gone", "reason": "r"}),
        )
        .await
        .unwrap_err();
    match bad {
        ActionError::InvalidInput { fields, .. } => assert_eq!(fields[0].path, "/status"),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[tokio::test]
async fn evidence_lands_in_history_and_attributes_once_per_step() {
    let (inv, store) = inventory().await;
    let input = json!({
        "account": "ecuapass:APEREZ",
        "date": "2027-01-12",
        "note": "Actualización registrada con éxito",
        "reference": "capturas/aperez-2027.png",
    });
    let c = ctx("01CHILD", "evidence", "2027-01-12T15:00:00Z");
    let first = inv
        .invoke("accounts", "record_evidence", c.clone(), input.clone())
        .await
        .unwrap();
    assert_eq!(first["recorded"], json!(true));
    assert_eq!(
        first["account"]["attributes"]["evidence_on"],
        json!("2027-01-12")
    );
    let again = inv
        .invoke("accounts", "record_evidence", c, input)
        .await
        .unwrap();
    assert_eq!(again["replayed"], json!(true));
    let key = AccountKey::parse("ecuapass:aperez").unwrap();
    let history = store.account_history(&key).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(
        history[1].reason,
        "evidence of 2027-01-12: Actualización registrada con éxito (reference: capturas/aperez-2027.png)"
    );
    assert_eq!(history[1].by, "run 01CHILD step evidence");
    let account = store.account(&key).await.unwrap().unwrap();
    assert_eq!(
        account.status,
        AccountStatus::Active,
        "evidence leaves the status alone"
    );
    assert_eq!(
        account.attributes["evidence_reference"],
        "capturas/aperez-2027.png"
    );
}

#[tokio::test]
async fn emit_queues_once_per_step_while_queued() {
    let (inv, store) = inventory().await;
    let input = json!({"name": "ctpat.deactivated", "data": {"user_email": "tom@gulf.example"}});
    let c = ctx("01RUN", "start", "2026-03-12T12:00:00Z");
    let first = inv
        .invoke("event", "emit", c.clone(), input.clone())
        .await
        .unwrap();
    let again = inv.invoke("event", "emit", c, input.clone()).await.unwrap();
    assert_eq!(first["replayed"], json!(false));
    assert_eq!(again["replayed"], json!(true));
    assert_eq!(first["event_id"], again["event_id"]);
    let other = inv
        .invoke(
            "event",
            "emit",
            ctx("02RUN", "start", "2026-03-12T12:00:00Z"),
            input,
        )
        .await
        .unwrap();
    assert_ne!(other["event_id"], first["event_id"]);
    let queued = store.pending_events(10).await.unwrap();
    assert_eq!(queued.len(), 2);
    assert_eq!(queued[0].at, at("2026-03-12T12:00:00Z"));
    let bad = inv
        .invoke(
            "event",
            "emit",
            ctx("r", "s", "2026-03-12T12:00:00Z"),
            json!({"name": "NoDots"}),
        )
        .await
        .unwrap_err();
    assert!(bad.message().contains("does not match its schema"), "{bad}");
}

#[tokio::test]
async fn other_connectors_pass_through_and_manifests_are_added() {
    let (inv, _) = inventory().await;
    let out = inv
        .invoke("core", "set", InvokeContext::for_test(), json!({"a": 1}))
        .await
        .unwrap();
    assert_eq!(out["passed"], json!("core.set"));
    let names: Vec<String> = inv.manifests().into_iter().map(|m| m.name).collect();
    assert_eq!(names, ["core", "accounts", "event"]);
    let side_effects: Vec<(String, bool)> = inv
        .manifests()
        .iter()
        .flat_map(|m| {
            m.actions
                .iter()
                .map(move |a| (format!("{}.{}", m.name, a.name), a.side_effects))
        })
        .collect();
    assert_eq!(
        side_effects,
        [
            ("accounts.list".to_owned(), false),
            ("accounts.companies".to_owned(), false),
            ("accounts.get".to_owned(), false),
            ("accounts.set_status".to_owned(), true),
            ("accounts.record_evidence".to_owned(), true),
            ("event.emit".to_owned(), true),
        ]
    );
    for m in manifests() {
        for a in &m.actions {
            crate::schema::check_schema(&a.input_schema).unwrap();
            crate::schema::check_schema(&a.output_schema).unwrap();
        }
    }
}

#[tokio::test]
async fn without_a_store_the_actions_are_declared_but_say_why_they_cannot_run() {
    let inv = InventoryConnectors::declared_only(Arc::new(Echo));
    let err = inv
        .invoke("accounts", "list", InvokeContext::for_test(), json!({}))
        .await
        .unwrap_err();
    assert!(
        err.message().contains("needs the account inventory"),
        "{err}"
    );
}

#[tokio::test]
async fn a_ctpat_reactivation_records_its_day_as_a_fact_for_the_rules() {
    let (inv, store) = inventory().await;
    let key = AccountKey::parse("ctpat:tom@gulf.example").unwrap();
    let set = |status: &str, step: &str, extra: Value| {
        let mut input =
            json!({"account": "ctpat:tom@gulf.example", "status": status, "reason": "r"});
        if let (Some(obj), Value::Object(more)) = (input.as_object_mut(), extra) {
            obj.extend(more);
        }
        inv.invoke(
            "accounts",
            "set_status",
            ctx("01RUN", step, "2026-04-22T14:00:00Z"),
            input,
        )
    };
    set("deactivated", "off", json!({})).await.unwrap();
    let before = store.account(&key).await.unwrap().unwrap();
    assert!(!before.attributes.contains_key(facts::REACTIVATED_ON));
    // CBP reactivated it on the 20th; the run learns it on the 22nd.
    set("active", "on", json!({"effective_on": "2026-04-20"}))
        .await
        .unwrap();
    let after = store.account(&key).await.unwrap().unwrap();
    assert_eq!(after.attributes[facts::REACTIVATED_ON], "2026-04-20");

    // Without `effective_on`: today in the run's zone (New York).
    set("deactivated", "off2", json!({})).await.unwrap();
    set("active", "on2", json!({})).await.unwrap();
    let again = store.account(&key).await.unwrap().unwrap();
    assert_eq!(again.attributes[facts::REACTIVATED_ON], "2026-04-22");
}

#[tokio::test]
async fn evidence_can_record_its_date_as_a_fact_and_refuses_unknown_ones() {
    let (inv, store) = inventory().await;
    let input = json!({
        "account": "ctpat:ana@gulf.example",
        "date": "2027-01-12",
        "note": "Actualización anual confirmada",
        "fact": "annual_update_on",
    });
    inv.invoke(
        "accounts",
        "record_evidence",
        ctx("01RUN", "evidence", "2027-01-12T15:00:00Z"),
        input.clone(),
    )
    .await
    .unwrap();
    let key = AccountKey::parse("ctpat:ana@gulf.example").unwrap();
    let account = store.account(&key).await.unwrap().unwrap();
    assert_eq!(account.attributes[facts::ANNUAL_UPDATE_ON], "2027-01-12");
    assert_eq!(account.attributes[EVIDENCE_ON], "2027-01-12");

    let mut bad = input;
    bad["fact"] = json!("site");
    let err = inv
        .invoke(
            "accounts",
            "record_evidence",
            ctx("02RUN", "evidence", "2027-01-12T15:00:00Z"),
            bad,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("site"), "{err}");
}

/// The output schemas are closed (`garita validate` reports a template
/// reading a field they do not list), so every output must fit them.
#[tokio::test]
async fn every_output_matches_its_declared_schema() {
    let (inv, _) = inventory().await;
    let c = ctx("01RUN", "s", "2026-03-09T15:00:00Z");
    let calls = [
        ("accounts", "list", json!({})),
        ("accounts", "companies", json!({})),
        (
            "accounts",
            "get",
            json!({"account": "ctpat:tom@gulf.example"}),
        ),
        ("accounts", "get", json!({"account": "anam:nadie"})),
        (
            "accounts",
            "set_status",
            json!({"account": "ctpat:tom@gulf.example", "status": "deactivated", "reason": "r", "emit": {"name": "ctpat.deactivated"}}),
        ),
        // The same step again: the replayed answer.
        (
            "accounts",
            "set_status",
            json!({"account": "ctpat:tom@gulf.example", "status": "deactivated", "reason": "r", "emit": {"name": "ctpat.deactivated"}}),
        ),
        (
            "accounts",
            "set_status",
            json!({"account": "ecuapass:aperez", "status": "active", "reason": "unchanged"}),
        ),
        (
            "accounts",
            "record_evidence",
            json!({"account": "ecuapass:aperez", "date": "2026-03-09", "note": "n", "reference": "x"}),
        ),
        ("event", "emit", json!({"name": "ctpat.deactivated"})),
    ];
    let manifests = manifests();
    for (connector, action, input) in calls {
        let output = inv
            .invoke(connector, action, c.clone(), input)
            .await
            .unwrap();
        let spec = manifests
            .iter()
            .find(|m| m.name == connector)
            .and_then(|m| m.find(action))
            .unwrap();
        assert_eq!(
            crate::schema::check_value(&spec.output_schema, &output),
            Ok(()),
            "{connector}.{action}: {output}"
        );
    }
}
