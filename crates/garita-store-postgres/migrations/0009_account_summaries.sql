-- Schema 9: each account's summary (AccountSummary, record_codec bytes)
-- beside its record, written with it. The console's views and the
-- dashboard read every account's summary; decoding whole records for them
-- took 42 ms at 10,000 accounts. NULL for accounts written before this
-- schema, until their next write: readers fall back to the record, which
-- decodes to the same summary.
ALTER TABLE accounts ADD COLUMN summary bytea;
