package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/queue/queuetest"
	"github.com/skjema/skjema/web"
)

// fuzzTarget is one database's server, with a draft and an agency key to
// reach the routes that need them.
type fuzzTarget struct {
	name    string
	handler http.Handler
	draft   engine.Draft
	apiKey  string
}

func newFuzzTarget(f *testing.F, db enginetest.DB) *fuzzTarget {
	ctx := context.Background()
	qb := queuetest.Open(f, db.DSN(f))
	store, reg := qb.Store, qb.Forms
	draft, err := store.CreateDraft(ctx, "bostotte", "2026.1", "0301", nil)
	if err != nil {
		f.Fatal(err)
	}
	key, err := store.Batches.CreateAgencyKey(ctx, "husbanken")
	if err != nil {
		f.Fatal(err)
	}
	return &fuzzTarget{name: db.Name, handler: newServer(f, web.Config{Store: store, Forms: reg}).Handler(), draft: draft, apiKey: key}
}

// fuzzRoutes is how many ways FuzzHandlers sends its input.
const fuzzRoutes = 8

// request turns one fuzz input into a request: as a body to validate,
// drafts and submit, as an Idempotency-Key, or as a path segment.
func (ft *fuzzTarget) request(route uint8, seq int, data []byte, example []byte) *http.Request {
	var req *http.Request
	switch route % fuzzRoutes {
	case 0:
		req = httptest.NewRequest("POST", "/api/v1/forms/bostotte/validate?mode=partial&pages=applicant", bytes.NewReader(data))
	case 1:
		req = httptest.NewRequest("POST", "/api/v1/forms/bostotte/validate", bytes.NewReader(data))
	case 2:
		req = httptest.NewRequest("POST", "/api/v1/drafts", bytes.NewReader(data))
	case 3:
		req = httptest.NewRequest("PUT", "/api/v1/drafts/"+ft.draft.ID, bytes.NewReader(data))
		req.Header.Set("Authorization", "Bearer "+ft.draft.Token)
	case 4:
		req = httptest.NewRequest("POST", "/api/v1/forms/bostotte/submissions", bytes.NewReader(data))
		req.Header.Set("Idempotency-Key", "fuzz-key-0123456789-"+string(rune('a'+seq%26))+string(rune('a'+seq/26%26)))
	case 5:
		req = httptest.NewRequest("POST", "/api/v1/forms/bostotte/submissions", bytes.NewReader(example))
		req.Header.Set("Idempotency-Key", string(data)+"-0123456789abcdef")
	case 6:
		req = httptest.NewRequest("GET", "/api/v1/agency/batches/"+url.PathEscape(string(data)), nil)
		req.Header.Set("Authorization", "Bearer "+ft.apiKey)
	case 7:
		req = httptest.NewRequest("GET", "/api/v1/drafts/"+ft.draft.ID+"?lang="+url.QueryEscape(string(data)), nil)
		req.Header.Set("Authorization", "Bearer "+ft.draft.Token)
	}
	req.Header.Set("Content-Type", "application/json")
	return req
}

// FuzzHandlers sends any input to the citizen and agency routes on SQLite
// and, when SKJEMA_TEST_POSTGRES is set, on PostgreSQL, and asserts that no
// answer is a 5xx and that both databases answer alike.
func FuzzHandlers(f *testing.F) {
	body, err := os.ReadFile("../examples/bostotte/application.json")
	if err != nil {
		f.Fatal(err)
	}
	nul := bytes.Replace(body, []byte(`"Kari"`), []byte(`"Kari\u0000"`), 1)
	surrogate := bytes.Replace(body, []byte(`"Kari"`), []byte(`"Kari\ud800"`), 1)
	for _, seed := range [][]byte{body, nul, surrogate, []byte(`{}`), []byte(`[`), []byte("{\"a\":\"\xff\"}"), deep(70),
		[]byte(`{"household":[{"relation":{"x":1}}],"housing":{"type":["rented"]}}`),
		[]byte(`{"applicant":{"fodselsnummer":1e999999}}`), []byte(`{"a":1,"a":2}`), []byte(`{"form":"bostotte","data":{"x":null}}`),
		[]byte(`{"form":"bostotte","data":{"a":"x\u0000"}}`), []byte(`{"form":"bostotte","data":{"a":"\ud800"}}`),
		[]byte(`{"form":"bostotte","kommune":"0301\u0000"}`), []byte("\xf8"), []byte("\x00"), []byte("\u202e")} {
		for route := range uint8(fuzzRoutes) {
			f.Add(route, seed)
		}
	}
	var targets []*fuzzTarget
	for _, db := range enginetest.Databases() {
		if db.Name == "postgres" && os.Getenv(enginetest.PostgresEnv) == "" {
			continue
		}
		targets = append(targets, newFuzzTarget(f, db))
	}
	var seq int
	f.Fuzz(func(t *testing.T, route uint8, data []byte) {
		seq++
		codes := map[string]int{}
		for _, ft := range targets {
			rec := httptest.NewRecorder()
			ft.handler.ServeHTTP(rec, ft.request(route, seq, data, body))
			if rec.Code >= 500 {
				t.Fatalf("%s: route %d answered %d: %s", ft.name, route%fuzzRoutes, rec.Code, rec.Body)
			}
			codes[ft.name] = rec.Code
		}
		// A key or body new to one database may be a replay in the other
		// (the submit routes share the sequence), so compare the rest.
		if r := route % fuzzRoutes; r != 4 && r != 5 && len(codes) == 2 && codes["sqlite"] != codes["postgres"] {
			t.Fatalf("route %d: SQLite answered %d, PostgreSQL %d", r, codes["sqlite"], codes["postgres"])
		}
	})
}
