-- Board administrator mode: export packages imported from agencies. Each row is one
-- version of one case from one agency; the newest version is current. Older versions
-- are kept, so the audit trail and the data both show what was replaced.
CREATE TABLE board_packages (
    id            INTEGER PRIMARY KEY,
    source_agency TEXT NOT NULL,
    reference     TEXT NOT NULL,
    exported_at   TEXT NOT NULL,
    -- SHA-256 of the package file: the same file twice is one record.
    file_sha256   TEXT NOT NULL UNIQUE,
    file_name     TEXT NOT NULL,
    monitoring    TEXT NOT NULL,
    pdf           BLOB NOT NULL,
    imported_at   TEXT NOT NULL,
    current       INTEGER NOT NULL CHECK (current IN (0, 1)),
    UNIQUE (source_agency, reference, exported_at)
) STRICT;
CREATE UNIQUE INDEX board_packages_current ON board_packages (source_agency, reference) WHERE current = 1;
