-- Schema 2: the durable email outbox. One row per Message-ID for the message's
-- whole life (retries and re-runs replace it); `record` is the OutboxEntry as
-- record_codec bytes, which its audit entries' outbox_sha256 digests cover.
-- run_id and created_at are copies for filtering and ordering.
CREATE TABLE outbox (
    message_id text COLLATE "C" PRIMARY KEY,
    run_id text NOT NULL,
    created_at timestamptz NOT NULL,
    record bytea NOT NULL
);
CREATE INDEX outbox_by_run ON outbox (run_id);
