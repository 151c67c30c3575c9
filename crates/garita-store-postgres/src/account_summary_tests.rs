//! Schema 10 on a database of schema 9: every account gets its status and
//! folded texts, and a summary when schema 9 had left it none (accounts
//! written before schema 9), all from its record; then the screens' pages
//! and overview, answered by the server, equal the reference answers.

use chrono::NaiveDate;
use garita_engine::account::conformance::import_varied_inventory;
use garita_engine::account::{
    AccountFilter, AccountOverview, AccountStore, AccountSummary, FoldedTexts, SummaryPage,
};
use garita_engine::StoreError;
use sqlx::Row;

use crate::test_cluster::TestDb;
use crate::PostgresStore;

#[tokio::test]
async fn a_schema_9_database_gets_the_screen_columns_from_its_records() -> Result<(), StoreError> {
    let db = TestDb::create().await;
    let expected: Vec<AccountSummary> = {
        let store = PostgresStore::connect(&db.url).await?;
        import_varied_inventory(&store).await;
        let all = store.list_accounts(&AccountFilter::default()).await?;
        // What schema 9 had: no screen columns; and accounts written before
        // it (identifiers ending in 0 or 5) had no summary either.
        sqlx::raw_sql(
            "DROP INDEX accounts_screen_order;
             ALTER TABLE accounts ALTER COLUMN summary DROP NOT NULL, DROP COLUMN status,
                 DROP COLUMN fold_key, DROP COLUMN fold_holder_name,
                 DROP COLUMN fold_holder_email, DROP COLUMN fold_employee_id,
                 DROP COLUMN fold_legal_name, DROP COLUMN fold_tax_id;
             UPDATE accounts SET summary = NULL
                 WHERE identifier LIKE '%0' OR identifier LIKE '%5';
             UPDATE schema_version SET version = 9",
        )
        .execute(&store.pool)
        .await
        .map_err(store.error("going back to schema 9"))?;
        let cleared: i64 =
            sqlx::query_scalar("SELECT count(*) FROM accounts WHERE summary IS NULL")
                .fetch_one(&store.pool)
                .await
                .map_err(store.error("counting summaries"))?;
        assert!(cleared > 0 && (cleared as usize) < all.len(), "{cleared}");
        all.iter().map(AccountSummary::from).collect()
    };
    let store = PostgresStore::connect(&db.url).await?;
    let rows = sqlx::query(
        "SELECT status, fold_key, fold_holder_name, fold_holder_email, fold_employee_id,
                fold_legal_name, fold_tax_id FROM accounts ORDER BY portal, identifier",
    )
    .fetch_all(&store.pool)
    .await
    .map_err(store.error("reading the screen columns"))?;
    assert_eq!(rows.len(), expected.len());
    for (row, summary) in rows.iter().zip(&expected) {
        let text = |i: usize| row.try_get::<String, _>(i).unwrap_or_default();
        let folded = FoldedTexts::from(summary);
        assert_eq!(text(0), summary.status.as_str(), "{summary:?}");
        assert_eq!(
            [text(1), text(2), text(3), text(4), text(5), text(6)],
            [
                folded.key,
                folded.holder_name,
                folded.holder_email,
                folded.employee_id,
                folded.legal_name,
                folded.tax_id
            ],
            "{summary:?}"
        );
    }
    assert_eq!(
        store.account_summaries(&AccountFilter::default()).await?,
        expected,
        "the summaries filled equal the records'"
    );
    let page = store
        .account_summary_page(&AccountFilter::default(), Some("persona"), 2, 5)
        .await?;
    assert_eq!(
        page,
        SummaryPage::cut(expected.clone(), Some("persona"), 2, 5)
    );
    assert!(page.total > 5, "the search selects a few pages: {page:?}");
    let from = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap_or_default();
    assert_eq!(
        store.account_overview(from, 4).await?,
        AccountOverview::of(&expected, from, 4)
    );
    // Required from now on: a writer that left them out would fail.
    let nullable: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.columns
         WHERE table_name = 'accounts' AND is_nullable = 'YES'
           AND column_name IN ('summary', 'status', 'fold_key', 'fold_tax_id')",
    )
    .fetch_one(&store.pool)
    .await
    .map_err(store.error("reading the columns' definitions"))?;
    assert_eq!(nullable, 0);
    Ok(())
}
