-- +goose Up
-- What a caseworker's actions need to keep. detail holds an event's data
-- beyond its status move: a correction's pointer with the old and new value.
ALTER TABLE application_events ADD COLUMN detail TEXT NOT NULL DEFAULT '';
-- The fields a caseworker asks the citizen to fix (a JSON array of
-- pointers), shown with the message while the application awaits her.
ALTER TABLE applications ADD COLUMN return_fields TEXT NOT NULL DEFAULT '';
-- digital (the widget or the API) or paper (registered by a caseworker).
ALTER TABLE applications ADD COLUMN channel TEXT NOT NULL DEFAULT 'digital';
-- Set when a caseworker settles a rejected application for good, so it
-- leaves the exception queue; a reopen clears it.
ALTER TABLE applications ADD COLUMN closed_at TIMESTAMP;
CREATE INDEX application_events_actor ON application_events (actor, id);

-- +goose Down
DROP INDEX application_events_actor;
ALTER TABLE applications DROP COLUMN closed_at;
ALTER TABLE applications DROP COLUMN channel;
ALTER TABLE applications DROP COLUMN return_fields;
ALTER TABLE application_events DROP COLUMN detail;
