-- +goose Up
-- The routing rules' reasons, decided at submit from the document already
-- decoded there, so the route job need not read and decode it again.
-- NULL: not decided yet (an application submitted before this migration);
-- the route job decides them from the document.
ALTER TABLE applications ADD COLUMN route_reasons TEXT;

-- +goose Down
ALTER TABLE applications DROP COLUMN route_reasons;
