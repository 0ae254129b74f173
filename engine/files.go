package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/skjema/skjema/forms"
)

// Limits on what a citizen may upload to one application.
const (
	MaxFileSize        = 10 << 20 // as the form's schema allows
	MaxFilesPerApp     = 40
	MaxBytesPerApp     = 50 << 20
	maxFileNameRunes   = 255
	fileUnknownCode    = "file.unknown"
	fileUnknownTextKey = "error.file.unknown"
)

// File is an uploaded attachment's metadata. Its content is read apart.
type File struct {
	ID            string    `db:"id" json:"id"`
	ApplicationID string    `db:"application_id" json:"-"`
	Attachment    string    `db:"attachment" json:"attachment"`
	Name          string    `db:"name" json:"name"`
	ContentType   string    `db:"content_type" json:"contentType"`
	Size          int64     `db:"size" json:"size"`
	SHA256        string    `db:"sha256" json:"sha256"`
	CreatedAt     time.Time `db:"created_at" json:"createdAt"`
}

const fileColumns = `id, application_id, attachment, name, content_type, size, sha256, created_at`

// NewFile is one upload, its type already established from its content.
type NewFile struct {
	Attachment  string
	Name        string
	ContentType string
	Content     []byte
}

// AddFile stores an upload with a draft (or an application returned to the
// citizen), opened with its resume token like the draft itself.
func (s *Store) AddFile(ctx context.Context, appID, token string, nf NewFile) (File, error) {
	if len(nf.Content) == 0 || len(nf.Content) > MaxFileSize {
		return File{}, fmt.Errorf("%w: a file must hold between 1 byte and %d MiB", ErrInvalid, MaxFileSize>>20)
	}
	sum := sha256.Sum256(nf.Content)
	f := File{ID: newID(), ApplicationID: appID, Attachment: nf.Attachment, Name: cleanFileName(nf.Name),
		ContentType: nf.ContentType, Size: int64(len(nf.Content)), SHA256: hex.EncodeToString(sum[:]), CreatedAt: s.now()}
	err := s.Write(ctx, func(tx Tx) error {
		if err := editable(ctx, tx, appID, token); err != nil {
			return err
		}
		var use struct {
			Count int   `db:"n"`
			Bytes int64 `db:"bytes"`
		}
		if err := tx.Get(ctx, &use, `SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM files WHERE application_id = ?`, appID); err != nil {
			return err
		}
		if use.Count >= MaxFilesPerApp || use.Bytes+f.Size > MaxBytesPerApp {
			return fmt.Errorf("%w: an application holds at most %d files and %d MiB", ErrInvalid, MaxFilesPerApp, MaxBytesPerApp>>20)
		}
		_, err := tx.Exec(ctx, `INSERT INTO files (id, application_id, attachment, name, content_type, size, sha256, content, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, f.ID, appID, f.Attachment, f.Name, f.ContentType, f.Size, f.SHA256, nf.Content, f.CreatedAt)
		return err
	})
	if err != nil {
		return File{}, fmt.Errorf("add file to %s: %w", appID, err)
	}
	return f, nil
}

// DeleteFile removes an upload the citizen no longer wants.
func (s *Store) DeleteFile(ctx context.Context, appID, token, fileID string) error {
	err := s.Write(ctx, func(tx Tx) error {
		if err := editable(ctx, tx, appID, token); err != nil {
			return err
		}
		n, err := tx.Exec(ctx, `DELETE FROM files WHERE id = ? AND application_id = ?`, fileID, appID)
		if err == nil && n == 0 {
			err = ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("delete file %s: %w", fileID, err)
	}
	return nil
}

// editable checks the token and that the citizen may still change the
// application.
func editable(ctx context.Context, tx Tx, appID, token string) error {
	var a struct {
		Status Status `db:"status"`
		Hash   string `db:"resume_token_hash"`
	}
	if err := tx.Get(ctx, &a, `SELECT status, resume_token_hash FROM applications WHERE id = ?`, appID); err != nil || !tokenMatches(token, a.Hash) {
		return ErrNotFound
	}
	if a.Status != StatusDraft && a.Status != StatusAwaitingCitizen {
		return fmt.Errorf("%w: the application is %s and can no longer be changed", ErrConflict, a.Status)
	}
	return nil
}

// Files lists an application's uploads, oldest first.
func (s *Store) Files(ctx context.Context, appID string) ([]File, error) {
	var files []File
	if err := s.read().Select(ctx, &files, `SELECT `+fileColumns+` FROM files WHERE application_id = ? ORDER BY created_at, id`, appID); err != nil {
		return nil, fmt.Errorf("files of %s: %w", appID, err)
	}
	return files, nil
}

// FileContent reads one file of an application.
func (s *Store) FileContent(ctx context.Context, appID, fileID string) (File, []byte, error) {
	var row struct {
		File
		Content []byte `db:"content"`
	}
	if err := s.read().Get(ctx, &row, `SELECT `+fileColumns+`, content FROM files WHERE id = ? AND application_id = ?`, fileID, appID); err != nil {
		return File{}, nil, fmt.Errorf("file %s: %w", fileID, err)
	}
	return row.File, row.Content, nil
}

// AgencyFile reads a file of an application the agency has been sent: one
// in a sealed or delivered batch of that agency. The read is audited on the
// application.
func (s *Store) AgencyFile(ctx context.Context, agency, fileID string) (File, []byte, error) {
	var appID string
	err := s.Write(ctx, func(tx Tx) error {
		var a struct {
			ID     string `db:"id"`
			Status Status `db:"status"`
		}
		if err := tx.Get(ctx, &a, `SELECT a.id, a.status FROM files f
			JOIN applications a ON a.id = f.application_id
			JOIN batches b ON b.id = a.batch_id
			WHERE f.id = ? AND b.agency = ? AND b.status IN (?, ?)`, fileID, agency, string(BatchSealed), string(BatchDelivered)); err != nil {
			return err
		}
		appID = a.ID
		return s.audit(ctx, tx, Transition{ApplicationID: a.ID, From: a.Status, To: a.Status, Actor: AgencyActor(agency),
			Action: ActionAgencyViewFile, Detail: fileID}, s.now())
	})
	if err != nil {
		return File{}, nil, fmt.Errorf("file %s: %w", fileID, err)
	}
	return s.FileContent(ctx, appID, fileID)
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
			id, _ := f.(map[string]any)["id"].(string)
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
		}
	}
	return nil
}

// cleanFileName keeps a name displayable: no path, no control characters,
// not too long.
func cleanFileName(name string) string {
	out := make([]rune, 0, len(name))
	for _, r := range name {
		switch {
		case r == '/' || r == '\\':
			out = out[:0] // keep only the last path element
		case r < 0x20 || r == 0x7f:
		default:
			out = append(out, r)
		}
	}
	if len(out) > maxFileNameRunes {
		out = out[len(out)-maxFileNameRunes:]
	}
	if len(out) == 0 {
		return "file"
	}
	return string(out)
}
