-- +goose Up
-- Files a citizen uploads for an application's attachments. The content
-- lives beside the application, so a backup of the database is a backup
-- of everything; a file is at most 10 MiB and an application holds few.
CREATE TABLE files (
    id             TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    attachment     TEXT NOT NULL,
    name           TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size           BIGINT NOT NULL,
    sha256         TEXT NOT NULL,
    content        BYTEA NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX files_application ON files (application_id);

-- +goose Down
DROP TABLE files;
