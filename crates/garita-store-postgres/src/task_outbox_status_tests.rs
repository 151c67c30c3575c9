//! Schema 8 on a database of schema 7: the status and due columns are
//! filled from the records already stored, so the open tasks' numbers and
//! the counts per status equal those computed from the records, a due
//! instant finer than a microsecond included.

use chrono::{DateTime, Utc};
use garita_engine::store_conformance::task;
use garita_engine::task_overview::OpenTaskOverview;
use garita_engine::{
    OutboxFilter, OutboxStatus, OutboxStore, Store, StoreError, TaskFilter, TaskStatus,
};

use crate::test_cluster::TestDb;
use crate::PostgresStore;

use garita_engine::outbox_conformance::message;

fn instant(text: &str) -> DateTime<Utc> {
    text.parse().unwrap_or_default()
}

#[tokio::test]
async fn a_schema_7_database_gets_the_columns_from_its_records() -> Result<(), StoreError> {
    let db = TestDb::create().await;
    {
        let store = PostgresStore::connect(&db.url).await?;
        let dues = [
            Some("2026-03-01T23:59:59.999999999Z"),
            Some("2026-03-02T10:00:00.000000500Z"),
            Some("2026-03-02T10:00:00.000000700Z"),
            Some("2026-03-03T08:00:00Z"),
            None,
        ];
        for (i, due) in dues.into_iter().enumerate() {
            let mut t = task(&format!("R{i}.ask.1"), &format!("R{i}"), i as i64, None);
            t.due = due.map(instant);
            t.title = format!("T{}", 9 - i);
            store.put_task(&t).await?;
        }
        let mut answered = task("R9.ask.1", "R9", 9, None);
        answered.status = TaskStatus::Completed;
        store.put_task(&answered).await?;
        for i in 0..7 {
            store
                .record(&message(i, OutboxStatus::ALL[i % OutboxStatus::ALL.len()]))
                .await?;
        }
        // What schema 7 had: no status or due columns (nor the account
        // columns of schemas 9 and 10).
        sqlx::raw_sql(
            "DROP INDEX tasks_open_by_due; DROP INDEX outbox_by_status;
             ALTER TABLE tasks DROP COLUMN status, DROP COLUMN due;
             ALTER TABLE outbox DROP COLUMN status;
             DROP INDEX accounts_screen_order;
             ALTER TABLE accounts DROP COLUMN summary, DROP COLUMN status,
                 DROP COLUMN fold_key, DROP COLUMN fold_holder_name,
                 DROP COLUMN fold_holder_email, DROP COLUMN fold_employee_id,
                 DROP COLUMN fold_legal_name, DROP COLUMN fold_tax_id;
             UPDATE schema_version SET version = 7",
        )
        .execute(&store.pool)
        .await
        .map_err(store.error("going back to schema 7"))?;
    }
    let store = PostgresStore::connect(&db.url).await?;
    let all = store.list_tasks(&TaskFilter::default()).await?;
    for now in [
        "2026-03-01T23:59:59.999999999Z",
        "2026-03-02T10:00:00.000000600Z",
        "2026-03-02T10:00:00.0000007Z",
    ] {
        let now = instant(now);
        for soonest in [1, 2, 8] {
            assert_eq!(
                store.open_task_overview(now, soonest).await?,
                OpenTaskOverview::of(&all, now, soonest),
                "at {now}, {soonest} soonest"
            );
        }
    }
    for status in OutboxStatus::ALL {
        let filter = OutboxFilter {
            statuses: vec![status],
            ..OutboxFilter::default()
        };
        let listed = store.list(&filter).await?.len() as u64;
        assert_eq!(store.count_messages(status).await?, listed, "{status}");
    }
    Ok(())
}
