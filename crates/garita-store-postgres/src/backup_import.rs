//! Importing a [`RecordSet`] into an empty database: one transaction that
//! takes the audit chain's lock (so no append slips in), refuses a database
//! holding any record or an audit head past genesis, writes every table
//! (each column bound as one array, in chunks) with the index columns
//! derived from the records, moves the event id sequence past the imported
//! ids, stores the set's audit head and commits. Refused or failed, it
//! writes nothing.

use std::ops::Range;

use garita_engine::audit::ChainHead;
use garita_engine::backup::RecordSet;
use garita_engine::StoreError;
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{PgConnection, Postgres};

use crate::audit::{lock_head, store_head};
use crate::errors::db_error;
use crate::import_rows::{
    ImportRows, INSERT_ACCOUNTS, INSERT_ACCOUNT_HISTORY, INSERT_EMITTED_EVENTS, INSERT_TRANSITIONS,
};
use crate::store::{InTx, PostgresStore};

/// Rows bound per statement: large enough that a big store imports in
/// few round trips, small enough to keep each statement's size modest.
const CHUNK: usize = 1000;

/// Every table a record lives in, for the emptiness check.
const TABLES: [&str; 13] = [
    "runs",
    "run_events",
    "sources",
    "tasks",
    "outbox",
    "accounts",
    "account_history",
    "account_transitions",
    "emitted_events",
    "schedules",
    "users",
    "links",
    "audit_entries",
];

type Bound<'a> = Query<'a, Postgres, PgArguments>;

/// Runs `sql` once per chunk of `len` rows, with `bind` binding the
/// chunk's slice of each column.
fn insert<'a>(
    conn: &'a mut PgConnection,
    url: &'a str,
    table: &'a str,
    sql: &'a str,
    len: usize,
    bind: impl Fn(Bound<'a>, Range<usize>) -> Bound<'a> + Send + Sync + 'a,
) -> InTx<'a, ()> {
    Box::pin(async move {
        for start in (0..len).step_by(CHUNK) {
            bind(sqlx::query(sql), start..(start + CHUNK).min(len))
                .execute(&mut *conn)
                .await
                .map_err(|e| db_error(url, &format!("importing table {table}"), e))?;
        }
        Ok(())
    })
}

impl PostgresStore {
    pub(crate) async fn import_now(&self, set: &RecordSet) -> Result<(), StoreError> {
        let head = ChainHead::parse(&set.audit_head).ok_or_else(|| StoreError::Corrupt {
            what: "the records to import".into(),
            detail: format!(
                "their audit head's hash `{}` is not 64 hex digits",
                set.audit_head.hash
            ),
        })?;
        let rows = ImportRows::of(set)?;
        let doing = "importing records (nothing was written; fix the cause and import again)";
        let mut tx = self.pool.begin().await.map_err(self.error(doing))?;
        let current = lock_head(&mut tx, &self.url).await?;
        self.refuse_unless_empty(&mut tx, current).await?;
        write_rows(&mut tx, &self.url, &rows).await?;
        sqlx::query(
            "SELECT setval('emitted_event_ids', max(id) + 1, false) FROM emitted_events
             HAVING count(*) > 0",
        )
        .execute(&mut *tx)
        .await
        .map_err(self.error(doing))?;
        store_head(&mut tx, &self.url, &head).await?;
        tx.commit().await.map_err(self.error(doing))
    }

    /// Refuses an import into a database that holds any record, or whose
    /// audit chain has begun.
    async fn refuse_unless_empty(
        &self,
        conn: &mut PgConnection,
        head: ChainHead,
    ) -> Result<(), StoreError> {
        let mut held = Vec::new();
        for table in TABLES {
            let count: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
                .fetch_one(&mut *conn)
                .await
                .map_err(self.error("checking that the database is empty"))?;
            if count > 0 {
                held.push(format!("{table} {count}"));
            }
        }
        if head != ChainHead::GENESIS {
            held.push(format!("an audit head at entry {}", head.seq));
        }
        if held.is_empty() {
            return Ok(());
        }
        Err(StoreError::Io {
            path: self.url.clone(),
            detail: format!(
                "it already holds records ({}); records are imported only into a new, empty database, so nothing was written",
                held.join(", ")
            ),
        })
    }
}

/// Inserts every table's rows.
fn write_rows<'a>(conn: &'a mut PgConnection, url: &'a str, rows: &'a ImportRows) -> InTx<'a, ()> {
    Box::pin(async move {
        let r = &rows.runs;
        insert(
            conn,
            url,
            "runs",
            "INSERT INTO runs (id, workflow, status, next_seq, timer_at, unfinished_since,
                               parent_run, parent_step, parent_index, source_digest, summary)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bigint[],
                                  $5::timestamptz[], $6::timestamptz[], $7::text[], $8::text[],
                                  $9::bigint[], $10::text[], $11::bytea[])",
            r.id.len(),
            move |q, at| {
                q.bind(&r.id[at.clone()])
                    .bind(&r.workflow[at.clone()])
                    .bind(&r.status[at.clone()])
                    .bind(&r.next_seq[at.clone()])
                    .bind(&r.timer_at[at.clone()])
                    .bind(&r.unfinished_since[at.clone()])
                    .bind(&r.parent_run[at.clone()])
                    .bind(&r.parent_step[at.clone()])
                    .bind(&r.parent_index[at.clone()])
                    .bind(&r.source_digest[at.clone()])
                    .bind(&r.summary[at])
            },
        )
        .await?;
        let e = &rows.events;
        insert(
            conn,
            url,
            "run_events",
            "INSERT INTO run_events (run_id, seq, event)
             SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bytea[])",
            e.seq.len(),
            move |q, at| {
                q.bind(&e.names[at.clone()])
                    .bind(&e.seq[at.clone()])
                    .bind(&e.value[at])
            },
        )
        .await?;
        let s = &rows.sources;
        insert(
            conn,
            url,
            "sources",
            "INSERT INTO sources (digest, source) SELECT * FROM UNNEST($1::text[], $2::bytea[])",
            s.text.len(),
            move |q, at| q.bind(&s.text[at.clone()]).bind(&s.value[at]),
        )
        .await?;
        for (table, by_run) in [("tasks", &rows.tasks), ("outbox", &rows.outbox)] {
            // Both tables get a status; only tasks have a due instant.
            let (key, due, due_type) = if table == "tasks" {
                ("id", ", due", ", $6::timestamptz[]")
            } else {
                ("message_id", "", "")
            };
            let sql = format!(
                "INSERT INTO {table} ({key}, run_id, created_at, status, record{due})
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::timestamptz[], $4::text[],
                                      $5::bytea[]{due_type})"
            );
            let with_due = table == "tasks";
            insert(conn, url, table, &sql, by_run.id.len(), move |q, at| {
                let q = q
                    .bind(&by_run.id[at.clone()])
                    .bind(&by_run.run_id[at.clone()])
                    .bind(&by_run.created_at[at.clone()])
                    .bind(&by_run.status[at.clone()])
                    .bind(&by_run.record[at.clone()]);
                if with_due {
                    q.bind(&by_run.due[at])
                } else {
                    q
                }
            })
            .await?;
        }
        let a = &rows.accounts;
        insert(
            conn,
            url,
            "accounts",
            INSERT_ACCOUNTS,
            a.portal.len(),
            move |q, at| a.bind(q, at),
        )
        .await?;
        let h = &rows.history;
        insert(
            conn,
            url,
            "account_history",
            INSERT_ACCOUNT_HISTORY,
            h.seq.len(),
            move |q, at| h.bind_history(q, at),
        )
        .await?;
        let t = &rows.transitions;
        insert(
            conn,
            url,
            "account_transitions",
            INSERT_TRANSITIONS,
            t.portal.len(),
            move |q, at| t.bind(q, at),
        )
        .await?;
        let m = &rows.emitted;
        insert(
            conn,
            url,
            "emitted_events",
            INSERT_EMITTED_EVENTS,
            m.number.len(),
            move |q, at| q.bind(&m.number[at.clone()]).bind(&m.value[at]),
        )
        .await?;
        let c = &rows.schedules;
        insert(
            conn,
            url,
            "schedules",
            "INSERT INTO schedules (workflow, trigger_index, state)
             SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bytea[])",
            c.text.len(),
            move |q, at| {
                q.bind(&c.text[at.clone()])
                    .bind(&c.number[at.clone()])
                    .bind(&c.value[at])
            },
        )
        .await?;
        let n = &rows.users;
        insert(
            conn,
            url,
            "users",
            "INSERT INTO users (email, record) SELECT * FROM UNNEST($1::text[], $2::bytea[])",
            n.text.len(),
            move |q, at| q.bind(&n.text[at.clone()]).bind(&n.value[at]),
        )
        .await?;
        let l = &rows.links;
        insert(
            conn,
            url,
            "links",
            "INSERT INTO links (key, email, record)
             SELECT * FROM UNNEST($1::bytea[], $2::text[], $3::bytea[])",
            l.key.len(),
            move |q, at| {
                q.bind(&l.key[at.clone()])
                    .bind(&l.email[at.clone()])
                    .bind(&l.value[at])
            },
        )
        .await?;
        let u = &rows.audit;
        insert(
            conn,
            url,
            "audit_entries",
            "INSERT INTO audit_entries (seq, period_time, entry)
             SELECT * FROM UNNEST($1::bigint[], $2::timestamptz[], $3::bytea[])",
            u.number.len(),
            move |q, at| {
                q.bind(&u.number[at.clone()])
                    .bind(&u.time[at.clone()])
                    .bind(&u.value[at])
            },
        )
        .await
    })
}
