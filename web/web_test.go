package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/forms/nid"
	"github.com/skjema/skjema/queue/queuetest"
	"github.com/skjema/skjema/web"
)

type testBundle struct {
	url    string
	server *web.Server
	store  *engine.Store
	forms  *forms.Registry
	body   []byte
	logs   *syncBuffer
}

// newServer is web.New for a configuration the test expects to be valid.
func newServer(t testing.TB, cfg web.Config) *web.Server {
	t.Helper()
	s, err := web.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func setup(t *testing.T, dsn string, kommuner ...string) *testBundle {
	t.Helper()
	return setupWith(t, dsn, kommuner, nil)
}

// setupWith is setup with the web configuration adjusted by adjust.
func setupWith(t *testing.T, dsn string, kommuner []string, adjust func(*web.Config)) *testBundle {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	qb := queuetest.Open(t, dsn, queuetest.Logger(log), queuetest.Engine(enginetest.Kommuner(kommuner...)), queuetest.Started())
	store, reg := qb.Store, qb.Forms
	cfg := web.Config{Store: store, Forms: reg, Logger: log}
	if adjust != nil {
		adjust(&cfg)
	}
	server := newServer(t, cfg)
	srv := httptest.NewServer(server.Handler())
	t.Cleanup(srv.Close)
	body, err := os.ReadFile("../examples/bostotte/application.json")
	if err != nil {
		t.Fatal(err)
	}
	return &testBundle{url: srv.URL, server: server, store: store, forms: reg, body: body, logs: logs}
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (b *testBundle) do(t *testing.T, method, path string, headers map[string]string, body []byte) response {
	t.Helper()
	req, err := http.NewRequest(method, b.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := response{status: res.StatusCode, header: res.Header, raw: string(raw)}
	json.Unmarshal(raw, &r.body)
	return r
}

var jsonCT = map[string]string{"Content-Type": "application/json"}

func with(h map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// TestBadRequests: every malformed request is a clear 4xx problem, never a 5xx.
func TestBadRequests(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t), "0301")
	draft := b.do(t, "POST", "/api/v1/drafts", jsonCT, []byte(`{"form":"bostotte","kommune":"0301"}`))
	if draft.status != 201 {
		t.Fatalf("create draft: %d %s", draft.status, draft.raw)
	}
	id, token := draft.body["id"].(string), draft.body["token"].(string)
	big := append([]byte(`{"message":"`), bytes.Repeat([]byte("x"), 1<<20+10)...)
	big = append(big, `"}`...)
	submitKey := with(jsonCT, "Idempotency-Key", "bad-requests-key-0001")
	tests := []struct {
		name, method, path string
		headers            map[string]string
		body               []byte
		status             int
		problem            string
	}{
		{"unknown form", "GET", "/api/v1/forms/nosuchform", nil, nil, 404, "unknown-form"},
		{"unknown path", "GET", "/api/v2/nothing", nil, nil, 404, "not-found"},
		{"validate without content type", "POST", "/api/v1/forms/bostotte/validate", nil, []byte(`{}`), 415, "unsupported-media-type"},
		{"validate as text/plain", "POST", "/api/v1/forms/bostotte/validate", map[string]string{"Content-Type": "text/plain"}, []byte(`{}`), 415, "unsupported-media-type"},
		{"validate in latin-1", "POST", "/api/v1/forms/bostotte/validate", map[string]string{"Content-Type": "application/json; charset=iso-8859-1"}, []byte(`{}`), 415, "unsupported-media-type"},
		{"validate malformed JSON", "POST", "/api/v1/forms/bostotte/validate", jsonCT, []byte(`{"a":`), 400, "malformed-json"},
		{"validate non-UTF-8", "POST", "/api/v1/forms/bostotte/validate", jsonCT, []byte("{\"a\":\"\xff\xfe\"}"), 400, "malformed-json"},
		{"validate an array", "POST", "/api/v1/forms/bostotte/validate", jsonCT, []byte(`[1,2]`), 400, "malformed-json"},
		{"validate two documents", "POST", "/api/v1/forms/bostotte/validate", jsonCT, []byte(`{} {}`), 400, "malformed-json"},
		{"validate over 1 MiB", "POST", "/api/v1/forms/bostotte/validate", jsonCT, big, 413, "payload-too-large"},
		{"validate unknown mode", "POST", "/api/v1/forms/bostotte/validate?mode=lenient", jsonCT, []byte(`{}`), 400, "invalid-request"},
		{"validate for an unknown channel", "POST", "/api/v1/forms/bostotte/validate?channel=fax", jsonCT, []byte(`{}`), 400, "invalid-request"},
		{"draft for an unknown form", "POST", "/api/v1/drafts", jsonCT, []byte(`{"form":"nope"}`), 404, "unknown-form"},
		{"draft for a kommune not served", "POST", "/api/v1/drafts", jsonCT, []byte(`{"form":"bostotte","kommune":"4601"}`), 422, "unknown-kommune"},
		{"draft with data that is not an object", "POST", "/api/v1/drafts", jsonCT, []byte(`{"form":"bostotte","data":[1]}`), 400, "invalid-request"},
		{"draft without token", "GET", "/api/v1/drafts/" + id, nil, nil, 401, "unauthorized"},
		{"draft with a wrong token", "GET", "/api/v1/drafts/" + id, map[string]string{"Authorization": "Bearer nope"}, nil, 404, "not-found"},
		{"unknown draft", "GET", "/api/v1/drafts/0000", map[string]string{"Authorization": "Bearer " + token}, nil, 404, "not-found"},
		{"save draft with a stale version", "PUT", "/api/v1/drafts/" + id, with(jsonCT, "Authorization", "Bearer "+token, "If-Match", `"99"`), []byte(`{}`), 409, "conflict"},
		{"save draft with a bad If-Match", "PUT", "/api/v1/drafts/" + id, with(jsonCT, "Authorization", "Bearer "+token, "If-Match", "soon"), []byte(`{}`), 400, "invalid-request"},
		{"save draft as an array", "PUT", "/api/v1/drafts/" + id, with(jsonCT, "Authorization", "Bearer "+token), []byte(`[]`), 400, "invalid-request"},
		{"submit without Idempotency-Key", "POST", "/api/v1/forms/bostotte/submissions", jsonCT, b.body, 400, "invalid-request"},
		{"submit with a short key and no draft", "POST", "/api/v1/forms/bostotte/submissions", with(jsonCT, "Idempotency-Key", "abc"), b.body, 400, "invalid-request"},
		{"submit a draft with a wrong token", "POST", "/api/v1/forms/bostotte/submissions", with(jsonCT, "Idempotency-Key", id, "Authorization", "Bearer nope"), b.body, 404, "not-found"},
		{"submit an empty document", "POST", "/api/v1/forms/bostotte/submissions", submitKey, []byte(`{}`), 422, "validation"},
		{"submit a JSON string", "POST", "/api/v1/forms/bostotte/submissions", submitKey, []byte(`"hello"`), 400, "malformed-json"},
		{"submit for a kommune not served", "POST", "/api/v1/forms/bostotte/submissions?kommune=4601", submitKey, b.body, 422, "unknown-kommune"},
		{"submit an ineligible applicant", "POST", "/api/v1/forms/bostotte/submissions", submitKey, bytes.Replace(b.body, []byte(`"institution": false`), []byte(`"institution": true`), 1), 422, "ineligible"},
		{"status without token", "GET", "/api/v1/submissions/" + id, nil, nil, 401, "unauthorized"},
		{"status with a wrong token", "GET", "/api/v1/submissions/" + id, map[string]string{"Authorization": "Bearer nope"}, nil, 404, "not-found"},
		{"validate nested 65 deep", "POST", "/api/v1/forms/bostotte/validate", jsonCT, deep(65), 400, "too-deep"},
		{"submit nested 100,000 deep", "POST", "/api/v1/forms/bostotte/submissions", submitKey, deep(100000), 400, "malformed-json"},
		{"submit nested 65 deep", "POST", "/api/v1/forms/bostotte/submissions", submitKey, deep(65), 400, "too-deep"},
		{"validate with a byte order mark", "POST", "/api/v1/forms/bostotte/validate", jsonCT, append([]byte("\ufeff"), b.body...), 400, "malformed-json"},
		{"submit a number with an exponent of 400", "POST", "/api/v1/forms/bostotte/submissions", submitKey, bytes.Replace(b.body, []byte("14500"), []byte("1e400"), 1), 422, "validation"},
		{"submit a number with an exponent of 999999", "POST", "/api/v1/forms/bostotte/submissions", submitKey, bytes.Replace(b.body, []byte("14500"), []byte("1e999999"), 1), 400, "number-too-large"},
		{"submit a number of 41 digits", "POST", "/api/v1/forms/bostotte/submissions", submitKey, bytes.Replace(b.body, []byte("14500"), []byte(strings.Repeat("9", 41)), 1), 400, "number-too-large"},
		{"validate a 41-digit string is fine", "POST", "/api/v1/forms/bostotte/validate", jsonCT, []byte(`{"message":"` + strings.Repeat("9", 41) + `"}`), 200, ""},
		{"submit a 900 KB name", "POST", "/api/v1/forms/bostotte/submissions", submitKey, bytes.Replace(b.body, []byte(`"Kari"`), []byte(`"`+strings.Repeat("K", 900<<10)+`"`), 1), 422, "validation"},
		{"submit wrong types", "POST", "/api/v1/forms/bostotte/submissions", submitKey, []byte(`{"applicant":[],"household":{},"housing":"rented","income":1,"payment":null,"declaration":"yes"}`), 422, "validation"},
		{"submit 21 household members", "POST", "/api/v1/forms/bostotte/submissions", submitKey, manyMembers(b.body, 21), 422, "validation"},
		{"submit 11 files on one attachment", "POST", "/api/v1/forms/bostotte/submissions", submitKey, manyFiles(b.body, 11), 422, "validation"},
		{"submit an unknown member", "POST", "/api/v1/forms/bostotte/submissions", submitKey, bytes.Replace(b.body, []byte(`{`), []byte(`{"isAdmin":true,`), 1), 422, "validation"},
		{"submit with a key of 201 characters", "POST", "/api/v1/forms/bostotte/submissions", with(jsonCT, "Idempotency-Key", strings.Repeat("k", 201)), b.body, 400, "invalid-request"},
		{"save draft without content type", "PUT", "/api/v1/drafts/" + id, map[string]string{"Authorization": "Bearer " + token}, []byte(`{}`), 415, "unsupported-media-type"},
		{"save draft over 1 MiB", "PUT", "/api/v1/drafts/" + id, with(jsonCT, "Authorization", "Bearer "+token), big, 413, "payload-too-large"},
		{"create draft malformed", "POST", "/api/v1/drafts", jsonCT, []byte(`{"form":`), 400, "malformed-json"},
		{"create draft with a number for a form", "POST", "/api/v1/drafts", jsonCT, []byte(`{"form":7}`), 400, "malformed-json"},
		{"agency batches without a key", "GET", "/api/v1/agency/batches", nil, nil, 401, "unauthorized"},
		{"agency batch with a wrong key", "GET", "/api/v1/agency/batches/x", map[string]string{"Authorization": "Bearer skj_x"}, nil, 401, "unauthorized"},
		{"agency receipts with a wrong key", "POST", "/api/v1/agency/batches/x/receipts", with(jsonCT, "Authorization", "Bearer skj_x"), []byte(`[]`), 401, "unauthorized"},
	}
	if len(tests) < 40 {
		t.Fatalf("%d named bad requests; keep at least 40", len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := b.do(t, tt.method, tt.path, tt.headers, tt.body)
			if tt.problem == "" {
				if r.status != tt.status {
					t.Fatalf("got %d %s, want %d", r.status, r.raw, tt.status)
				}
				return
			}
			if r.status != tt.status || r.body["type"] != web.ProblemBase+tt.problem {
				t.Fatalf("got %d %s, want %d %s", r.status, r.raw, tt.status, tt.problem)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if r.body["title"] == "" || r.body["status"] != float64(tt.status) {
				t.Errorf("incomplete problem: %s", r.raw)
			}
			// No operation or error kind before what is wrong (review
			// finding 27: "submit: conflict: …").
			if d, _ := r.body["detail"].(string); internalPrefix.MatchString(d) {
				t.Errorf("detail %q starts with the engine's own prefixes", d)
			}
		})
	}
}

var internalPrefix = regexp.MustCompile(`^[a-z]+( [a-z0-9-]+)?: |(^|\s)(conflict|invalid|illegal transition|gone): `)

// deep is an array nested n levels.
func deep(n int) []byte {
	return []byte(strings.Repeat("[", n) + strings.Repeat("]", n))
}

func manyMembers(body []byte, n int) []byte {
	var doc map[string]any
	json.Unmarshal(body, &doc)
	members := doc["household"].([]any)
	for len(members) < n {
		members = append(members, members[0])
	}
	doc["household"] = members
	out, _ := json.Marshal(doc)
	return out
}

func manyFiles(body []byte, n int) []byte {
	var doc map[string]any
	json.Unmarshal(body, &doc)
	file := map[string]any{"id": "f-lease-1", "name": "husleiekontrakt.pdf", "contentType": "application/pdf", "size": 182044}
	files := make([]any, n)
	for i := range files {
		files[i] = file
	}
	doc["housing"].(map[string]any)["type"] = "rented"
	doc["attachments"] = map[string]any{"lease": map[string]any{"status": "uploaded", "files": files}}
	out, _ := json.Marshal(doc)
	return out
}

// bareStore is an unmigrated SQLite store and the shipped forms, for tests
// of the HTTP layer alone.
func bareStore(t *testing.T) (*engine.Store, *forms.Registry) {
	t.Helper()
	b := enginetest.Open(t, enginetest.SQLite(t), enginetest.Unmigrated())
	return b.Store, b.Forms
}

// TestRateLimit: a client over its rate gets 429 with Retry-After; another
// client is not affected.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	store, reg := bareStore(t)
	h := newServer(t, web.Config{Store: store, Forms: reg, RatePerClient: 1, RateBurst: 3}).Handler()
	call := func(addr string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/api/v1/forms", nil)
		req.RemoteAddr = addr
		h.ServeHTTP(rec, req)
		return rec
	}
	for i := range 3 {
		if rec := call("192.0.2.1:1000"); rec.Code != 200 {
			t.Fatalf("request %d within the burst: %d", i, rec.Code)
		}
	}
	rec := call("192.0.2.1:1001")
	if rec.Code != 429 || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "too-many-requests") {
		t.Fatalf("over the rate: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	if rec := call("198.51.100.7:1000"); rec.Code != 200 {
		t.Fatalf("another client was limited: %d", rec.Code)
	}
	if rec := call("192.0.2.1:1000"); rec.Code == 200 {
		t.Fatal("the limited client got through at once")
	}
}

// TestCitizenFlow: definition, partial validation in nynorsk, draft,
// autosave, submit with the draft, a retry, status; against each database.
func TestCitizenFlow(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn)
		def := b.do(t, "GET", "/api/v1/forms/bostotte", nil, nil)
		if def.status != 200 || def.body["version"] == "" || def.body["schema"] == nil || def.body["texts"] == nil {
			t.Fatalf("definition: %d %.200s", def.status, def.raw)
		}
		list := b.do(t, "GET", "/api/v1/forms", nil, nil)
		if !strings.Contains(list.raw, `"nn":"Søknad om bustøtte"`) {
			t.Fatalf("forms list: %s", list.raw)
		}

		partial := b.do(t, "POST", "/api/v1/forms/bostotte/validate?mode=partial&pages=eligibility,applicant",
			with(jsonCT, "Accept-Language", "nn-NO,nn;q=0.9"), []byte(`{"applicant":{"fodselsnummer":"12345678901"}}`))
		if partial.status != 200 || partial.body["valid"] != false {
			t.Fatalf("validate: %d %s", partial.status, partial.raw)
		}
		if !strings.Contains(partial.raw, `"Fødselsnummer stemmer ikkje. Sjekk at du har skrive alle dei 11 sifra rett"`) || !strings.Contains(partial.raw, `"Førenamn må fyllast ut"`) {
			t.Fatalf("partial validation in nynorsk: %s", partial.raw)
		}
		if strings.Contains(partial.raw, "/payment/kontonummer") {
			t.Fatalf("partial validation reported a page not yet passed: %s", partial.raw)
		}
		month, _ := partial.body["applicationMonth"].(string)
		if !regexp.MustCompile(`^20\d\d-(0[1-9]|1[0-2])$`).MatchString(month) {
			t.Fatalf("validation names no month applied for: %s", partial.raw)
		}

		draft := b.do(t, "POST", "/api/v1/drafts", jsonCT, []byte(`{"form":"bostotte","kommune":"0301"}`))
		id, token := draft.body["id"].(string), draft.body["token"].(string)
		auth := with(jsonCT, "Authorization", "Bearer "+token)
		saved := b.do(t, "PUT", "/api/v1/drafts/"+id, with(auth, "If-Match", `"1"`), []byte(`{"applicant":{"givenName":"Kari"}}`))
		if saved.status != 200 || saved.header.Get("ETag") != `"2"` {
			t.Fatalf("save: %d %s %v", saved.status, saved.raw, saved.header)
		}
		read := b.do(t, "GET", "/api/v1/drafts/"+id, auth, nil)
		if read.status != 200 || !strings.Contains(read.raw, `"givenName":"Kari"`) || read.body["status"] != "draft" {
			t.Fatalf("read draft: %s", read.raw)
		}

		submitHeaders := with(auth, "Idempotency-Key", id)
		first := b.do(t, "POST", "/api/v1/forms/bostotte/submissions", submitHeaders, b.body)
		if first.status != 201 || first.body["id"] != id || !strings.HasPrefix(first.body["reference"].(string), "BOS-") {
			t.Fatalf("submit: %d %s", first.status, first.raw)
		}
		if first.body["applicationMonth"] != month { // the same day as the review (barring midnight)
			t.Errorf("receipt month %v, want the month the review named, %s", first.body["applicationMonth"], month)
		}
		retry := b.do(t, "POST", "/api/v1/forms/bostotte/submissions", submitHeaders, b.body)
		if retry.status != 201 || retry.raw != first.raw {
			t.Fatalf("retry: %d %s, want the same receipt %s", retry.status, retry.raw, first.raw)
		}
		changed := b.do(t, "POST", "/api/v1/forms/bostotte/submissions", submitHeaders, bytes.Replace(b.body, []byte("14500"), []byte("15000"), 1))
		if changed.status != 409 {
			t.Fatalf("same key, other body: %d %s", changed.status, changed.raw)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			st := b.do(t, "GET", "/api/v1/submissions/"+id, auth, nil)
			if st.status == 200 && st.body["status"] == "batched" && st.body["reference"] == first.body["reference"] {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("status never reached batched: %s", st.raw)
			}
			time.Sleep(20 * time.Millisecond)
		}

		// Nothing the citizen typed may reach the log.
		logs := b.logs.String()
		for _, secret := range []string{"12038512356", "02078745684", "15031234562", "1503.12.34562", "Nordmann", "12345678901", token} {
			if strings.Contains(logs, secret) {
				t.Errorf("the log contains %q", secret)
			}
		}
		if !strings.Contains(logs, `"route":"POST /api/v1/forms/{form}/submissions"`) {
			t.Errorf("requests are not logged by route")
		}
	})
}

func TestHealthReadyMetrics(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t))
	if r := b.do(t, "GET", "/healthz", nil, nil); r.status != 200 {
		t.Fatalf("healthz: %d", r.status)
	}
	if r := b.do(t, "GET", "/readyz", nil, nil); r.status != 200 || r.body["status"] != "ready" {
		t.Fatalf("readyz: %d %s", r.status, r.raw)
	}
	b.do(t, "POST", "/api/v1/forms/bostotte/submissions", with(jsonCT, "Idempotency-Key", "metrics-key-0123456789"), b.body)
	// Metrics are for the operator's listener only (security review H2).
	if r := b.do(t, "GET", "/metrics", nil, nil); r.status != 404 {
		t.Errorf("/metrics on the public listener: %d", r.status)
	}
	admin := httptest.NewServer(b.server.AdminHandler())
	defer admin.Close()
	m := response{}
	if res, err := http.Get(admin.URL + "/metrics"); err == nil {
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		m.status, m.raw = res.StatusCode, string(raw)
	}
	if res, err := http.Get(admin.URL + "/readyz"); err != nil || res.StatusCode != 200 {
		t.Errorf("readyz on the admin listener: %v %v", res, err)
	}
	for _, want := range []string{`skjema_submits_total{outcome="created"} 1`, `skjema_http_requests_total{code="201",route="POST /api/v1/forms/{form}/submissions"} 1`, "skjema_http_request_duration_seconds_bucket"} {
		if !strings.Contains(m.raw, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	r := b.do(t, "GET", "/healthz", nil, nil)
	for _, h := range []string{"X-Content-Type-Options", "Referrer-Policy", "Content-Security-Policy"} {
		if r.header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
}

// TestDrainingIsNotReady: once the server drains (shutdown has begun),
// /readyz answers 503 so a load balancer sends no more, while other
// requests are still served.
func TestDrainingIsNotReady(t *testing.T) {
	t.Parallel()
	eb := enginetest.Open(t, enginetest.SQLite(t))
	s := newServer(t, web.Config{Store: eb.Store, Forms: eb.Forms})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	status := func(path string) int {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := status("/readyz"); got != 200 {
		t.Fatalf("readyz before draining: %d", got)
	}
	s.Drain()
	if got := status("/readyz"); got != 503 {
		t.Fatalf("readyz while draining: %d, want 503", got)
	}
	if got := status("/healthz"); got != 200 {
		t.Fatalf("healthz while draining: %d, want 200", got)
	}
}

// TestSecurityHeadersOnEveryResponse: every route, and the answers to
// unknown paths, carry the headers; HSTS only when the request came over TLS.
func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	store, reg := bareStore(t)
	if err := store.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, web.Config{Store: store, Forms: reg})
	ts := httptest.NewTLSServer(srv.Handler())
	defer ts.Close()
	plain := httptest.NewServer(srv.Handler())
	defer plain.Close()
	paths := []string{"GET /no/such/path"}
	for _, r := range srv.Routes() {
		paths = append(paths, strings.NewReplacer("{form}", "bostotte", "{id}", "x").Replace(r))
	}
	for _, p := range paths {
		method, path, _ := strings.Cut(p, " ")
		for _, base := range []struct {
			url  string
			tls  bool
			doer *http.Client
		}{{ts.URL, true, ts.Client()}, {plain.URL, false, http.DefaultClient}} {
			req, _ := http.NewRequest(method, base.url+path, strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			res, err := base.doer.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode >= 500 {
				t.Errorf("%s: %d", p, res.StatusCode)
			}
			h := res.Header
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" ||
				!strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
				t.Errorf("%s (tls %v): headers %v", p, base.tls, h)
			}
			if (h.Get("Strict-Transport-Security") != "") != base.tls {
				t.Errorf("%s (tls %v): HSTS = %q", p, base.tls, h.Get("Strict-Transport-Security"))
			}
		}
	}
}

// TestCORS: the citizen API answers CORS to the configured kommune sites
// only; the agency API never does.
func TestCORS(t *testing.T) {
	t.Parallel()
	store, reg := bareStore(t)
	if err := store.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	h := newServer(t, web.Config{Store: store, Forms: reg, Origins: []string{"https://www.oslo.kommune.no/"},
		Logger: slog.New(slog.NewJSONHandler(logs, nil))}).Handler()
	call := func(method, path, origin string, headers map[string]string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(method, path, nil)
		req.Header.Set("Origin", origin)
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		h.ServeHTTP(rec, req)
		return rec
	}
	preflight := map[string]string{"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type, idempotency-key"}
	rec := call("OPTIONS", "/api/v1/forms/bostotte/submissions", "https://www.oslo.kommune.no", preflight)
	if rec.Code != 204 || rec.Header().Get("Access-Control-Allow-Origin") != "https://www.oslo.kommune.no" ||
		!strings.Contains(rec.Header().Get("Access-Control-Allow-Headers"), "Idempotency-Key") {
		t.Fatalf("preflight from an allowed site: %d %v", rec.Code, rec.Header())
	}
	rec = call("GET", "/api/v1/forms/bostotte", "https://www.oslo.kommune.no", nil)
	if rec.Code != 200 || rec.Header().Get("Access-Control-Allow-Origin") != "https://www.oslo.kommune.no" || !strings.Contains(rec.Header().Get("Vary"), "Origin") {
		t.Fatalf("GET from an allowed site: %d %v", rec.Code, rec.Header())
	}
	rec = call("OPTIONS", "/api/v1/forms/bostotte/submissions", "https://evil.example", preflight)
	if rec.Code != 403 || rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("preflight from another site: %d %v", rec.Code, rec.Header())
	}
	if rec = call("GET", "/api/v1/forms", "https://evil.example", nil); rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("another site was allowed: %v", rec.Header())
	}
	// The operator learns, once, that a site not in -origins embeds the widget.
	if n := strings.Count(logs.String(), `"origin":"https://evil.example"`); n != 1 || !strings.Contains(logs.String(), `"level":"WARN"`) {
		t.Errorf("the refused site is logged %d times, want once at WARN:\n%s", n, logs.String())
	}
	if rec = call("GET", "/api/v1/agency/batches", "https://www.oslo.kommune.no", nil); rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("the agency API answered CORS: %v", rec.Header())
	}
}

func TestHSTSBehindALoadBalancer(t *testing.T) {
	t.Parallel()
	store, reg := bareStore(t)
	rec := httptest.NewRecorder()
	newServer(t, web.Config{Store: store, Forms: reg, HSTS: true}).Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/forms", nil))
	if rec.Header().Get("Strict-Transport-Security") == "" {
		t.Fatal("no HSTS with HSTS configured")
	}
}

// TestNewRefusesAMissingStoreOrForms: a server without its store or its
// forms is refused when it is built, not found out on its first request.
func TestNewRefusesAMissingStoreOrForms(t *testing.T) {
	t.Parallel()
	store, reg := bareStore(t)
	for name, cfg := range map[string]web.Config{
		"no store": {Forms: reg},
		"no forms": {Store: store},
		"neither":  {},
	} {
		if s, err := web.New(cfg); err == nil || s != nil {
			t.Errorf("%s: web.New answered %v, %v; want an error", name, s, err)
		}
	}
}

func TestNotReadyWhenMigrationsArePending(t *testing.T) {
	t.Parallel()
	store, reg := bareStore(t)
	srv := httptest.NewServer(newServer(t, web.Config{Store: store, Forms: reg}).Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 503 {
		t.Fatalf("readyz on an unmigrated database: %d, want 503", res.StatusCode)
	}
}

// TestUnstorableTextIsRefused: text PostgreSQL cannot store (NUL, lone
// surrogates, invalid UTF-8) is a 400 on both databases, wherever it comes
// in: the body, a header, the path (security review V2, L3, L4).
func TestUnstorableTextIsRefused(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn)
		key, err := b.store.Batches.CreateAgencyKey(context.Background(), "husbanken")
		if err != nil {
			t.Fatal(err)
		}
		draft := b.do(t, "POST", "/api/v1/drafts", jsonCT, []byte(`{"form":"bostotte","kommune":"0301"}`))
		id, token := draft.body["id"].(string), draft.body["token"].(string)
		agency := map[string]string{"Authorization": "Bearer " + key}
		tests := []struct {
			name, method, path string
			headers            map[string]string
			body               []byte
		}{
			{"NUL in draft data", "POST", "/api/v1/drafts", jsonCT, []byte(`{"form":"bostotte","data":{"a":"x\u0000"}}`)},
			{"lone surrogate in draft data", "POST", "/api/v1/drafts", jsonCT, []byte(`{"form":"bostotte","data":{"a":"\ud800"}}`)},
			{"NUL in the kommune", "POST", "/api/v1/drafts", jsonCT, []byte(`{"form":"bostotte","kommune":"0301\u0000"}`)},
			{"NUL in a saved name", "PUT", "/api/v1/drafts/" + id, with(jsonCT, "Authorization", "Bearer "+token), []byte(`{"applicant":{"givenName":"K\u0000"}}`)},
			{"NUL in a submitted name", "POST", "/api/v1/forms/bostotte/submissions", with(jsonCT, "Idempotency-Key", "unstorable-0000000001"), bytes.Replace(b.body, []byte(`"Kari"`), []byte(`"Kari\u0000"`), 1)},
			{"an escape character in a name", "POST", "/api/v1/forms/bostotte/submissions", with(jsonCT, "Idempotency-Key", "unstorable-0000000002"), bytes.Replace(b.body, []byte(`"Kari"`), []byte(`"Kari\u001b[2J"`), 1)},
			{"invalid UTF-8 in the Idempotency-Key", "POST", "/api/v1/forms/bostotte/submissions", with(jsonCT, "Idempotency-Key", "unstorable-\xf8-000000003"), b.body},
			{"invalid UTF-8 in an agency batch id", "GET", "/api/v1/agency/batches/%ff", agency, nil},
			{"invalid UTF-8 in an agency file id", "GET", "/api/v1/agency/files/%ff", agency, nil},
			{"invalid UTF-8 in a receipts batch id", "POST", "/api/v1/agency/batches/%ff/receipts", with(jsonCT, "Authorization", "Bearer "+key), []byte(`[]`)},
			{"NUL in a draft id", "GET", "/api/v1/drafts/%00", map[string]string{"Authorization": "Bearer " + token}, nil},
			{"invalid UTF-8 in the query", "POST", "/api/v1/forms/bostotte/validate?mode=%ff", jsonCT, []byte(`{}`)},
		}
		for _, tt := range tests {
			r := b.do(t, tt.method, tt.path, tt.headers, tt.body)
			if r.status != 400 || r.body["type"] != web.ProblemBase+"invalid-text" {
				t.Errorf("%s: got %d %s, want 400 invalid-text", tt.name, r.status, r.raw)
			}
		}
		counts, err := b.store.Casework.CountByStatus(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(counts) != 1 || counts[engine.StatusDraft] != 1 {
			t.Errorf("applications by status: %v, want only the one draft", counts)
		}
	})
}

// TestStaticRoutesRefuseNUL: the example page's file server and the widget
// answer 4xx to a NUL in the path (security review L3).
func TestStaticRoutesRefuseNUL(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(dir+"/index.html", []byte("<!doctype html><title>x</title>"), 0o644)
	store, reg := bareStore(t)
	srv := httptest.NewServer(newServer(t, web.Config{Store: store, Forms: reg, ExampleDir: dir}).Handler())
	defer srv.Close()
	for _, p := range []string{"/example/%00", "/example/a%00b.html", "/widget/%00", "/widget/skjema.js%00", "/caseworker/%ff"} {
		res, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode < 400 || res.StatusCode >= 500 {
			t.Errorf("GET %s = %d, want 4xx", p, res.StatusCode)
		}
	}
}

// TestTokenReadsStatusOnceDelivered: once the application has left the
// citizen's hands, GET /api/v1/drafts/{id} with her token answers the
// status with data null, not her fødselsnummer and kontonummer (security
// review H1).
func TestTokenReadsStatusOnceDelivered(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t))
	ctx := context.Background()
	d := b.do(t, "POST", "/api/v1/drafts", jsonCT, []byte(`{"form":"bostotte","kommune":"0301"}`))
	id, token := d.body["id"].(string), d.body["token"].(string)
	auth := map[string]string{"Authorization": "Bearer " + token}
	if r := b.do(t, "POST", "/api/v1/forms/bostotte/submissions", with(jsonCT, "Idempotency-Key", id, "Authorization", "Bearer "+token), b.body); r.status != 201 {
		t.Fatalf("submit: %d %s", r.status, r.raw)
	}
	_, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: id, Agency: "husbanken"})
	if err != nil && !errors.Is(err, engine.ErrConflict) { // the route job may have been first
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := b.do(t, "GET", "/api/v1/drafts/"+id, auth, nil)
		if r.status != 200 {
			t.Fatalf("read: %d %s", r.status, r.raw)
		}
		if r.body["status"] == "batched" || r.body["status"] == "delivered" {
			if r.body["data"] != nil || strings.Contains(r.raw, "15031234562") {
				t.Fatalf("the token still reads the document: %s", r.raw)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never batched: %s", r.raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestReceiptsAfterTheBodyIsPurged: an agency that decides after its batch's
// body was purged still posts its receipts (its applications would stay
// delivered for good), while fetching the batch says it is gone (review of
// 2026-12-02).
func TestReceiptsAfterTheBodyIsPurged(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t))
	ctx := context.Background()
	key, err := b.store.Batches.CreateAgencyKey(ctx, "husbanken")
	if err != nil {
		t.Fatal(err)
	}
	r, err := b.store.Submit(ctx, engine.SubmitRequest{Form: mustForm(t, b), Body: b.body, IdempotencyKey: "purged-receipts-0123456789", Kommune: "0301"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: r.ID, Agency: "husbanken"})
	if err != nil && !errors.Is(err, engine.ErrConflict) {
		t.Fatal(err)
	}
	batch := res.Batch.ID
	if batch == "" { // the route job was first
		a, _ := b.store.Application(ctx, r.ID)
		open, _ := b.store.Batches.Batches(ctx, "husbanken", batches.BatchOpen)
		if len(open) != 1 || a.Status != engine.StatusBatched {
			t.Fatalf("not batched: %s, %d open batches", a.Status, len(open))
		}
		batch = open[0].ID
	}
	if _, _, err := b.store.Batches.SealBatch(ctx, batch); err != nil {
		t.Fatal(err)
	}
	agency := map[string]string{"Authorization": "Bearer " + key}
	if g := b.do(t, "GET", "/api/v1/agency/batches/"+batch, agency, nil); g.status != 200 {
		t.Fatalf("fetch: %d %s", g.status, g.raw)
	}
	if _, _, err := b.store.Purge(ctx, engine.Retention{BatchBodies: time.Nanosecond}); err != nil {
		t.Fatal(err)
	}
	if g := b.do(t, "GET", "/api/v1/agency/batches/"+batch, agency, nil); g.status != 410 {
		t.Fatalf("fetch after the purge: %d %s, want 410", g.status, g.raw)
	}
	// A rejection must say why (issue #13 item 9): 422, with its own type.
	noReason, _ := json.Marshal([]batches.ReceiptItem{{Reference: r.Reference, Outcome: batches.OutcomeRejected}})
	if p := b.do(t, "POST", "/api/v1/agency/batches/"+batch+"/receipts", with(jsonCT, "Authorization", "Bearer "+key), noReason); p.status != 422 || p.body["type"] != web.ProblemBase+"missing-reason" {
		t.Fatalf("a rejection without a reason: %d %s, want 422 missing-reason", p.status, p.raw)
	}
	body, _ := json.Marshal([]batches.ReceiptItem{{Reference: r.Reference, Outcome: batches.OutcomeAccepted}})
	if p := b.do(t, "POST", "/api/v1/agency/batches/"+batch+"/receipts", with(jsonCT, "Authorization", "Bearer "+key), body); p.status != 200 || p.body["applied"] != float64(1) {
		t.Fatalf("receipts after the purge: %d %s", p.status, p.raw)
	}
}

func mustForm(t *testing.T, b *testBundle) *forms.Form {
	t.Helper()
	reg, err := forms.Load(forms.Config{})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := reg.Form("bostotte")
	return f
}

// TestPostnummerAndKommune: the widget shows the poststed after a
// postnummer, and the review page names the kommune that handles the
// application, from the imported registers (issue #13 item 7).
func TestPostnummerAndKommune(t *testing.T) {
	t.Parallel()
	regs := nid.NewRegisters([]nid.Kommune{{Number: "0301", Name: "Oslo"}},
		[]nid.Poststed{{Postnummer: "0150", Poststed: "OSLO", Kommunenummer: "0301", Kommunenavn: "OSLO"}})
	b := setupWith(t, enginetest.SQLite(t), []string{"0301"}, func(c *web.Config) { c.Registers = regs })
	if p := b.do(t, "GET", "/api/v1/postnummer/0150", nil, nil); p.status != 200 || p.body["poststed"] != "OSLO" || p.body["kommunenummer"] != "0301" {
		t.Fatalf("postnummer 0150: %d %s", p.status, p.raw)
	}
	for path, status := range map[string]int{"/api/v1/postnummer/9999": 404, "/api/v1/postnummer/01a0": 400, "/api/v1/postnummer/015": 400} {
		if p := b.do(t, "GET", path, nil, nil); p.status != status {
			t.Errorf("%s: %d %s, want %d", path, p.status, p.raw, status)
		}
	}
	var doc map[string]any
	json.Unmarshal(b.body, &doc)
	delete(doc["address"].(map[string]any), "kommunenummer") // the widget never asks it
	body, _ := json.Marshal(doc)
	v := b.do(t, "POST", "/api/v1/forms/bostotte/validate?kommune=0301", jsonCT, body)
	if v.status != 200 || v.body["valid"] != true || !strings.Contains(v.raw, `"kommune":{"number":"0301","name":"Oslo"}`) {
		t.Fatalf("validate for Oslo: %d %s", v.status, v.raw)
	}
	if v := b.do(t, "POST", "/api/v1/forms/bostotte/validate?kommune=oslo", jsonCT, body); v.status != 400 {
		t.Fatalf("validate for kommune=oslo: %d, want 400", v.status)
	}
	// The definition for a kommune names its written language, the widget's
	// default (issue #18 item 1): Sogndal writes nynorsk; Oslo is neutral.
	regs.AddLanguages([]nid.Kommune{{Number: "4640", Language: "nn"}, {Number: "0301", Language: "neutral"}})
	if d := b.do(t, "GET", "/api/v1/forms/bostotte?kommune=4640", nil, nil); d.status != 200 || !strings.Contains(d.raw, `"kommune":{"number":"4640","lang":"nn"}`) || d.body["layout"] == nil {
		t.Errorf("definition for Sogndal: %d %.300s", d.status, d.raw)
	}
	if d := b.do(t, "GET", "/api/v1/forms/bostotte?kommune=0301", nil, nil); !strings.Contains(d.raw, `"kommune":{"number":"0301","name":"Oslo"}`) {
		t.Errorf("definition for Oslo: %d %.300s", d.status, d.raw)
	}
	// Submitted from a draft of 0301 without a kommunenummer, the stored
	// address names 0301.
	draft := b.do(t, "POST", "/api/v1/drafts", jsonCT, []byte(`{"form":"bostotte","kommune":"0301"}`))
	id, token := draft.body["id"].(string), draft.body["token"].(string)
	sub := b.do(t, "POST", "/api/v1/forms/bostotte/submissions", with(with(jsonCT, "Authorization", "Bearer "+token), "Idempotency-Key", id), body)
	if sub.status != 201 {
		t.Fatalf("submit without a typed kommune: %d %s", sub.status, sub.raw)
	}
	a, _ := b.store.Application(context.Background(), id)
	if !strings.Contains(a.Data, `"kommunenummer":"0301"`) {
		t.Fatalf("the stored address does not name the draft's kommune: %s", a.Data)
	}
}

// TestReadyzKeepsTheDatabaseErrorToTheLog: /readyz says that the database
// is not ready, and the log says why; the database's own words (a host, a
// user, a relation) are not for whoever asks (security review H2).
func TestReadyzKeepsTheDatabaseErrorToTheLog(t *testing.T) {
	t.Parallel()
	store, reg := bareStore(t) // never migrated
	logs := &syncBuffer{}
	srv := httptest.NewServer(newServer(t, web.Config{Store: store, Forms: reg, Logger: slog.New(slog.NewJSONHandler(logs, nil))}).Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 503 || strings.Contains(string(body), "migrations pending") {
		t.Errorf("readyz: %d %s", res.StatusCode, body)
	}
	if !strings.Contains(logs.String(), "migrations pending") {
		t.Errorf("the log does not say why:\n%s", logs.String())
	}
}
