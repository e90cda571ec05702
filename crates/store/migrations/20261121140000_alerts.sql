-- Desktop alerts already shown, so each deadline alerts once when it comes within a
-- working day and once when it passes, across restarts: no repeats, no nagging.
CREATE TABLE alerts_shown (
    case_id   INTEGER NOT NULL REFERENCES cases(id),
    level     TEXT    NOT NULL CHECK (level IN ('due-soon', 'overdue')),
    due       TEXT    NOT NULL,
    shown_at  TEXT    NOT NULL,
    PRIMARY KEY (case_id, level, due)
) STRICT;
