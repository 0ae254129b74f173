-- +goose Up
-- A file's content in chunks of at most 1 MiB, each written in a short
-- transaction of its own while the upload streams in: a 10 MiB upload then
-- never holds the one SQLite writer, or 10 MiB of memory, at once
-- (security review V4, code review B7). Chunks are written before their
-- file's row, so they name it without a foreign key; chunks no file names
-- are purged.
CREATE TABLE file_chunks (
    file_id    TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    data       BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (file_id, seq)
);
CREATE INDEX file_chunks_created ON file_chunks (created_at);
INSERT INTO file_chunks (file_id, seq, data, created_at) SELECT id, 0, content, created_at FROM files;
ALTER TABLE files DROP COLUMN content;

-- +goose Down
-- SQLite cannot join blobs: a file of more than one chunk keeps only its
-- first MiB here. Take a backup before migrating down.
ALTER TABLE files ADD COLUMN content BLOB NOT NULL DEFAULT '';
UPDATE files SET content = (SELECT data FROM file_chunks WHERE file_id = files.id AND seq = 0);
DROP TABLE file_chunks;
