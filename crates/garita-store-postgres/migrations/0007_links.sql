-- Schema 7: holders' signed links, their secret and the calendar feeds'
-- tokens (garita_engine::link). One table keyed exactly as the backup's
-- `links` kind (`secret`, `link` 0x00 id, `feed` 0x00 hex SHA-256 of the
-- token); values are record_codec bytes as in sled. `email` is copied from
-- a feed token's record, to revoke a person's feeds; NULL for the rest.
CREATE TABLE links (
    key bytea PRIMARY KEY,
    email text COLLATE "C",
    record bytea NOT NULL
);
CREATE INDEX links_feeds_by_email ON links (email) WHERE email IS NOT NULL;
