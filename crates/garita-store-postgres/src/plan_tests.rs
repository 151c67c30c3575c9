//! The queries the engine needs to cost time in proportion to their answer
//! (due runs, the next wake-up, unfinished runs, children, CTPAT
//! deactivations, the open tasks' numbers, messages in a status) can be
//! answered from their indexes: with sequential
//! scans discouraged, PostgreSQL's plan for each names its index. A query
//! whose condition stopped matching a partial index's would show a
//! sequential scan here, whatever the size of the tables.

use garita_engine::StoreError;
use sqlx::Row;

use crate::account_read::DEACTIVATING;
use crate::outbox::COUNT_IN_STATUS;
use crate::run_read::{CHILDREN, DUE_RUNS, NEXT_WAKE, UNFINISHED_RUNS};
use crate::task_overview::{COUNTS, DAYS, DUE_AT_NOW, NEXT_CANDIDATES};
use crate::test_cluster::TestDb;

/// The plan of `query` (with `params` as text, cast by the query).
async fn plan(
    store: &crate::PostgresStore,
    query: &str,
    params: &[&str],
) -> Result<String, StoreError> {
    let mut conn = store
        .pool
        .acquire()
        .await
        .map_err(store.error("acquiring"))?;
    sqlx::query("SET enable_seqscan = off")
        .execute(&mut *conn)
        .await
        .map_err(store.error("discouraging sequential scans"))?;
    // Placeholders become literals: EXPLAIN plans the query as the server
    // would with its parameters known.
    let mut text = query.to_owned();
    for (i, param) in params.iter().enumerate().rev() {
        text = text.replace(&format!("${}", i + 1), &format!("'{param}'"));
    }
    let rows = sqlx::query(&format!("EXPLAIN {text}"))
        .fetch_all(&mut *conn)
        .await
        .map_err(store.error("explaining a query"))?;
    let lines: Result<Vec<String>, _> = rows.iter().map(|r| r.try_get::<String, _>(0)).collect();
    Ok(lines.map_err(store.error("reading a plan"))?.join("\n"))
}

#[tokio::test]
async fn the_index_queries_read_their_indexes() -> Result<(), StoreError> {
    let (store, _db) = TestDb::fresh_store().await;
    let now = "2026-03-01T00:00:00Z";
    let cases: [(&str, &str, &[&str]); 10] = [
        ("due runs", DUE_RUNS, &[now, now]),
        ("next wake", NEXT_WAKE, &[]),
        ("unfinished runs", UNFINISHED_RUNS, &[]),
        ("children", CHILDREN, &["P", "each"]),
        ("deactivations", DEACTIVATING, &["2026-03-01", "2026-03-31"]),
        ("open task counts", COUNTS, &[now]),
        ("open tasks due now", DUE_AT_NOW, &[now]),
        ("open tasks per day", DAYS, &[now]),
        ("soonest open tasks", NEXT_CANDIDATES, &[now, "7"]),
        ("messages in a status", COUNT_IN_STATUS, &["failed"]),
    ];
    let indexes = [
        "runs_timer",
        "runs_timer",
        "runs_unfinished",
        "runs_children",
        "accounts_deactivating",
        "tasks_open_by_due",
        "tasks_open_by_due",
        "tasks_open_by_due",
        "tasks_open_by_due",
        "outbox_by_status",
    ];
    for ((what, query, params), index) in cases.into_iter().zip(indexes) {
        let plan = plan(&store, query, params).await?;
        assert!(
            plan.contains(index)
                && !plan.contains("Seq Scan on runs")
                && !plan.contains("Seq Scan on accounts")
                && !plan.contains("Seq Scan on tasks")
                && !plan.contains("Seq Scan on outbox"),
            "{what} must be read from index {index}:\n{plan}"
        );
    }
    Ok(())
}
