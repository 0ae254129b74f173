package queue_test

import (
	"strings"
	"testing"

	"github.com/skjema/skjema/queue"
)

// TestParseAgenciesIsStrict: the mistakes an operator made in the
// agencies file are each refused with what to fix (operator review; issue
// #18 item 3); a good file reads.
func TestParseAgenciesIsStrict(t *testing.T) {
	t.Parallel()
	known := []string{"husbanken", "lanekassen"}
	good, err := queue.ParseAgencies([]byte(`{"husbanken": {"transport": "push", "url": "https://mottak.husbanken.no/skjema", "secret": "s"},
		"lanekassen": {}}`), known)
	if err != nil || good["husbanken"].Transport != queue.TransportPush || good["lanekassen"].Transport != queue.TransportPull {
		t.Fatalf("a good file: %+v, %v", good, err)
	}
	if _, err := queue.ParseAgencies([]byte(`{"husbanken": {"transport": "push", "url": "http://127.0.0.1:8090/", "secret": "s"}}`), known); err != nil {
		t.Fatalf("http on this host: %v", err)
	}
	for _, tt := range []struct{ name, file, want string }{
		{"an unknown agency", `{"husbank": {}}`, `"husbank" is no agency`},
		{"an unknown member", `{"husbanken": {"transport": "push", "url": "https://x.no", "secret": "s", "secrett": "t"}}`, "unknown field"},
		{"push over plain http", `{"husbanken": {"transport": "push", "url": "http://mottak.husbanken.no", "secret": "s"}}`, "must be https"},
		{"push without a url", `{"husbanken": {"transport": "push", "secret": "s"}}`, "push needs a url"},
		{"push without a secret", `{"husbanken": {"transport": "push", "url": "https://x.no"}}`, "push needs the secret"},
		{"a pull with a url", `{"husbanken": {"url": "https://x.no"}}`, "did you mean transport push"},
		{"an unknown transport", `{"husbanken": {"transport": "sftp"}}`, "push or pull"},
		{"not an object", `[]`, "not a JSON object"},
	} {
		if _, err := queue.ParseAgencies([]byte(tt.file), known); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error with %q", tt.name, err, tt.want)
		}
	}
}
