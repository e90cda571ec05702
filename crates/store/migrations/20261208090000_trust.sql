-- Issue 16, signed packages (docs/data-model.md, "Agency identity"): the store's own
-- agency identity, the directory of agencies it trusts, and the packages the Board
-- could not verify. Secrets live only here, inside the encrypted store; the log holds
-- the public halves and is what the public columns are rebuilt from.

-- Every signing key this store has had. The current one has no `retired_at`; a
-- retired key keeps its secret so the current card can be endorsed by it.
CREATE TABLE identity_keys (
    id             INTEGER PRIMARY KEY,
    key_id         TEXT NOT NULL,
    signing_key    TEXT NOT NULL UNIQUE,
    signing_secret TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    retired_at     TEXT
) STRICT;
CREATE UNIQUE INDEX identity_keys_current ON identity_keys ((retired_at IS NULL)) WHERE retired_at IS NULL;

-- The age identity packages for this agency are sealed to: one.
CREATE TABLE identity_recipient (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    recipient  TEXT NOT NULL,
    age_secret TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

-- Trusted agencies' cards, one row per key. A rotated agency keeps its old rows; a
-- revoked key is kept with the day from which it is no longer believed.
CREATE TABLE directory (
    id           INTEGER PRIMARY KEY,
    agency       TEXT NOT NULL,
    sector       TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('agency', 'board')),
    signing_key  TEXT NOT NULL UNIQUE,
    key_id       TEXT NOT NULL,
    recipient    TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    card         TEXT NOT NULL,
    added_at     TEXT NOT NULL,
    revoked_from TEXT
) STRICT;
CREATE INDEX directory_agency ON directory (agency);

-- Board administrator mode: packages whose signer is unknown, or that are unsigned,
-- kept apart from board_packages and board_protocols so they never take part in what
-- is counted until the administrator accepts one.
CREATE TABLE board_held (
    id               INTEGER PRIMARY KEY,
    file_sha256      TEXT NOT NULL UNIQUE,
    file_name        TEXT NOT NULL,
    source_agency    TEXT NOT NULL,
    reference        TEXT NOT NULL,
    exported_at      TEXT NOT NULL,
    monitoring       TEXT NOT NULL,
    pdf              BLOB NOT NULL,
    protocol_sha256  TEXT,
    protocol_id      TEXT,
    protocol_version TEXT,
    protocol_text    TEXT,
    manifest         TEXT,
    signature        TEXT,
    signing_key      TEXT,
    key_id           TEXT,
    fingerprint      TEXT,
    reason           TEXT NOT NULL CHECK (reason IN ('unknown-signer', 'unsigned')),
    imported_at      TEXT NOT NULL
) STRICT;
