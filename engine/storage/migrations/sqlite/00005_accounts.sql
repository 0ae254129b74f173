-- +goose Up
-- Caseworkers and admins. A user belongs to the kommuner whose applications
-- she may see. How she proves who she is lives apart, in identities: a local
-- password today, a kommune's OpenID Connect provider (provider = its
-- issuer, subject = its sub claim) beside it later, without touching users.
CREATE TABLE users (
    id         TEXT PRIMARY KEY,
    email      TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    admin      BOOLEAN NOT NULL DEFAULT FALSE,
    disabled   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE user_kommuner (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kommune TEXT NOT NULL,
    PRIMARY KEY (user_id, kommune)
);
CREATE TABLE identities (
    provider    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_hash TEXT,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX identities_user ON identities (user_id);
-- Sessions of the caseworker UI: the cookie's token only as a hash, and the
-- session's CSRF token.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- +goose Down
DROP TABLE sessions;
DROP TABLE identities;
DROP TABLE user_kommuner;
DROP TABLE users;
