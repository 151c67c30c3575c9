-- Schema 6: console users, their sign-in sessions and failed sign-in counts
-- (garita_engine::user). Values are record_codec bytes exactly as in sled;
-- the other columns are copies taken from them on write.

-- email is the normalised email (garita_engine::user::normalize_email), the
-- key of the backup's `users` kind.
CREATE TABLE users (
    email text COLLATE "C" PRIMARY KEY,
    record bytea NOT NULL
);

-- Keyed by the SHA-256 of the session id, never the id. Not backed up.
CREATE TABLE console_sessions (
    id_hash text COLLATE "C" PRIMARY KEY,
    email text COLLATE "C" NOT NULL,
    expires_at timestamptz NOT NULL,
    record bytea NOT NULL
);
CREATE INDEX console_sessions_by_email ON console_sessions (email);
CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at);

-- The limiter's count under its key (`email:...`, `ip:...`). Not backed up.
CREATE TABLE login_failures (
    key text COLLATE "C" PRIMARY KEY,
    record bytea NOT NULL
);
