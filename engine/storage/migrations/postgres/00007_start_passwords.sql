-- +goose Up
-- A password an admin hands out (a new account's, or a reset) is a start
-- password: the user must replace it before she does anything else, so no
-- one who saw it on its way can keep using it. Changing it clears this.
ALTER TABLE identities ADD COLUMN must_change BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE identities DROP COLUMN must_change;
