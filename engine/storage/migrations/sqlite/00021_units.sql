-- +goose Up
-- Units inside a kommune (issue #16 item 5): Oslo handles bostøtte per
-- bydel. unit is the unit of the application's kommune that handles it,
-- decided from the address's postnummer by the installation's units file;
-- NULL for none (the kommune is not divided, or no unit lists the
-- postnummer): it goes to the kommune's caseworkers of no unit.
ALTER TABLE applications ADD COLUMN unit TEXT;
-- The units a caseworker belongs to, in a kommune of hers. A caseworker
-- with none in a kommune sees all of it; with some, only their
-- applications.
CREATE TABLE user_units (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kommune TEXT NOT NULL,
    unit    TEXT NOT NULL,
    PRIMARY KEY (user_id, kommune, unit)
);
-- A unit's list, paged by key like the kommune's, and its counts by
-- status and reason (00020), without reading the documents.
CREATE INDEX applications_unit ON applications (kommune, unit, submitted_at, id, status, closed_at);
CREATE INDEX applications_unit_facets ON applications (kommune, unit, status, review_reasons, closed_at);

-- +goose Down
DROP INDEX applications_unit_facets;
DROP INDEX applications_unit;
DROP TABLE user_units;
ALTER TABLE applications DROP COLUMN unit;
