package web_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/queue"
	"github.com/skjema/skjema/web"
)

// FuzzHandlers sends any body to the validate, draft and submit handlers and
// asserts that no answer is a 5xx and nothing panics.
func FuzzHandlers(f *testing.F) {
	body, err := os.ReadFile("../examples/bostotte/application.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range [][]byte{body, []byte(`{}`), []byte(`[`), []byte("{\"a\":\"\xff\"}"), deep(70), []byte(`{"household":[{"relation":{"x":1}}],"housing":{"type":["rented"]}}`),
		[]byte(`{"applicant":{"fodselsnummer":1e999999}}`), []byte(`{"a":1,"a":2}`), []byte(`{"form":"bostotte","data":{"x":null}}`)} {
		for route := range uint8(5) {
			f.Add(route, seed)
		}
	}
	dir := f.TempDir()
	ctx := context.Background()
	store, err := engine.Open(ctx, engine.Config{Database: filepath.Join(dir, "fuzz.db")})
	if err != nil {
		f.Fatal(err)
	}
	defer store.Close()
	reg, _ := forms.Load(forms.Config{})
	q, err := queue.New(queue.Config{Store: store, Forms: reg})
	if err != nil {
		f.Fatal(err)
	}
	if err := store.Migrate(ctx); err != nil {
		f.Fatal(err)
	}
	if err := q.Migrate(ctx); err != nil {
		f.Fatal(err)
	}
	store.UseEnqueuer(q)
	h := web.New(web.Config{Store: store, Forms: reg}).Handler()
	draft, err := store.CreateDraft(ctx, "bostotte", "2026.1", "0301", nil)
	if err != nil {
		f.Fatal(err)
	}
	var seq int
	f.Fuzz(func(t *testing.T, route uint8, data []byte) {
		seq++
		var req = httptest.NewRequest("POST", "/api/v1/forms/bostotte/validate?mode=partial&pages=applicant", bytes.NewReader(data))
		switch route % 5 {
		case 1:
			req = httptest.NewRequest("POST", "/api/v1/forms/bostotte/validate", bytes.NewReader(data))
		case 2:
			req = httptest.NewRequest("POST", "/api/v1/drafts", bytes.NewReader(data))
		case 3:
			req = httptest.NewRequest("PUT", "/api/v1/drafts/"+draft.ID, bytes.NewReader(data))
			req.Header.Set("Authorization", "Bearer "+draft.Token)
		case 4:
			req = httptest.NewRequest("POST", "/api/v1/forms/bostotte/submissions", bytes.NewReader(data))
			req.Header.Set("Idempotency-Key", "fuzz-key-0123456789-"+string(rune('a'+seq%26))+string(rune('a'+seq/26%26)))
		}
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("route %d answered %d: %s", route%5, rec.Code, rec.Body)
		}
	})
}
