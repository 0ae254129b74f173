-- +goose Up
-- What the citizen sent, kept when her application is returned to her: while
-- she changes it, her copy (and the caseworker's) is still what she sent,
-- not what she is writing. Empty for one never returned; the copy then reads
-- data, which is what she sent.
ALTER TABLE applications ADD COLUMN sent_data TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE applications DROP COLUMN sent_data;
