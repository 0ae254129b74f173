-- +goose Up
CREATE TABLE agency_keys (
    agency       TEXT PRIMARY KEY,
    api_key_hash TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE agency_keys;
