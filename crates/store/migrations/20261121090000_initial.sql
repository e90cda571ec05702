-- Escalate store, first schema. Never edit this file once it has landed: add a new
-- timestamped migration instead. Documented in docs/data-model.md.
-- Times are ISO 8601 local (UK) date-times 'YYYY-MM-DDTHH:MM:SS'; dates 'YYYY-MM-DD'.

CREATE TABLE profile (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    name              TEXT NOT NULL,
    designation       TEXT NOT NULL,
    agency            TEXT NOT NULL,
    sector            TEXT NOT NULL,
    protocol_id       TEXT NOT NULL,
    calendar          TEXT NOT NULL,
    auto_lock_minutes INTEGER NOT NULL DEFAULT 10,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
) STRICT;

CREATE TABLE agencies (
    id     INTEGER PRIMARY KEY,
    name   TEXT NOT NULL UNIQUE COLLATE NOCASE,
    sector TEXT NOT NULL
) STRICT;

CREATE TABLE people (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL,
    role      TEXT NOT NULL,
    agency_id INTEGER NOT NULL REFERENCES agencies (id),
    email     TEXT,
    phone     TEXT,
    UNIQUE (name, agency_id)
) STRICT;

CREATE TABLE cases (
    id                     INTEGER PRIMARY KEY,
    reference              TEXT NOT NULL UNIQUE,
    protocol_id            TEXT NOT NULL,
    protocol_version       TEXT NOT NULL,
    child_name             TEXT NOT NULL,
    child_dob              TEXT,
    child_identifiers      TEXT NOT NULL DEFAULT '',
    category               TEXT NOT NULL,
    summary                TEXT NOT NULL,
    raising_agency_id      INTEGER NOT NULL REFERENCES agencies (id),
    raising_professional   TEXT,
    receiving_agency_id    INTEGER NOT NULL REFERENCES agencies (id),
    receiving_professional TEXT,
    opened_at              TEXT NOT NULL,
    immediate_risk         INTEGER NOT NULL DEFAULT 0 CHECK (immediate_risk IN (0, 1)),
    immediate_risk_reason  TEXT,
    status                 TEXT NOT NULL CHECK (status IN ('open', 'resolved', 'withdrawn', 'redirected')),
    outcome                TEXT,
    closed_at              TEXT,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL
) STRICT;

-- The dashboard's row for each case: the engine's view (escalate_core::Case as JSON)
-- and the few names the list shows, kept narrow and apart from the case text so the
-- dashboard reads (and decrypts) as few pages as possible. Names are copied from
-- cases/agencies when the case is created; they are never edited afterwards.
CREATE TABLE case_state (
    case_id          INTEGER PRIMARY KEY REFERENCES cases (id),
    reference        TEXT NOT NULL,
    child_name       TEXT NOT NULL,
    raising_agency   TEXT NOT NULL,
    receiving_agency TEXT NOT NULL,
    status           TEXT NOT NULL,
    protocol_id      TEXT NOT NULL,
    engine           TEXT NOT NULL
) STRICT;
CREATE INDEX case_state_status ON case_state (status);
CREATE UNIQUE INDEX case_state_reference ON case_state (reference);

CREATE TABLE stage_records (
    id               INTEGER PRIMARY KEY,
    case_id          INTEGER NOT NULL REFERENCES cases (id),
    stage            INTEGER NOT NULL,
    discussed_at     TEXT NOT NULL,
    participants     TEXT NOT NULL DEFAULT '[]',
    raising_view     TEXT NOT NULL DEFAULT '',
    receiving_view   TEXT NOT NULL DEFAULT '',
    summary          TEXT NOT NULL,
    agreed           TEXT NOT NULL,
    resolved         INTEGER NOT NULL CHECK (resolved IN (0, 1)),
    extra            TEXT NOT NULL DEFAULT '{}',
    next_step        TEXT NOT NULL DEFAULT '',
    approved_by      TEXT,
    approved_on      TEXT,
    recorded_at      TEXT NOT NULL,
    recorded_by      TEXT NOT NULL
) STRICT;
CREATE INDEX stage_records_case ON stage_records (case_id, stage);

CREATE TABLE stage_moves (
    id       INTEGER PRIMARY KEY,
    case_id  INTEGER NOT NULL REFERENCES cases (id),
    kind     TEXT NOT NULL,
    from_stage INTEGER,
    to_stage INTEGER,
    at       TEXT NOT NULL,
    reason   TEXT NOT NULL DEFAULT '',
    by       TEXT NOT NULL
) STRICT;
CREATE INDEX stage_moves_case ON stage_moves (case_id);

CREATE TABLE notifications_sent (
    id              INTEGER PRIMARY KEY,
    case_id         INTEGER NOT NULL REFERENCES cases (id),
    stage           INTEGER,
    notification_id TEXT NOT NULL,
    sent_to         TEXT NOT NULL,
    due             TEXT,
    sent_at         TEXT NOT NULL,
    sent_by         TEXT NOT NULL,
    note            TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX notifications_sent_case ON notifications_sent (case_id);

CREATE TABLE deadline_overrides (
    id      INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    stage   INTEGER NOT NULL,
    due     TEXT NOT NULL,
    reason  TEXT NOT NULL,
    set_at  TEXT NOT NULL,
    set_by  TEXT NOT NULL
) STRICT;

CREATE TABLE closure_days (
    day  TEXT PRIMARY KEY,
    note TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE attachments (
    id              INTEGER PRIMARY KEY,
    case_id         INTEGER NOT NULL REFERENCES cases (id),
    stage_record_id INTEGER REFERENCES stage_records (id),
    file_name       TEXT NOT NULL,
    media_type      TEXT NOT NULL,
    size            INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    content         BLOB NOT NULL,
    added_at        TEXT NOT NULL,
    added_by        TEXT NOT NULL
) STRICT;

CREATE TABLE drafts (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER REFERENCES cases (id),
    kind       TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (case_id, kind)
) STRICT;

-- Append-only, hash-chained: hash = SHA-256 over the previous hash and this entry's
-- fields (see crates/store/src/audit.rs). Any later edit, deletion or reordering
-- breaks the chain at the first entry touched.
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before    TEXT,
    after     TEXT,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;
