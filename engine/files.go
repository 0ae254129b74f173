package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/skjema/skjema/engine/internal/record"
	"github.com/skjema/skjema/engine/secret"
	"github.com/skjema/skjema/forms"
)

// Limits on what a citizen may upload to one application.
const (
	MaxFileSize        = 10 << 20 // as the form's schema allows
	MaxFilesPerApp     = 40
	MaxBytesPerApp     = 50 << 20
	fileUnknownCode    = "file.unknown"
	fileUnknownTextKey = "error.file.unknown"
)

// NewFile is one upload, its type already established from its content.
type NewFile struct {
	Attachment  string
	Name        string
	ContentType string
	// Content is read to its end, a chunk at a time; an error from it (a
	// client's quota, say) ends the upload with that error.
	Content io.Reader
}

// chunkSize is the most of a file held in memory, or written in one
// transaction, at once.
const chunkSize = 1 << 20

// ErrFileTooLarge: an upload is over MaxFileSize. It is also ErrInvalid.
var ErrFileTooLarge = fmt.Errorf("%w: a file is at most %d MiB", ErrInvalid, MaxFileSize>>20)

// AddFile stores an upload with a draft (or an application returned to the
// citizen), opened with its resume token like the draft itself. The content
// streams in: each chunk is written in a short transaction of its own, and
// the file's row, checked against the application's limits, in a last one,
// so a large upload neither holds the SQLite writer for long nor more than
// a chunk of memory. The chunks of an upload that fails are deleted.
func (s *Store) AddFile(ctx context.Context, appID, token string, nf NewFile) (File, error) {
	f := File{ID: secret.ID(), ApplicationID: appID, Attachment: nf.Attachment, Name: record.FileName(nf.Name, nf.ContentType), ContentType: nf.ContentType}
	// Refuse at once what the last check would refuse, before any is stored.
	if err := s.canAddFile(ctx, s.read(), appID, token, nf.Attachment, 0); err != nil {
		return File{}, fmt.Errorf("add file to %s: %w", appID, err)
	}
	sum, err := s.writeChunks(ctx, f.ID, nf.Content, &f.Size)
	if err == nil && f.Size == 0 {
		err = fmt.Errorf("%w: the file is empty", ErrInvalid)
	}
	if err == nil {
		f.SHA256, f.CreatedAt = sum, s.now()
		err = s.write(ctx, func(tx Tx) error {
			if err := s.canAddFile(ctx, tx, appID, token, nf.Attachment, f.Size); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO files (id, application_id, attachment, name, content_type, size, sha256, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, f.ID, appID, f.Attachment, f.Name, f.ContentType, f.Size, f.SHA256, f.CreatedAt)
			return err
		})
	}
	if err != nil {
		s.dropChunks(ctx, f.ID)
		return File{}, fmt.Errorf("add file to %s: %w", appID, err)
	}
	return f, nil
}

// canAddFile checks the token, that the citizen may still change the
// application, and that a file of size fits its limits.
func (s *Store) canAddFile(ctx context.Context, ex Executor, appID, token, attachment string, size int64) error {
	if err := s.editable(ctx, ex, appID, token, attachment); err != nil {
		return err
	}
	var use struct {
		Count int   `db:"n"`
		Bytes int64 `db:"bytes"`
	}
	if err := ex.Get(ctx, &use, `SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM files WHERE application_id = ?`, appID); err != nil {
		return err
	}
	if use.Count >= MaxFilesPerApp || use.Bytes+size > MaxBytesPerApp {
		return fmt.Errorf("%w: an application holds at most %d files and %d MiB", ErrInvalid, MaxFilesPerApp, MaxBytesPerApp>>20)
	}
	return nil
}

// writeChunks stores content as the file's chunks and answers its SHA-256.
// At most Config.UploadMemory bytes of all uploads are held at once.
func (s *Store) writeChunks(ctx context.Context, fileID string, content io.Reader, size *int64) (string, error) {
	h := sha256.New()
	for seq := 0; ; seq++ {
		chunk, err := s.readChunk(ctx, content)
		if len(chunk) > 0 {
			*size += int64(len(chunk))
			if *size > MaxFileSize {
				s.chunks.release()
				return "", ErrFileTooLarge
			}
			h.Write(chunk)
			werr := s.write(ctx, func(tx Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO file_chunks (file_id, seq, data, created_at) VALUES (?, ?, ?, ?)`, fileID, seq, chunk, s.now())
				return err
			})
			s.chunks.release()
			if werr != nil {
				return "", werr
			}
		} else if err == nil || err == io.EOF {
			s.chunks.release()
		}
		if err == io.EOF {
			return hex.EncodeToString(h.Sum(nil)), nil
		}
		if err != nil {
			return "", err
		}
	}
}

// readChunk reads up to chunkSize bytes, after taking room for them in the
// upload memory (the caller releases it). At the end it answers io.EOF.
func (s *Store) readChunk(ctx context.Context, r io.Reader) ([]byte, error) {
	if err := s.chunks.acquire(ctx); err != nil {
		return nil, err
	}
	buf := make([]byte, chunkSize)
	n, err := io.ReadFull(r, buf)
	switch {
	case err == io.ErrUnexpectedEOF:
		err = io.EOF
	case err == io.EOF:
	case err != nil:
		s.chunks.release()
		return nil, err
	}
	return buf[:n], err
}

// dropChunks deletes an unfinished upload's chunks, also when the client
// hung up.
func (s *Store) dropChunks(ctx context.Context, fileID string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	err := s.write(ctx, func(tx Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM file_chunks WHERE file_id = ?`, fileID)
		return err
	})
	if err != nil {
		s.log.WarnContext(ctx, "could not delete an unfinished upload; the purge will", "error", err)
	}
}

// uploadMemory is a counting semaphore over the chunk buffers of all
// uploads in flight.
type uploadMemory chan struct{}

func newUploadMemory(bytes int64) uploadMemory {
	return make(uploadMemory, max(1, bytes/chunkSize))
}

// uploadWait is how long an upload waits for room before it is refused as
// busy (clients that trickle their bytes may hold the room that long).
const uploadWait = 10 * time.Second

func (m uploadMemory) acquire(ctx context.Context) error {
	wait := time.NewTimer(uploadWait)
	defer wait.Stop()
	select {
	case m <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-wait.C:
		return ErrBusy
	}
}

func (m uploadMemory) release() { <-m }

// DeleteFile removes an upload the citizen no longer wants.
func (s *Store) DeleteFile(ctx context.Context, appID, token, fileID string) error {
	err := s.write(ctx, func(tx Tx) error {
		var attachment string
		if err := tx.Get(ctx, &attachment, `SELECT attachment FROM files WHERE id = ? AND application_id = ?`, fileID, appID); err != nil {
			return err // no such file: ErrNotFound, the same answer as a wrong token's
		}
		if err := s.editable(ctx, tx, appID, token, attachment); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM files WHERE id = ? AND application_id = ?`, fileID, appID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM file_chunks WHERE file_id = ?`, fileID)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete file %s: %w", fileID, err)
	}
	return nil
}

// editable checks the token and that the citizen may still change the
// application's files of attachment ("" for any one): while documents are
// asked for (ettersending), only those of the attachments asked for.
func (s *Store) editable(ctx context.Context, tx Executor, appID, token, attachment string) error {
	var a struct {
		Status    Status  `db:"status"`
		Hash      string  `db:"resume_token_hash"`
		Owner     *string `db:"owner_hash"`
		Requested string  `db:"requested_documents"`
	}
	if err := tx.Get(ctx, &a, `SELECT status, resume_token_hash, owner_hash, requested_documents FROM applications WHERE id = ?`, appID); err != nil ||
		!record.Holds(ctx, tx, token, a.Hash, a.Owner, s.now()) {
		return ErrNotFound
	}
	if a.Status != StatusDraft && a.Status != StatusAwaitingCitizen {
		return fmt.Errorf("%w: the application is %s and can no longer be changed", ErrConflict, a.Status)
	}
	asked, err := requestedDocuments(a.Requested)
	if err != nil {
		return err
	}
	if attachment != "" && len(asked) > 0 && !slices.Contains(asked, attachment) {
		return fmt.Errorf("%w: only the documents the kommune asked for can be sent now", ErrConflict)
	}
	return nil
}

// Files lists an application's uploads, oldest first.
func (s *Store) Files(ctx context.Context, appID string) ([]File, error) {
	var files []File
	if err := s.read().Select(ctx, &files, `SELECT `+record.FileColumns+` FROM files WHERE application_id = ? ORDER BY created_at, id`, appID); err != nil {
		return nil, fmt.Errorf("files of %s: %w", appID, err)
	}
	record.SafeNames(files)
	return files, nil
}

// checkFiles makes the files a submitted document names exactly the
// application's uploads: every id named must be one of them (else a field
// error), and uploads the document no longer names are deleted, so nothing
// is kept that the citizen took out.
func checkFiles(ctx context.Context, tx Tx, form *forms.Form, lang forms.Lang, appID string, doc map[string]any) error {
	named := map[string]bool{}
	var bad []forms.FieldError
	atts, _ := doc["attachments"].(map[string]any)
	keys := make([]string, 0, len(atts))
	for k := range atts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var stored []string
	if appID != "" {
		if err := tx.Select(ctx, &stored, `SELECT id FROM files WHERE application_id = ?`, appID); err != nil {
			return err
		}
	}
	for _, k := range keys {
		a, _ := atts[k].(map[string]any)
		files, _ := a["files"].([]any)
		for i, f := range files {
			file, _ := f.(map[string]any)
			id, _ := file["id"].(string)
			if !slices.Contains(stored, id) {
				bad = append(bad, forms.FieldError{Pointer: "/attachments/" + k + "/files/" + strconv.Itoa(i),
					Code: fileUnknownCode, Message: form.Text(lang, fileUnknownTextKey)})
			}
			named[id] = true
		}
	}
	if len(bad) > 0 {
		return &ValidationError{Errors: bad}
	}
	for _, id := range stored {
		if !named[id] {
			if _, err := tx.Exec(ctx, `DELETE FROM files WHERE id = ?`, id); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM file_chunks WHERE file_id = ?`, id); err != nil {
				return err
			}
		}
	}
	return nil
}
