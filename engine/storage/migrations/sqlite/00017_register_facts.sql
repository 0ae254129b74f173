-- +goose Up
-- What Folkeregisteret said when the signed-in citizen's draft was filled
-- from it (issue #14 item 3): {"source", "on", "values": {pointer: value}},
-- so that the caseworker tells a fact from the register from an answer
-- typed or changed by the citizen. '' where nothing was filled.
ALTER TABLE applications ADD COLUMN register_facts TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE applications DROP COLUMN register_facts;
