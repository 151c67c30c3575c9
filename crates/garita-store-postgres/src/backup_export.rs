//! Exporting every record as one [`RecordSet`]: all tables read in ONE
//! read-only REPEATABLE READ transaction, so the export is the snapshot of
//! one moment (every commit wholly in it or wholly not, the audit head the
//! one that moment had) while daemons go on writing. Keys are built in the
//! backup's layout and each section sorted by key, the order sled keeps.

use chrono::NaiveDate;
use garita_engine::audit::{AuditHead, ChainHead};
use garita_engine::backup::{event_key, RecordKind, RecordSet};
use garita_engine::StoreError;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::audit::recorded_head;
use crate::backup_keys::{account_key, history_key, schedule_key, transition_key};
use crate::errors::{db_error, out_of_range};
use crate::ids::record_int;
use crate::store::{InTx, PostgresStore};

/// One kind's query; its rows' columns are the key's parts, then the value.
const QUERIES: [(RecordKind, &str); 13] = [
    (RecordKind::Runs, "SELECT id, summary FROM runs"),
    (
        RecordKind::Events,
        "SELECT run_id, seq, event FROM run_events",
    ),
    (RecordKind::Sources, "SELECT digest, source FROM sources"),
    (RecordKind::Tasks, "SELECT id, record FROM tasks"),
    (RecordKind::Outbox, "SELECT message_id, record FROM outbox"),
    (
        RecordKind::Accounts,
        "SELECT portal, identifier, record FROM accounts",
    ),
    (
        RecordKind::AccountHistory,
        "SELECT portal, identifier, seq, entry FROM account_history",
    ),
    (
        RecordKind::AccountTransitions,
        "SELECT portal, identifier, name, effective_on, record FROM account_transitions",
    ),
    (
        RecordKind::EmittedEvents,
        "SELECT id, record FROM emitted_events",
    ),
    (
        RecordKind::Schedules,
        "SELECT workflow, trigger_index, state FROM schedules",
    ),
    (RecordKind::Users, "SELECT email, record FROM users"),
    (RecordKind::Links, "SELECT key, record FROM links"),
    (RecordKind::Audit, "SELECT seq, entry FROM audit_entries"),
];

impl PostgresStore {
    pub(crate) async fn export_now(&self) -> Result<RecordSet, StoreError> {
        let doing = "exporting the store's records (nothing was written; run the backup again)";
        let mut tx = self.pool.begin().await.map_err(self.error(doing))?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(self.error(doing))?;
        let head = export_head(&mut tx, &self.url).await?;
        let mut set = RecordSet::empty(head);
        for (kind, query) in QUERIES {
            let rows = sqlx::query(query)
                .fetch_all(&mut *tx)
                .await
                .map_err(self.error(&format!("exporting the {} records", kind.name())))?;
            let records = set.section_mut(kind);
            for row in &rows {
                let record = record_of(kind, row)
                    .map_err(self.error(&format!("exporting the {} records", kind.name())))??;
                records.push(record);
            }
            records.sort();
        }
        tx.commit().await.map_err(self.error(doing))?;
        Ok(set)
    }
}

/// The recorded head; the genesis head when there is none and no entry.
fn export_head<'a>(conn: &'a mut PgConnection, url: &'a str) -> InTx<'a, AuditHead> {
    Box::pin(async move {
        if let Some(head) = recorded_head(conn, url).await? {
            return Ok(head);
        }
        let any: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM audit_entries)")
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| db_error(url, "reading the audit log", e))?;
        if any {
            return Err(StoreError::Corrupt {
                what: format!("the audit log in {url}"),
                detail: "its recorded head is missing; `garita audit verify` says more".into(),
            });
        }
        Ok(AuditHead::from(ChainHead::GENESIS))
    })
}

/// The key and value of one row of `kind`'s query. The outer error is the
/// database's (a column that does not decode), the inner one a number out
/// of the layout's range.
type Exported = Result<(Vec<u8>, Vec<u8>), StoreError>;

fn record_of(kind: RecordKind, row: &PgRow) -> Result<Exported, sqlx::Error> {
    let text = |i: usize| row.try_get::<String, _>(i);
    let number = |i: usize| row.try_get::<i64, _>(i);
    let value: Vec<u8> = row.try_get(row.len().saturating_sub(1))?;
    let key = match kind {
        RecordKind::Runs
        | RecordKind::Sources
        | RecordKind::Tasks
        | RecordKind::Outbox
        | RecordKind::Users => Ok(text(0)?.into_bytes()),
        // Stored under the backup's own key.
        RecordKind::Links => Ok(row.try_get::<Vec<u8>, _>(0)?),
        RecordKind::Events => {
            let run = text(0)?;
            record_int(number(1)?, "an event seq").map(|seq| event_key(&run, seq))
        }
        RecordKind::Accounts => Ok(account_key(&text(0)?, &text(1)?)),
        RecordKind::AccountHistory => {
            let (portal, identifier) = (text(0)?, text(1)?);
            record_int(number(2)?, "a history seq")
                .map(|seq| history_key(&portal, &identifier, seq))
        }
        RecordKind::AccountTransitions => Ok(transition_key(
            &text(0)?,
            &text(1)?,
            &text(2)?,
            row.try_get::<NaiveDate, _>(3)?,
        )),
        RecordKind::EmittedEvents | RecordKind::Audit => {
            record_int(number(0)?, "an id or seq").map(|n| n.to_be_bytes().to_vec())
        }
        RecordKind::Schedules => {
            let (workflow, index) = (text(0)?, number(1)?);
            u32::try_from(index)
                .map_err(|_| out_of_range("a schedule's trigger index", index))
                .map(|index| schedule_key(&workflow, index))
        }
    };
    Ok(key.map(|key| (key, value)))
}
