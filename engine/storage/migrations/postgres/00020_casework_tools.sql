-- +goose Up
-- The caseworker's tools for a large kommune (issue #16).
--
-- applicant_name is the applicant's name as the form's layout names it
-- (layout.applicantName), to show a case by and to find it again after it
-- has left the queue; applicant_search is the same folded to lower case
-- for a search. Both are NULL until set at submit, or by the backfill at
-- start for an application submitted before they were.
ALTER TABLE applications ADD COLUMN applicant_name TEXT;
ALTER TABLE applications ADD COLUMN applicant_search TEXT;
-- The backfill at every start finds what it has left to name here, not by
-- reading every row (on SQLite, past each row's document).
CREATE INDEX applications_unnamed ON applications (id) WHERE applicant_name IS NULL AND status <> 'draft';
-- assignee is the caseworker (users.id) who has taken the case, if any.
ALTER TABLE applications ADD COLUMN assignee TEXT;
-- The list of every application of some kommuner is paged by key on the
-- time it was submitted (or changed) and its id, never read whole. The
-- indexes carry what says whether a row is open, and the counts by status
-- and reason are read from one of their own: on SQLite a row's later
-- columns lie behind its document, which a list must not read.
CREATE INDEX applications_list ON applications (kommune, submitted_at, id, status, closed_at);
CREATE INDEX applications_updated ON applications (kommune, updated_at, id, status, closed_at);
CREATE INDEX applications_facets ON applications (kommune, status, review_reasons, closed_at);
CREATE INDEX applications_assignee ON applications (assignee, kommune);
-- Internal notes on a case: never sent to the citizen or the agency.
CREATE TABLE case_notes (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    author         TEXT NOT NULL,
    body           TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX case_notes_application ON case_notes (application_id, id);
-- Every search a caseworker makes by personal data (a name or a
-- fødselsnummer): who, what she searched for, and which applications she
-- was shown (a JSON list of ids).
CREATE TABLE search_events (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor   TEXT NOT NULL,
    kind    TEXT NOT NULL,
    query   TEXT NOT NULL,
    hits    TEXT NOT NULL,
    at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX search_events_actor ON search_events (actor, id);

-- +goose Down
DROP TABLE search_events;
DROP TABLE case_notes;
DROP INDEX applications_facets;
DROP INDEX applications_unnamed;
DROP INDEX applications_assignee;
DROP INDEX applications_updated;
DROP INDEX applications_list;
ALTER TABLE applications DROP COLUMN assignee;
ALTER TABLE applications DROP COLUMN applicant_search;
ALTER TABLE applications DROP COLUMN applicant_name;
