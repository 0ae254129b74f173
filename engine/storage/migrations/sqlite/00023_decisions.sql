-- +goose Up
-- The kommune's own decision, with four eyes (issue #17 item 3): a
-- caseworker writes a recommendation (innstilling), and a person with the
-- decision role (fullmaktshaver) in the application's kommune approves it
-- or sends it back; never the same person. Each recommendation is kept,
-- with what became of it.
ALTER TABLE user_kommuner ADD COLUMN decides BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE recommendations (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    author         TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    amount         BIGINT,
    rate           TEXT NOT NULL DEFAULT '',
    term_years     INTEGER,
    reasons        TEXT NOT NULL DEFAULT '',
    body           TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    decided_by     TEXT,
    decision       TEXT,
    comment        TEXT NOT NULL DEFAULT '',
    decided_at     TIMESTAMP
);
CREATE INDEX recommendations_application ON recommendations (application_id, id);

-- +goose Down
DROP TABLE recommendations;
ALTER TABLE user_kommuner DROP COLUMN decides;
