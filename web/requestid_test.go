package web_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/skjema/skjema/engine/enginetest"
)

// TestRequestID: every answer names its request, the request's log line
// carries the same id, a proxy's short token is kept and anything else is
// replaced; an unknown path is logged as unmatched, with its method.
func TestRequestID(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t))
	r := b.do(t, "GET", "/api/v1/forms", nil, nil)
	id := r.header.Get("X-Request-Id")
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(id) {
		t.Fatalf("X-Request-Id %q", id)
	}
	if !strings.Contains(b.logs.String(), `"route":"GET /api/v1/forms","status":200`) || !strings.Contains(b.logs.String(), `"request_id":"`+id+`"`) {
		t.Fatalf("the request's log line lacks its id %s:\n%s", id, b.logs.String())
	}
	if got := b.do(t, "GET", "/api/v1/forms", map[string]string{"X-Request-Id": "lb-7f3a.1"}, nil).header.Get("X-Request-Id"); got != "lb-7f3a.1" {
		t.Errorf("a proxy's id was replaced by %q", got)
	}
	if got := b.do(t, "GET", "/api/v1/forms", map[string]string{"X-Request-Id": "a b<script>"}, nil).header.Get("X-Request-Id"); got == "a b<script>" || len(got) != 16 {
		t.Errorf("an unsafe id was kept: %q", got)
	}
	b.do(t, "GET", "/no/such/path", nil, nil)
	if !strings.Contains(b.logs.String(), `"method":"GET","route":"unmatched","status":404`) {
		t.Errorf("an unknown path is not logged as unmatched:\n%s", b.logs.String())
	}
}
