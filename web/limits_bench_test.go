package web

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/skjema/skjema/engine/enginetest"
)

// BenchmarkReadJSONUnknownKeys is what the API spends on the security
// review's L2 body (about 1 MB, 60,000 unknown top-level keys) before it
// refuses it as too-many-members: the checks of readJSON, no decoding.
func BenchmarkReadJSONUnknownKeys(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString(`{"message":"x"`)
	for i := range 60000 {
		fmt.Fprintf(&buf, `,"unknown%05d":1`, i)
	}
	buf.WriteString("}")
	body := buf.Bytes()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/api/v1/forms/bostotte/validate", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if _, err := readJSON(httptest.NewRecorder(), req); err != errTooManyMembers {
			b.Fatal(err)
		}
	}
}

// BenchmarkShed is the cost of refusing a request when MaxInFlight are
// being handled: the 503 problem document, with nothing else done.
func BenchmarkShed(b *testing.B) {
	// The shed answers before any handler reads the store or the forms.
	eb := enginetest.Open(b, enginetest.SQLite(b), enginetest.Unmigrated())
	s, err := New(Config{Store: eb.Store, Forms: eb.Forms, MaxInFlight: 1})
	if err != nil {
		b.Fatal(err)
	}
	s.inflight <- struct{}{}
	h := s.Handler()
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/api/v1/forms/bostotte/submissions", nil))
		if rec.Code != 503 {
			b.Fatal(rec.Code)
		}
	}
}
