-- +goose Up
-- An agency may hold more than one API key while it rotates (issue #18
-- item 2): the old key works until expires_at, and a revoked key not at
-- all. The table is rebuilt: its primary key was the agency.
CREATE TABLE agency_keys_rotating (
    id           TEXT PRIMARY KEY,
    agency       TEXT NOT NULL,
    api_key_hash TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP,
    revoked_at   TIMESTAMP
);
INSERT INTO agency_keys_rotating (id, agency, api_key_hash, created_at)
    SELECT agency || '-1', agency, api_key_hash, created_at FROM agency_keys;
DROP TABLE agency_keys;
ALTER TABLE agency_keys_rotating RENAME TO agency_keys;
CREATE INDEX agency_keys_agency ON agency_keys (agency);

-- +goose Down
DROP TABLE agency_keys;
CREATE TABLE agency_keys (
    agency       TEXT PRIMARY KEY,
    api_key_hash TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL
);
