package record

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/skjema/skjema/engine/storage"
)

// maxFileNameRunes is the longest name a file is kept under.
const maxFileNameRunes = 255

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

// FileColumns are a file's metadata columns.
const FileColumns = `id, application_id, attachment, name, content_type, size, sha256, created_at`

// FileContent reads one file of an application, on ex.
func FileContent(ctx context.Context, ex storage.Executor, appID, fileID string) (File, []byte, error) {
	var f File
	if err := ex.Get(ctx, &f, `SELECT `+FileColumns+` FROM files WHERE id = ? AND application_id = ?`, fileID, appID); err != nil {
		return File{}, nil, fmt.Errorf("file %s: %w", fileID, err)
	}
	f.Name = FileName(f.Name, f.ContentType)
	var chunks [][]byte
	if err := ex.Select(ctx, &chunks, `SELECT data FROM file_chunks WHERE file_id = ? ORDER BY seq`, fileID); err != nil {
		return File{}, nil, fmt.Errorf("file %s: %w", fileID, err)
	}
	content := bytes.Join(chunks, nil)
	if int64(len(content)) != f.Size {
		return File{}, nil, fmt.Errorf("file %s: %d of %d bytes stored", fileID, len(content), f.Size)
	}
	return f, content, nil
}

// extensions are the file name endings each allowed content type may have;
// the first is the one given to a name that has none of them.
var extensions = map[string][]string{
	"application/pdf": {".pdf"},
	"image/jpeg":      {".jpg", ".jpeg"},
	"image/png":       {".png"},
}

// FileName is the name an upload is kept and served under: the last path
// element, without control or invisible formatting characters (a
// right-to-left override makes "leie\u202eexe.pdf" read as "leiefdp.exe"),
// not too long, and ending in the extension of the type sniffed from its
// content, so that "kontrakt.pdf.hta" holding a PDF is saved as
// "kontrakt.pdf" and never opens as something else on a caseworker's PC
// (security review V5). It is applied again when a file is read, so names
// stored before this rule are served safely too.
func FileName(name, contentType string) string {
	out := make([]rune, 0, len(name))
	for _, r := range name {
		switch {
		case r == '/' || r == '\\':
			out = out[:0] // keep only the last path element
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == utf8.RuneError:
		default:
			out = append(out, r)
		}
	}
	clean := strings.TrimSpace(string(out))
	exts, known := extensions[contentType]
	if known {
		ext := strings.ToLower(path.Ext(clean))
		if !slices.Contains(exts, ext) {
			if ext != "" && len(ext) <= 6 && len(clean) > len(ext) {
				clean = clean[:len(clean)-len(ext)]
			}
			if !slices.Contains(exts, strings.ToLower(path.Ext(clean))) {
				clean += exts[0]
			}
		}
	}
	if r := []rune(clean); len(r) > maxFileNameRunes {
		clean = string(r[len(r)-maxFileNameRunes:])
	}
	if clean == "" || (known && slices.Contains(exts, strings.ToLower(clean))) {
		clean = "fil" + clean
		if !known {
			clean = "fil"
		}
	}
	return clean
}

// SafeNames applies FileName to files read from the database.
func SafeNames(files []File) {
	for i := range files {
		files[i].Name = FileName(files[i].Name, files[i].ContentType)
	}
}
