-- +goose Up
-- The one-time code of a sign-in is bound to the browser tab that started
-- it (security review of the sign-in, 1): binding is the S256 of a secret
-- only that tab holds, which the exchange must show. Without it a code
-- sent to someone else's browser would sign her in as its owner.
ALTER TABLE citizen_sessions ADD COLUMN binding TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE citizen_sessions DROP COLUMN binding;
