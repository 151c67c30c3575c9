//! Schema 9 keeps each account's summary beside its record. Accounts
//! written before it have none until their next write; they are summarised
//! from their records, and every account is summarised as its record says,
//! whichever column answers.

use garita_engine::account::conformance::import_varied_inventory;
use garita_engine::account::{AccountFilter, AccountStore, AccountSummary};
use garita_engine::StoreError;

use crate::test_cluster::TestDb;
use crate::PostgresStore;

#[tokio::test]
async fn summaries_come_from_their_column_or_from_records_written_before_it(
) -> Result<(), StoreError> {
    let db = TestDb::create().await;
    let store = PostgresStore::connect(&db.url).await?;
    import_varied_inventory(&store).await;
    let expected: Vec<AccountSummary> = store
        .list_accounts(&AccountFilter::default())
        .await?
        .iter()
        .map(AccountSummary::from)
        .collect();
    let written: i64 =
        sqlx::query_scalar("SELECT count(*) FROM accounts WHERE summary IS NOT NULL")
            .fetch_one(&store.pool)
            .await
            .map_err(store.error("counting summaries"))?;
    assert_eq!(
        written as usize,
        expected.len(),
        "every write stores a summary"
    );
    assert_eq!(
        store.account_summaries(&AccountFilter::default()).await?,
        expected
    );
    // Some accounts as schema 8 left them (identifiers ending in 0 or 5):
    // no summary.
    sqlx::raw_sql(
        "UPDATE accounts SET summary = NULL WHERE identifier LIKE '%0' OR identifier LIKE '%5'",
    )
    .execute(&store.pool)
    .await
    .map_err(store.error("clearing summaries"))?;
    let cleared: i64 = sqlx::query_scalar("SELECT count(*) FROM accounts WHERE summary IS NULL")
        .fetch_one(&store.pool)
        .await
        .map_err(store.error("counting summaries"))?;
    assert!(
        cleared > 0 && (cleared as usize) < expected.len(),
        "{cleared}"
    );
    assert_eq!(
        store.account_summaries(&AccountFilter::default()).await?,
        expected
    );
    Ok(())
}
