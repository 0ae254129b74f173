-- +goose Up
-- The month an application is for (yyyy-mm; its 1st is the situasjonsdato,
-- forskrift om bustøtte § 10), decided at submit from the deadline calendar
-- of its channel, and the day by which an application returned for
-- correction must be complete to keep that month (§ 9), stored as the
-- instant that day ends. Empty and NULL: a draft, or an application
-- submitted before this migration.
ALTER TABLE applications ADD COLUMN application_month TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN complete_by TIMESTAMP;

-- +goose Down
ALTER TABLE applications DROP COLUMN complete_by;
ALTER TABLE applications DROP COLUMN application_month;
