-- Schema 4: the account inventory, its history, rule transitions applied
-- once each, and the queue of events emitted for the daemon. Values are
-- record_codec bytes exactly as in sled; portal and identifier are the
-- normalised AccountKey.

-- deactivates_on is the account's Account::indexed_deactivation (a CTPAT
-- account that can still be deactivated), else NULL: "who deactivates
-- between two dates" reads only the answer from the partial index.
CREATE TABLE accounts (
    portal text COLLATE "C" NOT NULL,
    identifier text COLLATE "C" NOT NULL,
    deactivates_on date,
    record bytea NOT NULL,
    PRIMARY KEY (portal, identifier)
);
CREATE INDEX accounts_deactivating ON accounts (deactivates_on, portal, identifier)
    WHERE deactivates_on IS NOT NULL;

CREATE TABLE account_history (
    portal text COLLATE "C" NOT NULL,
    identifier text COLLATE "C" NOT NULL,
    seq bigint NOT NULL CHECK (seq >= 0),
    entry bytea NOT NULL,
    PRIMARY KEY (portal, identifier, seq)
);

-- The primary key is the TransitionKey: a second insert of one fails, which
-- is what makes a transition apply exactly once across daemons.
CREATE TABLE account_transitions (
    portal text COLLATE "C" NOT NULL,
    identifier text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    effective_on date NOT NULL,
    record bytea NOT NULL,
    PRIMARY KEY (portal, identifier, name, effective_on)
);

-- Events queued for the daemon until acknowledged; ids from a sequence, so
-- increasing across every process (an import moves it past the imported ids).
CREATE SEQUENCE emitted_event_ids;
CREATE TABLE emitted_events (
    id bigint PRIMARY KEY CHECK (id >= 0),
    record bytea NOT NULL
);
