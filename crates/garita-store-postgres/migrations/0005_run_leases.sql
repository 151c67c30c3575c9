-- Which daemon drives which run (garita_engine::lease). A row is a lease:
-- its owner drives the run until expires_at unless it renews. Times are
-- the database server's clock, so daemons on machines whose clocks differ
-- agree on when a lease expired.
CREATE TABLE run_leases (
    run_id     text        PRIMARY KEY,
    owner      text        NOT NULL,
    expires_at timestamptz NOT NULL
);
