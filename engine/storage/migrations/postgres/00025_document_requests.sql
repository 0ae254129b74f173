-- +goose Up
-- Ettersending (issue #17 item 4): the attachments a caseworker asked the
-- citizen to send, as a JSON list of the form's attachment ids, while the
-- application waits for them; empty otherwise.
ALTER TABLE applications ADD COLUMN requested_documents TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE applications DROP COLUMN requested_documents;
