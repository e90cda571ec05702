-- The log is the record (docs/data-model.md, "Integrity"): the dashboard's cache says
-- when a case's record was found altered outside Escalate, or its history broken, so
-- the dashboard can say so without replaying every case; and the one-off conversions
-- that wrote the words older logs lacked are noted, so opening asks once.
ALTER TABLE case_state ADD COLUMN integrity TEXT;
CREATE TABLE conversions (
    name TEXT PRIMARY KEY,
    done_at TEXT NOT NULL
) STRICT;
