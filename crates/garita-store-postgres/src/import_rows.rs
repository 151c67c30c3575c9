//! A [`RecordSet`] turned into the rows of each table, column by column
//! (the import binds each column as one array). Parsing every record
//! before the import's transaction begins means a record that does not fit
//! is refused with nothing written. The index columns are derived here
//! from the records, as the write paths derive them.

use std::ops::Range;

use chrono::{DateTime, NaiveDate, Utc};
use garita_engine::account::Account;
use garita_engine::audit::AuditEntry;
use garita_engine::backup::{parse_event_key, parse_history_key, RecordKind, RecordSet};
use garita_engine::link::FeedToken;
use garita_engine::record_codec::decode;
use garita_engine::user::User;
use garita_engine::{OutboxEntry, RunRecord, StoreError, Task};
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::Postgres;

use crate::account_screen::{AccountColumns, ColumnArrays};
use crate::backup_keys::{
    parse_account_key, parse_id_key, parse_number_key, parse_schedule_key, parse_transition_key,
};
use crate::ids::db_int;
use crate::run_read::floor_micros;
use crate::run_write::RunColumns;

#[derive(Debug, Default)]
pub(crate) struct Runs {
    pub(crate) id: Vec<String>,
    pub(crate) workflow: Vec<String>,
    pub(crate) status: Vec<&'static str>,
    pub(crate) next_seq: Vec<i64>,
    pub(crate) timer_at: Vec<Option<DateTime<Utc>>>,
    pub(crate) unfinished_since: Vec<Option<DateTime<Utc>>>,
    pub(crate) parent_run: Vec<Option<String>>,
    pub(crate) parent_step: Vec<Option<String>>,
    pub(crate) parent_index: Vec<Option<i64>>,
    pub(crate) source_digest: Vec<Option<String>>,
    pub(crate) summary: Vec<Vec<u8>>,
}

/// Rows of a table keyed by text with a copy of a run id and a creation
/// time: tasks and outbox messages.
#[derive(Debug, Default)]
pub(crate) struct ByRun {
    pub(crate) id: Vec<String>,
    pub(crate) run_id: Vec<String>,
    pub(crate) created_at: Vec<DateTime<Utc>>,
    pub(crate) status: Vec<&'static str>,
    /// A task's due instant, to the microsecond below (none for messages).
    pub(crate) due: Vec<Option<DateTime<Utc>>>,
    pub(crate) record: Vec<Vec<u8>>,
}

/// The columns of a task or message row besides its key and record.
struct ByRunColumns {
    run_id: String,
    created_at: DateTime<Utc>,
    status: &'static str,
    due: Option<DateTime<Utc>>,
}

/// Rows keyed by (text, seq): run events, account history (portal and
/// identifier in `names`, `names2`).
#[derive(Debug, Default)]
pub(crate) struct Numbered {
    pub(crate) names: Vec<String>,
    pub(crate) names2: Vec<String>,
    pub(crate) seq: Vec<i64>,
    pub(crate) value: Vec<Vec<u8>>,
}

#[derive(Debug, Default)]
pub(crate) struct Accounts {
    pub(crate) portal: Vec<String>,
    pub(crate) identifier: Vec<String>,
    pub(crate) deactivates_on: Vec<Option<NaiveDate>>,
    pub(crate) record: Vec<Vec<u8>>,
    /// Each account's summary and screen columns, as the write path
    /// stores them.
    pub(crate) columns: ColumnArrays,
}

/// Inserts [`Accounts`] bound by [`Accounts::bind`]: the restore's
/// statement, and with `ON CONFLICT` the write path's.
pub(crate) const INSERT_ACCOUNTS: &str =
    "INSERT INTO accounts (portal, identifier, deactivates_on, record, summary, status,
         fold_key, fold_holder_name, fold_holder_email, fold_employee_id,
         fold_legal_name, fold_tax_id)
     SELECT * FROM UNNEST($1::text[], $2::text[], $3::date[], $4::bytea[], $5::bytea[],
         $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
         $12::text[])";

impl Accounts {
    /// Adds one account: its key, record and the columns taken from it.
    pub(crate) fn push(
        &mut self,
        portal: String,
        identifier: String,
        record: Vec<u8>,
        columns: AccountColumns,
    ) {
        self.portal.push(portal);
        self.identifier.push(identifier);
        self.deactivates_on.push(columns.deactivates_on);
        self.record.push(record);
        self.columns.push(columns);
    }

    /// Binds the rows `at` of every column to [`INSERT_ACCOUNTS`].
    pub(crate) fn bind<'q>(
        &'q self,
        query: Query<'q, Postgres, PgArguments>,
        at: Range<usize>,
    ) -> Query<'q, Postgres, PgArguments> {
        let c = &self.columns;
        query
            .bind(&self.portal[at.clone()])
            .bind(&self.identifier[at.clone()])
            .bind(&self.deactivates_on[at.clone()])
            .bind(&self.record[at.clone()])
            .bind(&c.summary[at.clone()])
            .bind(&c.status[at.clone()])
            .bind(&c.key[at.clone()])
            .bind(&c.holder_name[at.clone()])
            .bind(&c.holder_email[at.clone()])
            .bind(&c.employee_id[at.clone()])
            .bind(&c.legal_name[at.clone()])
            .bind(&c.tax_id[at])
    }
}

/// Inserts account history rows ([`Numbered`]) bound by
/// [`Numbered::bind_history`]: the restore's and the write path's.
pub(crate) const INSERT_ACCOUNT_HISTORY: &str =
    "INSERT INTO account_history (portal, identifier, seq, entry)
     SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::bytea[])";

impl Numbered {
    /// Binds the account history rows `at` to [`INSERT_ACCOUNT_HISTORY`].
    pub(crate) fn bind_history<'q>(
        &'q self,
        query: Query<'q, Postgres, PgArguments>,
        at: Range<usize>,
    ) -> Query<'q, Postgres, PgArguments> {
        query
            .bind(&self.names[at.clone()])
            .bind(&self.names2[at.clone()])
            .bind(&self.seq[at.clone()])
            .bind(&self.value[at])
    }
}

#[derive(Debug, Default)]
pub(crate) struct Transitions {
    pub(crate) portal: Vec<String>,
    pub(crate) identifier: Vec<String>,
    pub(crate) name: Vec<String>,
    pub(crate) effective_on: Vec<NaiveDate>,
    pub(crate) record: Vec<Vec<u8>>,
}

/// Inserts [`Transitions`] bound by [`Transitions::bind`]: the restore's and
/// the write path's.
pub(crate) const INSERT_TRANSITIONS: &str =
    "INSERT INTO account_transitions (portal, identifier, name, effective_on, record)
     SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::date[], $5::bytea[])";

impl Transitions {
    /// Binds the rows `at` to [`INSERT_TRANSITIONS`].
    pub(crate) fn bind<'q>(
        &'q self,
        query: Query<'q, Postgres, PgArguments>,
        at: Range<usize>,
    ) -> Query<'q, Postgres, PgArguments> {
        query
            .bind(&self.portal[at.clone()])
            .bind(&self.identifier[at.clone()])
            .bind(&self.name[at.clone()])
            .bind(&self.effective_on[at.clone()])
            .bind(&self.record[at])
    }
}

/// Inserts emitted events, (id, record) pairs from [`Keyed`]'s `number`
/// and `value`: the restore's and the write path's.
pub(crate) const INSERT_EMITTED_EVENTS: &str =
    "INSERT INTO emitted_events (id, record) SELECT * FROM UNNEST($1::bigint[], $2::bytea[])";

/// Rows keyed by a text and a number: sources and users (no number), schedules
/// (trigger index), emitted events and audit entries (number only; the
/// entries' period time in `time`).
#[derive(Debug, Default)]
pub(crate) struct Keyed {
    pub(crate) text: Vec<String>,
    pub(crate) number: Vec<i64>,
    pub(crate) time: Vec<DateTime<Utc>>,
    pub(crate) value: Vec<Vec<u8>>,
}

/// Rows of `links`: the backup's key, the feed token's email (else none).
#[derive(Debug, Default)]
pub(crate) struct Links {
    pub(crate) key: Vec<Vec<u8>>,
    pub(crate) email: Vec<Option<String>>,
    pub(crate) value: Vec<Vec<u8>>,
}

/// Every table's rows.
#[derive(Debug, Default)]
pub(crate) struct ImportRows {
    pub(crate) runs: Runs,
    pub(crate) events: Numbered,
    pub(crate) sources: Keyed,
    pub(crate) tasks: ByRun,
    pub(crate) outbox: ByRun,
    pub(crate) accounts: Accounts,
    pub(crate) history: Numbered,
    pub(crate) transitions: Transitions,
    pub(crate) emitted: Keyed,
    pub(crate) schedules: Keyed,
    pub(crate) users: Keyed,
    pub(crate) links: Links,
    pub(crate) audit: Keyed,
}

/// A key that does not follow the layout of its kind.
fn bad_key(kind: RecordKind, key: &[u8]) -> StoreError {
    StoreError::Corrupt {
        what: format!(
            "record {} of section `{}` to import",
            String::from_utf8_lossy(key).replace('\0', "/"),
            kind.name()
        ),
        detail: "its key does not follow the backup's layout for this kind; nothing was written"
            .into(),
    }
}

impl ImportRows {
    /// The rows of every record of `set`.
    pub(crate) fn of(set: &RecordSet) -> Result<Self, StoreError> {
        let mut rows = Self::default();
        for kind in RecordKind::ALL {
            for (key, value) in set.section(kind) {
                rows.add(kind, key, value.clone())?;
            }
        }
        Ok(rows)
    }

    fn add(&mut self, kind: RecordKind, key: &[u8], value: Vec<u8>) -> Result<(), StoreError> {
        let bad = || bad_key(kind, key);
        let what = || {
            format!(
                "record {} of section `{}` to import",
                String::from_utf8_lossy(key).replace('\0', "/"),
                kind.name()
            )
        };
        match kind {
            RecordKind::Runs => {
                let id = parse_id_key(key).ok_or_else(bad)?;
                let summary: RunRecord = decode(&value, what)?;
                let columns = RunColumns::of(&summary)?;
                let runs = &mut self.runs;
                runs.id.push(id.to_owned());
                runs.workflow.push(columns.workflow);
                runs.status.push(columns.status);
                runs.next_seq.push(columns.next_seq);
                runs.timer_at.push(columns.timer_at);
                runs.unfinished_since.push(columns.unfinished_since);
                let (run, step, index) = match columns.parent {
                    Some((run, step, index)) => (Some(run), Some(step), Some(index)),
                    None => (None, None, None),
                };
                runs.parent_run.push(run);
                runs.parent_step.push(step);
                runs.parent_index.push(index);
                runs.source_digest.push(columns.source_digest);
                runs.summary.push(value);
            }
            RecordKind::Events => {
                let (run, seq) = parse_event_key(key).ok_or_else(bad)?;
                parse_id_key(run.as_bytes()).ok_or_else(bad)?;
                self.events.names.push(run.to_owned());
                self.events.seq.push(db_int(seq, "an event seq")?);
                self.events.value.push(value);
            }
            RecordKind::Sources => {
                self.sources
                    .text
                    .push(parse_id_key(key).ok_or_else(bad)?.to_owned());
                self.sources.value.push(value);
            }
            RecordKind::Tasks => {
                let task: Task = decode(&value, what)?;
                let columns = ByRunColumns {
                    run_id: task.run_id,
                    created_at: task.created_at,
                    status: task.status.as_str(),
                    due: task.due.map(floor_micros),
                };
                push_by_run(&mut self.tasks, key, columns, value).ok_or_else(bad)?;
            }
            RecordKind::Outbox => {
                let entry: OutboxEntry = decode(&value, what)?;
                let columns = ByRunColumns {
                    run_id: entry.run_id,
                    created_at: entry.created_at,
                    status: entry.status.as_str(),
                    due: None,
                };
                push_by_run(&mut self.outbox, key, columns, value).ok_or_else(bad)?;
            }
            RecordKind::Accounts => {
                let (portal, identifier) = parse_account_key(key).ok_or_else(bad)?;
                let account: Account = decode(&value, what)?;
                let columns =
                    AccountColumns::of_account(&account, &format!("{portal}:{identifier}"))?;
                self.accounts
                    .push(portal.to_owned(), identifier.to_owned(), value, columns);
            }
            RecordKind::AccountHistory => {
                let (portal, identifier, seq) = parse_history_key(key).ok_or_else(bad)?;
                parse_account_key(&crate::backup_keys::account_key(portal, identifier))
                    .ok_or_else(bad)?;
                self.history.names.push(portal.to_owned());
                self.history.names2.push(identifier.to_owned());
                self.history.seq.push(db_int(seq, "a history seq")?);
                self.history.value.push(value);
            }
            RecordKind::AccountTransitions => {
                let (portal, identifier, name, date) = parse_transition_key(key).ok_or_else(bad)?;
                let t = &mut self.transitions;
                t.portal.push(portal.to_owned());
                t.identifier.push(identifier.to_owned());
                t.name.push(name.to_owned());
                t.effective_on.push(date);
                t.record.push(value);
            }
            RecordKind::EmittedEvents => {
                let id = parse_number_key(key).ok_or_else(bad)?;
                self.emitted.number.push(db_int(id, "an event id")?);
                self.emitted.value.push(value);
            }
            RecordKind::Schedules => {
                let (workflow, index) = parse_schedule_key(key).ok_or_else(bad)?;
                self.schedules.text.push(workflow.to_owned());
                self.schedules.number.push(i64::from(index));
                self.schedules.value.push(value);
            }
            RecordKind::Users => {
                let email = parse_id_key(key).ok_or_else(bad)?;
                let user: User = decode(&value, what)?;
                if user.email != email {
                    return Err(bad());
                }
                self.users.text.push(email.to_owned());
                self.users.value.push(value);
            }
            RecordKind::Links => {
                garita_engine::link::check_record(key, &value).map_err(|_| bad())?;
                let email = if key.starts_with(b"feed\0") {
                    Some(decode::<FeedToken>(&value, what)?.email)
                } else {
                    None
                };
                self.links.key.push(key.to_vec());
                self.links.email.push(email);
                self.links.value.push(value);
            }
            RecordKind::Audit => {
                let seq = parse_number_key(key).ok_or_else(bad)?;
                let entry: AuditEntry = decode(&value, what)?;
                self.audit.number.push(db_int(seq, "an audit seq")?);
                self.audit.time.push(entry.period_time());
                self.audit.value.push(value);
            }
        }
        Ok(())
    }
}

fn push_by_run(rows: &mut ByRun, key: &[u8], columns: ByRunColumns, value: Vec<u8>) -> Option<()> {
    rows.id.push(parse_id_key(key)?.to_owned());
    rows.run_id.push(columns.run_id);
    rows.created_at.push(columns.created_at);
    rows.status.push(columns.status);
    rows.due.push(columns.due);
    rows.record.push(value);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use garita_engine::audit::{AuditHead, ChainHead};
    use garita_engine::record_codec::encode;
    use garita_engine::store_conformance::record;

    fn set_with(kind: RecordKind, key: &[u8], value: Vec<u8>) -> RecordSet {
        let mut set = RecordSet::empty(AuditHead::from(ChainHead::GENESIS));
        set.section_mut(kind).push((key.to_vec(), value));
        set
    }

    #[test]
    fn a_run_gives_its_index_columns() -> Result<(), StoreError> {
        let mut run = record("R", 0);
        run.status = garita_engine::RunStatus::Waiting;
        run.wake_at = Some(garita_engine::store_conformance::at(5));
        let bytes = encode(&run, "run")?;
        let rows = ImportRows::of(&set_with(RecordKind::Runs, b"R", bytes))?;
        assert_eq!(rows.runs.id, ["R"]);
        assert_eq!(rows.runs.timer_at, [run.wake_at]);
        assert_eq!(rows.runs.unfinished_since, [Some(run.created_at)]);
        assert_eq!(
            rows.runs.source_digest,
            [None],
            "a summary holding its text"
        );
        Ok(())
    }

    #[test]
    fn a_user_is_keyed_by_its_own_email() -> Result<(), StoreError> {
        let at = garita_engine::store_conformance::at(0);
        let user = garita_engine::user::User {
            email: "ana@example.com".into(),
            role: garita_engine::user::Role::Officer,
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            disabled: false,
            created_at: at,
            updated_at: at,
            language: garita_engine::user::Language::Es,
            revision: 1,
        };
        let bytes = encode(&user, "user")?;
        let rows = ImportRows::of(&set_with(
            RecordKind::Users,
            b"ana@example.com",
            bytes.clone(),
        ))?;
        assert_eq!(rows.users.text, ["ana@example.com"]);
        let other = ImportRows::of(&set_with(RecordKind::Users, b"bea@example.com", bytes));
        assert!(
            matches!(other, Err(StoreError::Corrupt { .. })),
            "{other:?}"
        );
        Ok(())
    }

    #[test]
    fn keys_outside_the_layout_are_refused() -> Result<(), StoreError> {
        let run = encode(&record("R", 0), "run")?;
        for (kind, key, value) in [
            (RecordKind::Runs, b"a\0b".to_vec(), run.clone()),
            (RecordKind::Runs, Vec::new(), run),
            (RecordKind::Events, b"R".to_vec(), vec![1]),
            (RecordKind::EmittedEvents, b"short".to_vec(), vec![1]),
            (RecordKind::Schedules, b"w".to_vec(), vec![1]),
            (RecordKind::AccountTransitions, b"a\0b".to_vec(), vec![1]),
        ] {
            let refused = ImportRows::of(&set_with(kind, &key, value));
            assert!(
                matches!(refused, Err(StoreError::Corrupt { .. })),
                "{}: {refused:?}",
                kind.name()
            );
        }
        Ok(())
    }
}
