package engine_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/enginetest"
)

// failingReader gives some bytes, then fails, as a client that hangs up or
// runs over its quota.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

// TestUploadsStreamInChunks: a file is stored a chunk at a time and read
// back whole; an upload that fails or runs over 10 MiB leaves nothing
// behind (security review V4).
func TestUploadsStreamInChunks(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn)
		ctx := context.Background()
		d, _ := b.store.CreateDraft(ctx, "bostotte", b.form.Version, "0301", nil)
		content := make([]byte, 3<<20+12345)
		rand.Read(content)
		copy(content, "%PDF-1.4\n")
		f, err := b.store.AddFile(ctx, d.ID, d.Token, engine.NewFile{Attachment: "lease", Name: "kontrakt", ContentType: "application/pdf", Content: bytes.NewReader(content)})
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(content)
		if f.Size != int64(len(content)) || f.SHA256 != hex.EncodeToString(sum[:]) || f.Name != "kontrakt.pdf" {
			t.Fatalf("stored %+v", f)
		}
		if n := count(t, b.store, `SELECT COUNT(*) FROM file_chunks WHERE file_id = ?`, f.ID); n != 4 {
			t.Fatalf("%d chunks for 3.01 MiB, want 4 of at most 1 MiB", n)
		}
		got, read, err := b.store.FileContentForTest(ctx, d.ID, f.ID)
		if err != nil || !bytes.Equal(read, content) || got.ID != f.ID {
			t.Fatalf("read back %d bytes, %v; want the %d stored", len(read), err, len(content))
		}

		hungUp := errors.New("the client hung up")
		if _, err := b.store.AddFile(ctx, d.ID, d.Token, engine.NewFile{Attachment: "lease", Name: "halv.pdf", ContentType: "application/pdf",
			Content: &failingReader{r: bytes.NewReader(content), err: hungUp}}); !errors.Is(err, hungUp) {
			t.Fatalf("an upload that failed: %v, want its reader's error", err)
		}
		big := io.MultiReader(bytes.NewReader([]byte("%PDF-1.4\n")), io.LimitReader(zeros{}, engine.MaxFileSize))
		if _, err := b.store.AddFile(ctx, d.ID, d.Token, engine.NewFile{Attachment: "lease", Name: "stor.pdf", ContentType: "application/pdf", Content: big}); !errors.Is(err, engine.ErrFileTooLarge) {
			t.Fatalf("an upload over 10 MiB: %v, want ErrFileTooLarge", err)
		}
		if n := count(t, b.store, `SELECT COUNT(*) FROM file_chunks WHERE file_id <> ?`, f.ID); n != 0 {
			t.Fatalf("the failed uploads left %d chunks", n)
		}
		if n := count(t, b.store, `SELECT COUNT(*) FROM files`); n != 1 {
			t.Fatalf("%d files, want the one that finished", n)
		}
		if err := b.store.DeleteFile(ctx, d.ID, d.Token, f.ID); err != nil {
			t.Fatal(err)
		}
		if n := count(t, b.store, `SELECT COUNT(*) FROM file_chunks`); n != 0 {
			t.Fatalf("a deleted file left %d chunks", n)
		}
	})
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }
