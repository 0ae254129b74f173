-- +goose Up
-- One application per applicant, month and kommune (issue #13 item 8): the
-- applicant's identity is kept as a hash to find a second application by,
-- and a second one points to the first it duplicates. NULL: a form without
-- an applicant pointer, a draft, or an application submitted before this.
ALTER TABLE applications ADD COLUMN applicant_hash TEXT;
ALTER TABLE applications ADD COLUMN duplicate_of TEXT;
CREATE INDEX applications_applicant ON applications (form, applicant_hash, application_month, kommune);

-- +goose Down
DROP INDEX applications_applicant;
ALTER TABLE applications DROP COLUMN duplicate_of;
ALTER TABLE applications DROP COLUMN applicant_hash;
