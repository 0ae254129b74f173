package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/web"
)

// unknownKeys is an object of n members the form does not know, each
// `"unknown00000":1` (with n = 60,000 about 1 MB: the security review's L2).
func unknownKeys(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"message":"a: b: c"`)
	for i := range n {
		fmt.Fprintf(&b, `,"unknown%05d":1`, i)
	}
	b.WriteString("}")
	return []byte(b.String())
}

// TestManyKeysCostLittleAndAnswerLittle: a body of 60,000 unknown keys is
// refused before it is decoded; one of 999 is validated, and the answer lists
// the first forms.MaxErrors errors and says there were more.
func TestManyKeysCostLittleAndAnswerLittle(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t))
	key := with(jsonCT, "Idempotency-Key", "many-keys-key-000001")
	for _, path := range []string{"/api/v1/forms/bostotte/validate", "/api/v1/forms/bostotte/submissions"} {
		r := b.do(t, "POST", path, key, unknownKeys(60000))
		if r.status != 400 || r.body["type"] != web.ProblemBase+"too-many-members" || len(r.raw) > 1000 {
			t.Fatalf("%s with 60,000 unknown keys: %d, %d bytes: %.300s", path, r.status, len(r.raw), r.raw)
		}
	}

	r := b.do(t, "POST", "/api/v1/forms/bostotte/validate", jsonCT, unknownKeys(999))
	if errs, _ := r.body["errors"].([]any); r.status != 200 || len(errs) != forms.MaxErrors || r.body["truncated"] != true || len(r.raw) > 32<<10 {
		t.Fatalf("validate 999 unknown keys: %d, %d errors, truncated %v, %d bytes", r.status, len(errs), r.body["truncated"], len(r.raw))
	}
	r = b.do(t, "POST", "/api/v1/forms/bostotte/submissions", key, unknownKeys(999))
	if errs, _ := r.body["errors"].([]any); r.status != 422 || len(errs) != forms.MaxErrors || r.body["truncated"] != true ||
		!strings.Contains(r.body["detail"].(string), "first 100") || len(r.raw) > 32<<10 {
		t.Fatalf("submit 999 unknown keys: %d, %d errors, truncated %v, %d bytes: %.300s", r.status, len(errs), r.body["truncated"], len(r.raw), r.raw)
	}

	// Colons inside strings and items of arrays are not members.
	r = b.do(t, "POST", "/api/v1/forms/bostotte/validate", jsonCT, []byte(`{"message":"`+strings.Repeat(":", 5000)+`","household":[`+strings.Repeat("{},", 1500)+`{}]}`))
	if r.status != 200 {
		t.Fatalf("colons in a string and 1,501 array items: %d %.300s", r.status, r.raw)
	}
	// A small answer that is not truncated does not mention it.
	r = b.do(t, "POST", "/api/v1/forms/bostotte/validate", jsonCT, b.body)
	if r.status != 200 || r.body["valid"] != true || strings.Contains(r.raw, "truncated") {
		t.Fatalf("the example: %d %.300s", r.status, r.raw)
	}
}

// TestOverloadIsShed: while MaxInFlight requests are inside handlers, the
// next is answered at once with a 503 problem and Retry-After, before it
// reaches the database; health checks still answer; once a request ends,
// the next is served.
func TestOverloadIsShed(t *testing.T) {
	t.Parallel()
	store, reg := bareStore(t)
	if err := store.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	const n = 3
	entered, release := make(chan struct{}, n), make(chan struct{})
	blocking := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
		w.WriteHeader(http.StatusNoContent)
	})
	h := newServer(t, web.Config{Store: store, Forms: reg, MaxInFlight: n, Caseworker: blocking}).Handler()
	call := func(method, path string, body []byte) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "overload-key-00000001")
		h.ServeHTTP(rec, req)
		return rec
	}
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			call("GET", "/caseworker/slow", nil)
		}()
	}
	for range n {
		<-entered
	}

	body, _ := os.ReadFile("../examples/bostotte/application.json")
	start := time.Now()
	rec := call("POST", "/api/v1/forms/bostotte/submissions", body)
	if rec.Code != 503 || rec.Header().Get("Retry-After") != "1" || rec.Header().Get("Content-Type") != "application/problem+json" ||
		!strings.Contains(rec.Body.String(), web.ProblemBase+"overloaded") {
		t.Fatalf("request %d: %d %v %s", n+1, rec.Code, rec.Header(), rec.Body)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("the refusal took %s", d)
	}
	if rec := call("GET", "/caseworker/other", nil); rec.Code != 503 {
		t.Fatalf("the caseworker UI over the cap: %d", rec.Code)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if rec := call("GET", path, nil); rec.Code != 200 {
			t.Fatalf("%s over the cap: %d %s", path, rec.Code, rec.Body)
		}
	}

	close(release)
	wg.Wait()
	if rec := call("GET", "/api/v1/forms", nil); rec.Code != 200 {
		t.Fatalf("after the load: %d %s", rec.Code, rec.Body)
	}
	if n, err := store.Casework.CountByStatus(context.Background()); err != nil || len(n) != 0 {
		t.Fatalf("the refused submit reached the database: %v %v", n, err)
	}
}
