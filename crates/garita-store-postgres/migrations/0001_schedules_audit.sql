-- Schema 1: schedule trigger states and the audit chain.
--
-- Record values are bytea holding exactly the bytes garita_engine::record_codec
-- produced (a version byte, then JSON): the audit digests are taken over those
-- bytes, and a backup copies them unchanged between backends.

-- One row per schedule trigger. COLLATE "C" orders names byte by byte, which
-- is TriggerKey's order (a locale's collation would ignore '-').
CREATE TABLE schedules (
    workflow text COLLATE "C" NOT NULL,
    trigger_index bigint NOT NULL CHECK (trigger_index BETWEEN 0 AND 4294967295),
    state bytea NOT NULL,
    PRIMARY KEY (workflow, trigger_index)
);

-- The audit chain: one row per entry, keyed by its seq. period_time is the
-- entry's AuditEntry::period_time to the microsecond, for exports by period
-- (the exact nanoseconds are in the entry itself).
CREATE TABLE audit_entries (
    seq bigint PRIMARY KEY CHECK (seq > 0),
    period_time timestamptz NOT NULL,
    entry bytea NOT NULL
);
CREATE INDEX audit_entries_by_period ON audit_entries (period_time);

-- The chain's head, one row. Every append locks it (SELECT ... FOR UPDATE) in
-- the transaction that writes the entry and the change it records, which is
-- what keeps one gap-free chain across every process on the database.
CREATE TABLE audit_head (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    seq bigint NOT NULL CHECK (seq >= 0),
    hash text NOT NULL
);
INSERT INTO audit_head (only_row, seq, hash) VALUES (true, 0, repeat('0', 64));
