-- +goose Up
-- Letters the kommune sends the citizen (issue #17 item 4): the decision
-- letter, made when the decision is, and kept as it was sent, so that what
-- she read is what the case holds.
CREATE TABLE letters (
    id                TEXT PRIMARY KEY,
    application_id    TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    kind              TEXT NOT NULL,
    recommendation_id BIGINT,
    lang              TEXT NOT NULL,
    name              TEXT NOT NULL,
    sha256            TEXT NOT NULL,
    content           BLOB NOT NULL,
    created_at        TIMESTAMP NOT NULL
);
CREATE INDEX letters_application ON letters (application_id, created_at);

-- +goose Down
DROP TABLE letters;
