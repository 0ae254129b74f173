-- +goose Up
-- The language a caseworker reads the UI in (nb or nn), as she chose it;
-- empty until she does, when her kommune's written language decides.
ALTER TABLE users ADD COLUMN lang TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE users DROP COLUMN lang;
