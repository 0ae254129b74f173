package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/web"
)

// widgetBudget is what the widget may weigh over the wire, JS and CSS
// together, gzipped (the budget).
const widgetBudget = 30 << 10

// TestWidgetAssets: the modules and the stylesheet load from any kommune's
// origin, compressed, cacheable and revalidated; all of them together
// within the size budget (minified: assets.LoadMinified).
func TestWidgetAssets(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t))
	total := 0
	const js, css = "text/javascript; charset=utf-8", "text/css; charset=utf-8"
	for file, ct := range map[string]string{"skjema.js": js, "element.js": js, "draft.js": js, "render.js": js, "signin.js": js, "doc.js": js,
		"skjema.css": css} {
		req, _ := http.NewRequest("GET", b.url+"/widget/"+file, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		req.Header.Set("Origin", "https://www.example-kommune.no")
		res, err := http.DefaultTransport.RoundTrip(req) // no transparent decompression
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		h := res.Header
		if res.StatusCode != 200 || h.Get("Content-Type") != ct || h.Get("Content-Encoding") != "gzip" || h.Get("Access-Control-Allow-Origin") != "*" ||
			h.Get("Cross-Origin-Resource-Policy") != "cross-origin" || h.Get("ETag") == "" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("%s: %d %v", file, res.StatusCode, h)
		}
		total += len(body)
		if file == "skjema.css" {
			zr, _ := gzip.NewReader(bytes.NewReader(body))
			css, _ := io.ReadAll(zr)
			if !bytes.Contains(css, []byte("designsystemet-css")) || !bytes.Contains(css, []byte("MIT")) {
				t.Errorf("the served stylesheet lost designsystemet's licence notice")
			}
		}
		t.Logf("%s: %d bytes gzipped", file, len(body))

		req.Header.Set("If-None-Match", h.Get("ETag"))
		again, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		again.Body.Close()
		if again.StatusCode != http.StatusNotModified {
			t.Fatalf("%s revalidated: %d", file, again.StatusCode)
		}
	}
	if total > widgetBudget {
		t.Fatalf("the widget weighs %d bytes gzipped, over the budget of %d", total, widgetBudget)
	}
	if r := b.do(t, "GET", "/widget/secret.go", nil, nil); r.status != 404 || r.body["type"] != web.ProblemBase+"not-found" {
		t.Fatalf("unknown asset: %d %s", r.status, r.raw)
	}
	if r := b.do(t, "GET", "/example/", nil, nil); r.status != 404 {
		t.Fatalf("the example page is served without -dev: %d", r.status)
	}
}

// TestExamplePage: with ExampleDir the kommune page is served under a CSP
// as strict as a kommune's own could be.
func TestExamplePage(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t))
	srv := httptest.NewServer(newServer(t, web.Config{Store: b.store, Forms: b.forms, ExampleDir: "../examples/kommune-page"}).Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	csp := res.Header.Get("Content-Security-Policy")
	if res.StatusCode != 200 || !strings.Contains(string(page), `<skjema-form form="bostotte"`) || !strings.Contains(string(page), `src="/widget/skjema.js"`) {
		t.Fatalf("example page: %d %s", res.StatusCode, page)
	}
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Fatalf("example page CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(string(page), "style=") || strings.Contains(string(page), "<script>") {
		t.Fatal("the example page needs inline script or style")
	}
}

// TestPaperModeNeverResumes is a static check of the widget's source (all
// its modules): a
// caseworker's paper registration (submit-url set) never resumes a draft.
// Every use of the tab's storage goes through the store getter, which has
// none in paper mode, there is no localStorage, and the one read of a
// #skjema-resume= link comes after resume's paper guard. The browser test
// (browser/caseworker.test.mjs) checks the same in Chromium.
func TestPaperModeNeverResumes(t *testing.T) {
	t.Parallel()
	modules, err := filepath.Glob("widget/*.js")
	if err != nil || len(modules) < 2 {
		t.Fatalf("widget modules: %v %v", modules, err)
	}
	var src string
	for _, m := range modules {
		b, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		src += string(b)
	}
	for _, tt := range []struct {
		name, text string
		want       int
	}{
		{"paper mode is the submit-url attribute", "get paper() { return this.hasAttribute('submit-url'); }", 1},
		{"storage is none in paper mode", "get store() { return this.paper ? null : sessionStorage; }", 1},
		{"sessionStorage only through the store getter", "sessionStorage", 1},
		{"no localStorage", "localStorage", 0},
		{"one read of the resume link, one of the sign-in's answer", "location.hash", 2},
		{"resume returns at once in paper mode", "async resume(noLink) {\n    if (this.paper) return false;\n", 1},
		{"the sign-in's start returns at once in paper mode", "async signInStart() {\n    if (this.paper) return;\n", 1},
	} {
		if got := strings.Count(src, tt.text); got != tt.want {
			t.Errorf("%s: %q occurs %d times, want %d", tt.name, tt.text, got, tt.want)
		}
	}
	// Each read of the fragment is in a method that has returned in paper
	// mode before it.
	for rest, at := src, 0; ; {
		hash := strings.Index(rest, "location.hash")
		if hash < 0 {
			break
		}
		method := strings.LastIndex(rest[:hash], "\n  async ")
		guard := strings.Index(rest[max(method, 0):], "if (this.paper) return")
		if method < 0 || guard < 0 || method+guard > hash {
			t.Errorf("location.hash is read at %d outside a method with a paper guard before it", at+hash)
		}
		rest, at = rest[hash+1:], at+hash+1
	}
}

// TestDefinitionIsCompressed: the form's definition, the widget's largest
// answer, is gzipped for a browser that takes it (issue #15 item 8), and
// plain for one that does not.
func TestDefinitionIsCompressed(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t))
	get := func(encoding string) *http.Response {
		req, _ := http.NewRequest("GET", b.url+"/api/v1/forms/bostotte?kommune=0301", nil)
		req.Header.Set("Accept-Encoding", encoding)
		res, err := http.DefaultTransport.RoundTrip(req) // no transparent decompression
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	plain := get("identity")
	raw, _ := io.ReadAll(plain.Body)
	plain.Body.Close()
	gz := get("gzip, deflate, br")
	compressed, _ := io.ReadAll(gz.Body)
	gz.Body.Close()
	if gz.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(gz.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("gzip asked for: %v", gz.Header)
	}
	zr, err := gzip.NewReader(bytes.NewReader(compressed))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if !bytes.Equal(unzipped, raw) || plain.Header.Get("Content-Encoding") != "" || !strings.Contains(string(raw), `"layout"`) {
		t.Fatalf("the gzipped definition differs from the plain one")
	}
	if len(compressed) > len(raw)/3 {
		t.Errorf("gzipped %d bytes of %d", len(compressed), len(raw))
	}
	t.Logf("definition: %d bytes, gzipped %d", len(raw), len(compressed))
}

// TestDefinitionInOneLanguage: the widget asks for its language's texts
// only (lang=, or the page's with prefer=), a third of the bytes; with
// neither, every language's.
func TestDefinitionInOneLanguage(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t))
	for query, want := range map[string][]string{
		"":                        {"en", "nb", "nn"},
		"?lang=nn":                {"nn"},
		"?lang=en&kommune=0301":   {"en"},
		"?prefer=en":              {"en"},
		"?prefer=nb&kommune=0301": {"nb"},
		"?lang=xx":                {"nb"},
	} {
		res := b.do(t, "GET", "/api/v1/forms/bostotte"+query, nil, nil)
		texts, _ := res.body["texts"].(map[string]any)
		got := slices.Sorted(maps.Keys(texts))
		if res.status != 200 || !slices.Equal(got, want) {
			t.Errorf("%q: %d, texts in %v, want %v", query, res.status, got, want)
		}
	}
}
