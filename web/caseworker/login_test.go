package caseworker

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/skjema/skjema/engine/enginetest"
)

// TestSafeNext: where a sign-in may send the caseworker on is a cleaned
// path under /caseworker/ and nothing else; anything else goes to the queue.
func TestSafeNext(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, next, want string
	}{
		{"the queue", "/caseworker/", "/caseworker/"},
		{"an application", "/caseworker/applications/e222f29c", "/caseworker/applications/e222f29c"},
		{"a filtered queue keeps its query", "/caseworker/?status=in_review&age=7", "/caseworker/?status=in_review&age=7"},
		{"a trailing slash is kept", "/caseworker/applications/", "/caseworker/applications/"},
		{"a doubled slash inside is cleaned", "/caseworker//applications/x", "/caseworker/applications/x"},
		{"a dot segment inside is cleaned", "/caseworker/./applications/../users", "/caseworker/users"},
		{"nothing", "", "/caseworker/"},
		{"the caseworker root without its slash", "/caseworker", "/caseworker/"},
		{"a protocol-relative URL", "//evil.example/caseworker/", "/caseworker/"},
		{"an absolute URL", "https://evil.example/caseworker/", "/caseworker/"},
		{"an absolute URL to this host", "https://skjema.example/caseworker/", "/caseworker/"},
		{"a relative path", "caseworker/", "/caseworker/"},
		{"out by dot-dot", "/caseworker/../api/v1/agency/batches", "/caseworker/"},
		{"out by dot-dot at the end", "/caseworker/..", "/caseworker/"},
		{"out by encoded dot-dot", "/caseworker/%2e%2e/api/v1/agency/batches", "/caseworker/"},
		{"out by encoded slash and dot-dot", "/caseworker/..%2fapi/v1/agency/batches", "/caseworker/"},
		{"out by deep dot-dot", "/caseworker/a/../../../evil", "/caseworker/"},
		{"a look-alike prefix", "/caseworkerX/", "/caseworker/"},
		{"a tab", "/caseworker/\t/evil", "/caseworker/"},
		{"a vertical tab", "/caseworker/\x0b", "/caseworker/"},
		{"a carriage return and line feed", "/caseworker/\r\nSet-Cookie: x=y", "/caseworker/"},
		{"an encoded line feed", "/caseworker/%0aSet-Cookie:x", "/caseworker/"},
		{"DEL", "/caseworker/\x7f", "/caseworker/"},
		{"NUL", "/caseworker/\x00", "/caseworker/"},
		{"a line separator (U+2028)", "/caseworker/\u2028", "/caseworker/"},
		{"a backslash", "/caseworker/\\evil", "/caseworker/"},
		{"a backslash to another host", "/\\evil.example/", "/caseworker/"},
		{"an encoded backslash", "/caseworker/%5cevil", "/caseworker/"},
		{"a space", "/caseworker/ x", "/caseworker/"},
		{"a fragment is dropped", "/caseworker/users#top", "/caseworker/users"},
	} {
		if got := safeNext(tt.next); got != tt.want {
			t.Errorf("%s: safeNext(%q) = %q, want %q", tt.name, tt.next, got, tt.want)
		}
	}
}

// TestSignInOverPlainHTTP: over plain HTTP to a real host name the browser
// drops the sign-in's Secure cookies, so the page says that HTTPS is needed,
// instead of a form that can only fail as "expired" (operator review finding
// 10). Over HTTPS, behind a TLS-terminating proxy and on this machine, the
// form is shown.
func TestSignInOverPlainHTTP(t *testing.T) {
	t.Parallel()
	eb := enginetest.Open(t, enginetest.SQLite(t))
	cw, err := New(Config{Store: eb.Store, Forms: eb.Forms, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	call := func(cw *Handler, method, url string, header map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, url, strings.NewReader("email=a%40b.no&password=x&csrf=y"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		cw.ServeHTTP(rec, req)
		return rec
	}
	const https = "sikker forbindelse (HTTPS)"
	for _, method := range []string{"GET", "POST"} {
		rec := call(cw, method, "http://skjema-test.oslo.kommune.no:18080/caseworker/login", nil)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), https) || strings.Contains(rec.Body.String(), "utløpt") {
			t.Errorf("%s over plain HTTP: %d\n%s", method, rec.Code, rec.Body.String())
		}
	}
	for name, tt := range map[string]struct {
		url    string
		header map[string]string
	}{
		"behind a TLS proxy":   {"http://skjema.oslo.kommune.no/caseworker/login", map[string]string{"X-Forwarded-Proto": "https"}},
		"behind two proxies":   {"http://skjema.oslo.kommune.no/caseworker/login", map[string]string{"X-Forwarded-Proto": "https, http"}},
		"Forwarded (RFC 7239)": {"http://skjema.oslo.kommune.no/caseworker/login", map[string]string{"Forwarded": "for=192.0.2.1;proto=https"}},
		"localhost":            {"http://localhost:8080/caseworker/login", nil},
		"127.0.0.1":            {"http://127.0.0.1:8080/caseworker/login", nil},
		"[::1]":                {"http://[::1]:8080/caseworker/login", nil},
		"https":                {"https://skjema.oslo.kommune.no/caseworker/login", nil},
	} {
		if rec := call(cw, "GET", tt.url, tt.header); rec.Code != 200 || strings.Contains(rec.Body.String(), https) || !strings.Contains(rec.Body.String(), `name="password"`) {
			t.Errorf("%s: %d", name, rec.Code)
		}
	}
	// An installation that says it is behind HTTPS (-hsts, or an https
	// -public-url) shows the form whatever its proxy's headers say.
	behind, err := New(Config{Store: eb.Store, Forms: eb.Forms, Logger: slog.New(slog.DiscardHandler), BehindHTTPS: true})
	if err != nil {
		t.Fatal(err)
	}
	if rec := call(behind, "GET", "http://skjema.oslo.kommune.no/caseworker/login", nil); rec.Code != 200 {
		t.Errorf("behind HTTPS by configuration: %d", rec.Code)
	}
}
