package caseworker_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/web/caseworker"
)

// TestInterIsServed: the UI declares and serves Inter for the weights the
// font directory has (Debian's fonts-inter), and nothing else from it.
func TestInterIsServed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Inter-Regular.otf"), []byte("OTTO not really a font"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("no"), 0o644)
	b := setup(t, enginetest.SQLite(t), caseworker.Config{FontDir: dir})
	br := b.browser(t)
	css := br.do("GET", "/caseworker/fonts.css", nil)
	if css.status != http.StatusOK || !strings.Contains(css.body, "font-weight:400") || strings.Contains(css.body, "font-weight:600") {
		t.Fatalf("fonts.css: %d %q", css.status, css.body)
	}
	font := br.do("GET", "/caseworker/fonts/Inter-Regular.otf", nil)
	if font.status != http.StatusOK || font.header.Get("Content-Type") != "font/otf" || !strings.HasPrefix(font.body, "OTTO") {
		t.Fatalf("the font: %d %v", font.status, font.header)
	}
	for _, path := range []string{"/caseworker/fonts/secret.txt", "/caseworker/fonts/Inter-Bold.otf", "/caseworker/fonts/..%2Fsecret.txt"} {
		if p := br.do("GET", path, nil); p.status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, p.status)
		}
	}
	if p := br.do("GET", "/caseworker/login", nil); !strings.Contains(p.header.Get("Content-Security-Policy"), "font-src 'self'") {
		t.Fatalf("the pages' policy lets no font load: %s", p.header.Get("Content-Security-Policy"))
	}
}
