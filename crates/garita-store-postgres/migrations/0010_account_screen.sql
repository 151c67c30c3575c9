-- Schema 10: what the console's screens select, filter, order and count by,
-- beside each account, so a page of 50 is chosen by the server instead of
-- every account being sent to the daemon (52 ms a view at 10,000
-- accounts). status is the account's status as stored; the fold_* columns
-- are garita_engine::account::FoldedTexts, folded by Garita (the server's
-- lower() would fold other letters than Rust does). The migration fills
-- them from each account's summary, then makes them required.
ALTER TABLE accounts
    ADD COLUMN status text COLLATE "C",
    ADD COLUMN fold_key text COLLATE "C",
    ADD COLUMN fold_holder_name text COLLATE "C",
    ADD COLUMN fold_holder_email text COLLATE "C",
    ADD COLUMN fold_employee_id text COLLATE "C",
    ADD COLUMN fold_legal_name text COLLATE "C",
    ADD COLUMN fold_tax_id text COLLATE "C";
-- A screen's order: the soonest deactivation first, then key order.
CREATE INDEX accounts_screen_order ON accounts (deactivates_on NULLS LAST, portal, identifier);
