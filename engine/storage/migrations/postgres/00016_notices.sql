-- +goose Up
-- What the citizen is told (issue #14 item 6): one notice per event she
-- hears of (received, returned, rejected, accepted), written in the same
-- transaction as the change it tells of, and sent by a job. lang is the
-- language she used, for the notice's text.
ALTER TABLE applications ADD COLUMN lang TEXT NOT NULL DEFAULT 'nb';
CREATE TABLE notices (
    id             TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    event          TEXT NOT NULL,
    state          TEXT NOT NULL,
    channel        TEXT NOT NULL DEFAULT '',
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    sent_at        TIMESTAMP
);
CREATE INDEX notices_application ON notices (application_id, created_at);

-- +goose Down
DROP TABLE notices;
ALTER TABLE applications DROP COLUMN lang;
