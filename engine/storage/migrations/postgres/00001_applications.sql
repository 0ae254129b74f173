-- +goose Up
CREATE TABLE applications (
    id                TEXT PRIMARY KEY,
    form              TEXT NOT NULL,
    form_version      TEXT NOT NULL,
    kommune           TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL,
    data              JSONB NOT NULL DEFAULT '{}',
    reference         TEXT UNIQUE,
    resume_token_hash TEXT NOT NULL,
    idempotency_key   TEXT UNIQUE,
    request_hash      TEXT,
    message           TEXT NOT NULL DEFAULT '',
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    submitted_at      TIMESTAMPTZ
);
CREATE INDEX applications_status ON applications (status, kommune, updated_at);

CREATE TABLE application_events (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id),
    actor          TEXT NOT NULL,
    action         TEXT NOT NULL,
    from_status    TEXT NOT NULL,
    to_status      TEXT NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    at             TIMESTAMPTZ NOT NULL
);
CREATE INDEX application_events_application ON application_events (application_id, id);

CREATE TABLE reference_counters (
    form  TEXT NOT NULL,
    year  INTEGER NOT NULL,
    last  INTEGER NOT NULL,
    PRIMARY KEY (form, year)
);

-- +goose Down
DROP TABLE reference_counters;
DROP TABLE application_events;
DROP TABLE applications;
