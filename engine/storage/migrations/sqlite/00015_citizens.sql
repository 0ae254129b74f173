-- +goose Up
-- Citizens signed in with ID-porten (issue #14). A session starts with a
-- one-time code (handed to the widget through the redirect back to the
-- kommune's page) and lives on as the widget's bearer token; both only as
-- hashes. id_token is ID-porten's, kept as the hint its sign-out needs.
CREATE TABLE citizen_sessions (
    id              TEXT PRIMARY KEY,
    code_hash       TEXT UNIQUE,
    token_hash      TEXT UNIQUE,
    pid             TEXT NOT NULL,
    owner_hash      TEXT NOT NULL,
    level           TEXT NOT NULL,
    locale          TEXT NOT NULL,
    id_token        TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    code_expires_at TIMESTAMP NOT NULL,
    seen_at         TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL
);
CREATE INDEX citizen_sessions_expires ON citizen_sessions (expires_at);
-- The signed-in citizen an application belongs to (a hash of her pid), and
-- the level she signed in at when she submitted it: '' is an application
-- from no one identified (the anonymous route, or before sign-in existed).
ALTER TABLE applications ADD COLUMN owner_hash TEXT;
ALTER TABLE applications ADD COLUMN identified TEXT NOT NULL DEFAULT '';
CREATE INDEX applications_owner ON applications (owner_hash, updated_at);

-- +goose Down
DROP INDEX applications_owner;
ALTER TABLE applications DROP COLUMN identified;
ALTER TABLE applications DROP COLUMN owner_hash;
DROP TABLE citizen_sessions;
