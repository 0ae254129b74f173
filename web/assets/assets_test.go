package assets

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// TestServe: compressed for a browser that takes gzip, plain otherwise, and
// 304 for a revalidation with the ETag.
func TestServe(t *testing.T) {
	t.Parallel()
	css := strings.Repeat("body { color: black; }\n", 200)
	set, err := Load(fstest.MapFS{"a/site.css": {Data: []byte(css)}}, "a")
	if err != nil {
		t.Fatal(err)
	}
	get := func(headers ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/site.css", nil)
		for i := 0; i < len(headers); i += 2 {
			r.Header.Set(headers[i], headers[i+1])
		}
		w := httptest.NewRecorder()
		if !set.Serve(w, r, "site.css") {
			t.Fatal("site.css not served")
		}
		return w
	}
	plain := get()
	if plain.Body.String() != css || !strings.HasPrefix(plain.Header().Get("Content-Type"), "text/css") {
		t.Fatalf("plain: %q %v", plain.Body.String()[:20], plain.Header())
	}
	gz := get("Accept-Encoding", "gzip, deflate")
	zr, err := gzip.NewReader(bytes.NewReader(gz.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if gz.Header().Get("Content-Encoding") != "gzip" || string(unzipped) != css || gz.Body.Len() >= len(css)/4 {
		t.Fatalf("gzip: %d bytes for %d, %v", gz.Body.Len(), len(css), gz.Header())
	}
	if again := get("If-None-Match", plain.Header().Get("ETag")); again.Code != 304 || again.Body.Len() != 0 {
		t.Fatalf("revalidation: %d with %d bytes", again.Code, again.Body.Len())
	}
	if set.Serve(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil), "missing.css") {
		t.Fatal("a missing file was served")
	}
}
