-- +goose Up
ALTER TABLE applications ADD COLUMN review_reasons TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN agency_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN batch_id TEXT;
CREATE INDEX applications_batch ON applications (batch_id);

CREATE TABLE batches (
    id           TEXT PRIMARY KEY,
    agency       TEXT NOT NULL,
    kommune      TEXT NOT NULL,
    status       TEXT NOT NULL,
    item_count   INTEGER NOT NULL DEFAULT 0,
    sha256       TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    sealed_at    TIMESTAMP,
    delivered_at TIMESTAMP
);
-- One open batch per (agency, kommune): a second one can never be opened.
CREATE UNIQUE INDEX batches_one_open ON batches (agency, kommune) WHERE status = 'open';
CREATE INDEX batches_status ON batches (status, agency, sealed_at);

-- +goose Down
DROP TABLE batches;
DROP INDEX applications_batch;
ALTER TABLE applications DROP COLUMN batch_id;
ALTER TABLE applications DROP COLUMN agency_reason;
ALTER TABLE applications DROP COLUMN review_reasons;
