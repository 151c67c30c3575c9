-- Schema 8: a task's status and due instant, and a message's status, as
-- columns copied from the record on write, with partial indexes, so the
-- console's Inicio counts open, overdue and failed from them instead of
-- reading every task and message ever written.
--
-- Rows already stored get them from their record (record_codec version
-- byte 1, then JSON). A due instant finer than a microsecond is cut to the
-- microsecond below it, as the write path does (tasks.rs): the column
-- keeps no more, and an instant within a microsecond of `now` is decided
-- from the record.
ALTER TABLE tasks ADD COLUMN status text, ADD COLUMN due timestamptz;
UPDATE tasks
   SET status = r.doc ->> 'status',
       due = regexp_replace(r.doc ->> 'due', '([.][0-9]{6})[0-9]+', '\1')::timestamptz
  FROM (SELECT id, convert_from(substring(record FROM 2), 'UTF8')::jsonb AS doc FROM tasks) r
 WHERE tasks.id = r.id;
ALTER TABLE tasks ALTER COLUMN status SET NOT NULL;
CREATE INDEX tasks_open_by_due ON tasks (due) WHERE status = 'open';

ALTER TABLE outbox ADD COLUMN status text;
UPDATE outbox
   SET status = convert_from(substring(record FROM 2), 'UTF8')::jsonb ->> 'status';
ALTER TABLE outbox ALTER COLUMN status SET NOT NULL;
CREATE INDEX outbox_by_status ON outbox (status);
