-- Installed protocols (docs/data-model.md): every version of a protocol this store has
-- used or may use, kept whole, named by the SHA-256 of its text. The shipped protocols
-- are installed when a store is made (and a changed shipped text when a newer build
-- opens it); a lead or administrator installs others from files. `current` marks the
-- version new cases of its id are opened under. A version is never changed in place:
-- a case is pinned to it by its hash.
CREATE TABLE protocols (
    id           INTEGER PRIMARY KEY,
    protocol_id  TEXT NOT NULL,
    version      TEXT NOT NULL,
    sha256       TEXT NOT NULL UNIQUE,
    text         TEXT NOT NULL,
    shipped      INTEGER NOT NULL CHECK (shipped IN (0, 1)),
    file_name    TEXT NOT NULL,
    installed_at TEXT NOT NULL,
    current      INTEGER NOT NULL CHECK (current IN (0, 1))
) STRICT;
CREATE UNIQUE INDEX protocols_current ON protocols (protocol_id) WHERE current = 1;

-- The version each case runs under (as opened, or as the lead moved it to), by hash.
-- Cases made before this are pinned, once, to the shipped text of their protocol by a
-- step in Rust after the migrations (crates/store/src/store/protocols.rs).
ALTER TABLE cases ADD COLUMN protocol_sha256 TEXT;
CREATE INDEX cases_protocol ON cases (protocol_id, protocol_sha256);
ALTER TABLE case_state ADD COLUMN protocol_sha256 TEXT NOT NULL DEFAULT '';

-- Official bank-holiday lists imported from GOV.UK's bank-holidays.json, each kept
-- whole: the newest import of a year replaces the shipped list and the rules for it.
CREATE TABLE holiday_imports (
    id          INTEGER PRIMARY KEY,
    sha256      TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    text        TEXT NOT NULL,
    imported_at TEXT NOT NULL
) STRICT;

-- Board administrator mode: the protocol file each escalate-monitoring/2 package
-- carried, once per text, so timeliness is counted under the version the case ran
-- under even where the Board never installed it.
CREATE TABLE board_protocols (
    sha256      TEXT PRIMARY KEY,
    protocol_id TEXT NOT NULL,
    version     TEXT NOT NULL,
    text        TEXT NOT NULL
) STRICT;
ALTER TABLE board_packages ADD COLUMN protocol_sha256 TEXT REFERENCES board_protocols (sha256);
