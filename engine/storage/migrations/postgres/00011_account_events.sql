-- +goose Up
-- Every change to a caseworker's account, by whom and when: created (with
-- its kommuner and role), disabled or enabled, its password reset by an
-- admin or changed by its owner. Accounts are kept in the audit log like
-- applications: an admin's write is a caseworker's write.
CREATE TABLE account_events (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT '',
    at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX account_events_user ON account_events (user_id, id);

-- +goose Down
DROP TABLE account_events;
