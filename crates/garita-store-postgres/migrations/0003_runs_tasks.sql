-- Schema 3: runs, their events, workflow sources and human tasks.
--
-- Values are record_codec bytes exactly as the sled store keeps them (the
-- audit entries' digests cover them, and a backup copies them unchanged).
-- The other columns are copies taken from the record when it is written,
-- for the indexes and filters; the record is what is read back.

-- Workflow sources, once per distinct text (a run's summary names its
-- source by digest, as in sled: "\u{1}sha256:HEX"). `source` is the UTF-8
-- text without a version byte.
CREATE TABLE sources (
    digest text COLLATE "C" PRIMARY KEY,
    source bytea NOT NULL
);

-- One row per run: its summary, rewritten with every commit.
--   timer_at          wake_at while the run is unfinished (else NULL): due_runs, next_wake
--   unfinished_since  created_at while the run is unfinished (else NULL): unfinished_runs
--   parent_*          the for_each step the run is an item of: children
--   source_digest     the sources row the summary names (NULL: it holds the text)
-- The timestamps keep microseconds; an instant finer than that is decided
-- from the summary (see run_read.rs).
CREATE TABLE runs (
    id text COLLATE "C" PRIMARY KEY,
    workflow text NOT NULL,
    status text NOT NULL,
    next_seq bigint NOT NULL CHECK (next_seq >= 0),
    timer_at timestamptz,
    unfinished_since timestamptz,
    parent_run text COLLATE "C",
    parent_step text COLLATE "C",
    parent_index bigint CHECK (parent_index BETWEEN 0 AND 4294967295),
    source_digest text COLLATE "C",
    summary bytea NOT NULL
);
CREATE INDEX runs_timer ON runs (timer_at, id) WHERE timer_at IS NOT NULL;
CREATE INDEX runs_unfinished ON runs (unfinished_since, id) WHERE unfinished_since IS NOT NULL;
CREATE INDEX runs_children ON runs (parent_run, parent_step, parent_index) WHERE parent_run IS NOT NULL;

-- A run's events, append-only, numbered from 0.
CREATE TABLE run_events (
    run_id text COLLATE "C" NOT NULL,
    seq bigint NOT NULL CHECK (seq >= 0),
    event bytea NOT NULL,
    PRIMARY KEY (run_id, seq)
);

-- Human tasks, rewritten in place (their audit entries say how).
CREATE TABLE tasks (
    id text COLLATE "C" PRIMARY KEY,
    run_id text NOT NULL,
    created_at timestamptz NOT NULL,
    record bytea NOT NULL
);
