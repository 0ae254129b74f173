package caseworker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/engine/citizens"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/forms/nid"
	"github.com/skjema/skjema/forms/prefill"
	"github.com/skjema/skjema/queue/queuetest"
	"github.com/skjema/skjema/web"
	"github.com/skjema/skjema/web/caseworker"
)

const password = "et langt og hemmelig passord"

var pdf = []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

type testBundle struct {
	store *engine.Store
	forms *forms.Registry
	form  *forms.Form
	srv   *httptest.Server
	body  []byte
}

func setup(t testing.TB, dsn string, cfg caseworker.Config, opts ...queuetest.Option) *testBundle {
	t.Helper()
	return setupAt(t, dsn, func(string) caseworker.Config { return cfg }, opts...)
}

// setupAt is setup with a configuration that needs the server's own URL
// (the kommune's login's callback), made by cfgAt.
func setupAt(t testing.TB, dsn string, cfgAt func(base string) caseworker.Config, opts ...queuetest.Option) *testBundle {
	t.Helper()
	qb := queuetest.Open(t, dsn, opts...)
	store, reg := qb.Store, qb.Forms
	// TLS, because the session cookie is Secure (and __Host-).
	srv := httptest.NewUnstartedServer(nil)
	cfg := cfgAt("https://" + srv.Listener.Addr().String())
	quiet := slog.New(slog.DiscardHandler)
	cfg.Store, cfg.Forms = store, reg
	if cfg.Logger == nil {
		cfg.Logger = quiet
	}
	cw, err := caseworker.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	api, err := web.New(web.Config{Store: store, Forms: reg, Caseworker: cw, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = api.Handler()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	form, _ := reg.Form("bostotte")
	body, err := os.ReadFile("../../examples/bostotte/application.json")
	if err != nil {
		t.Fatal(err)
	}
	return &testBundle{store: store, forms: reg, form: form, srv: srv, body: body}
}

func (b *testBundle) user(t testing.TB, email string, admin bool, kommuner ...string) engine.User {
	t.Helper()
	u, err := b.store.Accounts.CreateUser(context.Background(), engine.NewUser{Email: email, Name: email, Admin: admin, Kommuner: kommuner, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// flagged is a rented home's application with its lease uploaded, routed to
// the kommune's review. It answers the application and the file's id.
func (b *testBundle) flagged(t testing.TB, kommune string) (engine.Application, string) {
	t.Helper()
	ctx := context.Background()
	d, err := b.store.CreateDraft(ctx, "bostotte", b.form.Version, kommune, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := b.store.AddFile(ctx, d.ID, d.Token, engine.NewFile{Attachment: "lease", Name: "kontrakt.pdf", ContentType: "application/pdf", Content: bytes.NewReader(pdf)})
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	json.Unmarshal(b.body, &doc)
	doc["housing"] = map[string]any{"type": "rented", "rent": 14500, "pensioner": true, "heatingIncluded": false}
	doc["attachments"] = map[string]any{"lease": map[string]any{"status": "uploaded", "files": []any{map[string]any{"id": f.ID, "name": f.Name, "contentType": f.ContentType, "size": f.Size}}}}
	body, _ := json.Marshal(doc)
	if _, err := b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: body, IdempotencyKey: d.ID, Token: d.Token, Kommune: kommune}); err != nil {
		var ve *engine.ValidationError
		errors.As(err, &ve)
		t.Fatalf("%v %+v", err, ve.Errors)
	}
	_, err = b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: d.ID, Agency: "husbanken", Reasons: []string{"registeredElsewhere"}})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := b.store.Application(ctx, d.ID)
	return a, f.ID
}

// browser is one signed-in caseworker's cookie jar.
type browser struct {
	t    *testing.T
	c    *http.Client
	base string
	csrf string
}

type page struct {
	status int
	body   string
	header http.Header
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *testBundle) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	c := *b.srv.Client() // a copy: each browser its own jar
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{t: t, c: &c, base: b.srv.URL}
}

// browserFrom is a browser on another client address: its connections
// leave from ip, a loopback address other than 127.0.0.1 (on Linux all of
// 127.0.0.0/8 is loopback), so the server sees a different client.
func (b *testBundle) browserFrom(t *testing.T, ip string) *browser {
	br := b.browser(t)
	tr := br.c.Transport.(*http.Transport).Clone()
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr.DialContext = dialer.DialContext
	br.c.Transport = tr
	return br
}

func (br *browser) do(method, path string, form url.Values) page {
	br.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, br.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := br.c.Do(req)
	if err != nil {
		br.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	p := page{status: res.StatusCode, body: string(b), header: res.Header}
	if m := csrfField.FindStringSubmatch(p.body); m != nil {
		br.csrf = m[1]
	}
	return p
}

// post sends a form with the page's CSRF token.
func (br *browser) post(path string, form url.Values) page {
	br.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", br.csrf)
	}
	return br.do("POST", path, form)
}

// paper posts a document as the paper form's widget does.
func (br *browser) paper(d engine.Draft, body []byte) page {
	br.t.Helper()
	req, _ := http.NewRequest("POST", br.base+"/caseworker/paper/"+d.ID, strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+d.Token)
	req.Header.Set("X-CSRF-Token", br.csrf)
	res, err := br.c.Do(req)
	if err != nil {
		br.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return page{status: res.StatusCode, body: string(b), header: res.Header}
}

func (br *browser) login(email, pw string) page {
	br.t.Helper()
	br.do("GET", "/caseworker/login", nil)
	return br.post("/caseworker/login", url.Values{"email": {email}, "password": {pw}})
}

func (b *testBundle) signedIn(t *testing.T, email string) *browser {
	t.Helper()
	br := b.browser(t)
	if p := br.login(email, password); p.status != http.StatusSeeOther {
		t.Fatalf("login %s: %d %s", email, p.status, p.body)
	}
	br.do("GET", "/caseworker/", nil) // for the session's CSRF token
	return br
}

func version(a engine.Application) string { return strconv.Itoa(a.Version) }

// TestAnotherKommunesApplicationIsNotFound: a caseworker of Bergen gets 404,
// as for an application that does not exist, on every route that names an
// application of Oslo; Oslo's own caseworker gets the pages.
func TestAnotherKommunesApplicationIsNotFound(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn, caseworker.Config{})
		b.user(t, "kari@oslo.kommune.no", true, "0301")
		b.user(t, "per@bergen.kommune.no", true, "4601") // an admin, so 404 is not for lack of a role
		a, fileID := b.flagged(t, "0301")
		ref := *a.Reference
		id := a.ID
		// A paper draft started in Oslo: Bergen cannot submit it, even with its token.
		paperDraft, _ := b.store.CreateDraft(context.Background(), "bostotte", b.form.Version, "0301", nil)
		v := version(a)

		bergen := b.signedIn(t, "per@bergen.kommune.no")
		if p := bergen.do("GET", "/caseworker/", nil); p.status != 200 || strings.Contains(p.body, ref) {
			t.Fatalf("Bergen's queue: %d, lists Oslo's %s: %v", p.status, ref, strings.Contains(p.body, ref))
		}
		for _, rt := range []struct {
			method, path string
			form         url.Values
		}{
			{"GET", "/caseworker/applications/" + id, nil},
			{"GET", "/caseworker/applications/" + id + "/files/" + fileID, nil},
			{"GET", "/caseworker/applications/" + id + "/correct?field=/housing/rent", nil},
			{"GET", "/caseworker/applications/" + id + "/audit", nil},
			{"POST", "/caseworker/applications/" + id + "/correct", url.Values{"version": {v}, "field": {"/housing/rent"}, "value": {"1"}, "reason": {"x"}}},
			{"POST", "/caseworker/applications/" + id + "/approve", url.Values{"version": {v}}},
			{"POST", "/caseworker/applications/" + id + "/return", url.Values{"version": {v}, "message": {"hei"}}},
			{"POST", "/caseworker/applications/" + id + "/reject", url.Values{"version": {v}, "reason": {"x"}}},
			{"POST", "/caseworker/applications/" + id + "/withdraw", url.Values{"version": {v}, "reason": {"x"}}},
			{"GET", "/caseworker/applications/does-not-exist", nil},
			{"GET", "/caseworker/paper?kommune=0301", nil},
			{"POST", "/caseworker/paper/" + paperDraft.ID, nil},
		} {
			var p page
			switch {
			case rt.method == "GET":
				p = bergen.do("GET", rt.path, nil)
			case strings.HasPrefix(rt.path, "/caseworker/paper/"):
				p = bergen.paper(paperDraft, b.body)
			default:
				p = bergen.post(rt.path, rt.form)
			}
			if p.status != http.StatusNotFound || strings.Contains(p.body, ref) || !strings.Contains(p.body, "Fant ikke siden") {
				t.Errorf("Bergen %s %s: %d, want the same 404 as for nothing", rt.method, rt.path, p.status)
			}
		}
		if got, _ := b.store.Application(context.Background(), id); got.Version != a.Version || got.Status != engine.StatusInReview {
			t.Fatalf("Bergen's requests changed Oslo's application: %s v%d", got.Status, got.Version)
		}
		events, _ := b.store.Events(context.Background(), id)
		for _, e := range events {
			if strings.HasPrefix(e.Actor, "caseworker:") {
				t.Fatalf("Bergen's refused requests left an event: %+v", e)
			}
		}

		oslo := b.signedIn(t, "kari@oslo.kommune.no")
		if p := oslo.do("GET", "/caseworker/", nil); p.status != 200 || !strings.Contains(p.body, ref) {
			t.Fatalf("Oslo's queue: %d, lists %s: %v", p.status, ref, strings.Contains(p.body, ref))
		}
		p := oslo.do("GET", "/caseworker/applications/"+id, nil)
		if p.status != 200 || !strings.Contains(p.body, "Leid bolig") || !strings.Contains(p.body, "Kari") || !strings.Contains(p.body, "kontrakt.pdf") {
			t.Fatalf("Oslo's view of the application: %d\n%s", p.status, p.body)
		}
		if p.header.Get("Cache-Control") != "no-store" || !strings.Contains(p.header.Get("Content-Security-Policy"), "form-action 'self'") {
			t.Fatalf("headers %v", p.header)
		}
		file := oslo.do("GET", "/caseworker/applications/"+id+"/files/"+fileID, nil)
		if file.status != 200 || file.body != string(pdf) || !strings.HasPrefix(file.header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("the file: %d %v", file.status, file.header)
		}
		// Previewed on the case page: inline, framed only by the UI, and
		// audited as any other read of it.
		if !strings.Contains(p.body, `<iframe src="/caseworker/applications/`+id+`/files/`+fileID+`?view=inline"`) {
			t.Fatal("the case page has no preview of the PDF")
		}
		inline := oslo.do("GET", "/caseworker/applications/"+id+"/files/"+fileID+"?view=inline", nil)
		if inline.status != 200 || !strings.HasPrefix(inline.header.Get("Content-Disposition"), "inline") || inline.header.Get("X-Frame-Options") != "SAMEORIGIN" ||
			!strings.Contains(inline.header.Get("Content-Security-Policy"), "default-src 'none'") || inline.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("the preview: %d %v", inline.status, inline.header)
		}
		audit := oslo.do("GET", "/caseworker/applications/"+id+"/audit", nil)
		if audit.status != 200 || strings.Count(audit.body, "Lastet ned vedlegg") != 2 || !strings.Contains(audit.body, "kontrakt.pdf") || !strings.Contains(audit.body, "Åpnet") {
			t.Fatalf("the audit trail: %d\n%s", audit.status, audit.body)
		}
	})
}

// TestPostsNeedTheSessionsCSRFToken: a post without the token, or with
// another session's, is refused before anything happens.
func TestPostsNeedTheSessionsCSRFToken(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t), caseworker.Config{})
	b.user(t, "kari@oslo.kommune.no", false, "0301")
	b.user(t, "ola@oslo.kommune.no", false, "0301")
	a, _ := b.flagged(t, "0301")
	kari := b.signedIn(t, "kari@oslo.kommune.no")
	ola := b.signedIn(t, "ola@oslo.kommune.no")
	path := "/caseworker/applications/" + a.ID + "/approve"
	for name, token := range map[string]string{"no token": "", "another session's token": ola.csrf} {
		p := kari.do("POST", path, url.Values{"version": {version(a)}, "csrf": {token}})
		if p.status != http.StatusForbidden {
			t.Fatalf("%s: %d, want 403", name, p.status)
		}
	}
	if p := kari.do("POST", "/caseworker/logout", url.Values{}); p.status != http.StatusForbidden {
		t.Fatalf("logout without a token: %d", p.status)
	}
	if got, _ := b.store.Application(context.Background(), a.ID); got.Status != engine.StatusInReview {
		t.Fatalf("a forged post approved the application: %s", got.Status)
	}
	if p := kari.post(path, url.Values{"version": {version(a)}}); p.status != http.StatusSeeOther {
		t.Fatalf("with the token: %d %s", p.status, p.body)
	}
	if got, _ := b.store.Application(context.Background(), a.ID); got.Status != engine.StatusBatched {
		t.Fatalf("approved application is %s", got.Status)
	}
	// Signing in needs the sign-in form's own token too.
	br := b.browser(t)
	if p := br.do("POST", "/caseworker/login", url.Values{"email": {"kari@oslo.kommune.no"}, "password": {password}}); p.status != http.StatusForbidden {
		t.Fatalf("a login post without the form's token: %d", p.status)
	}
}

// TestLoginIsRateLimited: wrong passwords for one account from one address
// are answered 401, then 429 (even for the right one), while other accounts
// still sign in from there.
func TestLoginIsRateLimited(t *testing.T) {
	t.Parallel()
	var now atomic.Int64
	now.Store(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC).UnixNano())
	b := setup(t, enginetest.SQLite(t), caseworker.Config{Clock: func() time.Time { return time.Unix(0, now.Load()) }})
	b.user(t, "kari@oslo.kommune.no", false, "0301")
	b.user(t, "ola@oslo.kommune.no", false, "0301")
	br := b.browser(t)
	for i := range 5 {
		if p := br.login("kari@oslo.kommune.no", "feil passord nummer "+strconv.Itoa(i)); p.status != http.StatusUnauthorized || !strings.Contains(p.body, "feil") {
			t.Fatalf("wrong password %d: %d", i, p.status)
		}
	}
	p := br.login("kari@oslo.kommune.no", password)
	if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") == "" || !strings.Contains(p.body, "For mange forsøk") {
		t.Fatalf("sixth attempt: %d %v", p.status, p.header)
	}
	if p := b.browser(t).login("ola@oslo.kommune.no", password); p.status != http.StatusSeeOther {
		t.Fatalf("another account from the same address: %d", p.status)
	}
	now.Add(int64(31 * time.Second))
	if p := br.login("kari@oslo.kommune.no", password); p.status != http.StatusSeeOther {
		t.Fatalf("after waiting: %d", p.status)
	}
}

// TestStrangersCannotLockTheOwnerOut: only failed sign-ins count, and per
// account from one address, so wrong passwords from other addresses do not
// keep the owner out from her own, and signing in again and again is never
// limited. The slower limit per account from everywhere is the last guard;
// the limit per address still holds across accounts.
func TestStrangersCannotLockTheOwnerOut(t *testing.T) {
	t.Parallel()
	t.Run("six wrong passwords from six addresses", func(t *testing.T) {
		t.Parallel()
		b := setup(t, enginetest.SQLite(t), caseworker.Config{})
		b.user(t, "kari@oslo.kommune.no", false, "0301")
		for i := range 6 {
			from := "127.0.0." + strconv.Itoa(10+i)
			if p := b.browserFrom(t, from).login("kari@oslo.kommune.no", "feil passord"); p.status != http.StatusUnauthorized {
				t.Fatalf("a wrong password from %s: %d, want 401", from, p.status)
			}
		}
		if p := b.browser(t).login("kari@oslo.kommune.no", password); p.status != http.StatusSeeOther {
			t.Fatalf("the owner's right password from her own address: %d, want 303", p.status)
		}
	})
	t.Run("signing in again and again", func(t *testing.T) {
		t.Parallel()
		b := setup(t, enginetest.SQLite(t), caseworker.Config{})
		b.user(t, "kari@oslo.kommune.no", false, "0301")
		br := b.browser(t)
		for i := range 25 { // more than the address's burst of 20 and the account's of 5
			if p := br.login("kari@oslo.kommune.no", password); p.status != http.StatusSeeOther {
				t.Fatalf("sign-in %d: %d, want 303", i+1, p.status)
			}
		}
	})
	t.Run("the account's limit from everywhere", func(t *testing.T) {
		t.Parallel()
		b := setup(t, enginetest.SQLite(t), caseworker.Config{LoginPerAccountEverywhere: time.Minute, LoginAccountEverywhereBurst: 8})
		b.user(t, "kari@oslo.kommune.no", false, "0301")
		for i := range 8 {
			if p := b.browserFrom(t, "127.0.1."+strconv.Itoa(10+i)).login("kari@oslo.kommune.no", "feil passord"); p.status != http.StatusUnauthorized {
				t.Fatalf("wrong password %d: %d, want 401", i+1, p.status)
			}
		}
		p := b.browser(t).login("kari@oslo.kommune.no", password)
		if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") == "" {
			t.Fatalf("after 8 failures from everywhere: %d, want 429 with Retry-After", p.status)
		}
	})
	t.Run("the address's limit across accounts", func(t *testing.T) {
		t.Parallel()
		b := setup(t, enginetest.SQLite(t), caseworker.Config{})
		br := b.browser(t)
		for i := range 20 {
			if p := br.login("nobody"+strconv.Itoa(i)+"@oslo.kommune.no", "feil passord"); p.status != http.StatusUnauthorized {
				t.Fatalf("unknown account %d: %d, want 401", i+1, p.status)
			}
		}
		if p := br.login("nobody20@oslo.kommune.no", "feil passord"); p.status != http.StatusTooManyRequests {
			t.Fatalf("the address's 21st failure: %d, want 429", p.status)
		}
	})
}

// TestSignInGoesOnOnlyInsideTheUI: the page a sign-in goes on to is a
// cleaned path under /caseworker/; a next that leaves it goes to the queue.
func TestSignInGoesOnOnlyInsideTheUI(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t), caseworker.Config{})
	b.user(t, "kari@oslo.kommune.no", false, "0301")
	for next, want := range map[string]string{
		"/caseworker/../api/v1/agency/batches": "/caseworker/",
		"/caseworker/\x0b":                     "/caseworker/",
		"/caseworker/users?x=1":                "/caseworker/users?x=1",
	} {
		br := b.browser(t)
		br.do("GET", "/caseworker/login", nil)
		p := br.post("/caseworker/login", url.Values{"email": {"kari@oslo.kommune.no"}, "password": {password}, "next": {next}})
		if strings.ContainsAny(next, "\x0b") && p.status == http.StatusBadRequest {
			continue // a control character in a form field is refused before sign-in
		}
		if p.status != http.StatusSeeOther || p.header.Get("Location") != want {
			t.Errorf("sign-in with next %q: %d to %q, want 303 to %q", next, p.status, p.header.Get("Location"), want)
		}
	}
}

// TestConcurrentActionsConflict: two caseworkers open the same application;
// the first to act wins, the second is told and nothing of hers is applied.
func TestConcurrentActionsConflict(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn, caseworker.Config{})
		b.user(t, "kari@oslo.kommune.no", false, "0301")
		b.user(t, "ola@oslo.kommune.no", false, "0301")
		a, _ := b.flagged(t, "0301")
		kari, ola := b.signedIn(t, "kari@oslo.kommune.no"), b.signedIn(t, "ola@oslo.kommune.no")
		seen := version(a)
		if p := kari.post("/caseworker/applications/"+a.ID+"/correct", url.Values{"version": {seen}, "field": {"/housing/rent"},
			"value": {"15 200"}, "reason": {"Kontrakten sier 15 200"}}); p.status != http.StatusSeeOther {
			t.Fatalf("Kari's correction: %d %s", p.status, p.body)
		}
		// Reading the answer she corrects is a view, audited before the
		// correction itself.
		events, _ := b.store.Events(context.Background(), a.ID)
		if n := len(events); n < 2 || events[n-2].Action != casework.ActionView || events[n-2].Detail != "correct /housing/rent" || events[n-1].Action != casework.ActionCorrect {
			t.Fatalf("the correction's audit trail ends %+v, want a view and then the correction", events[max(0, len(events)-2):])
		}
		p := ola.post("/caseworker/applications/"+a.ID+"/return", url.Values{"version": {seen}, "message": {"Send kontrakten"}})
		// She is told who changed it, and how (review finding 26).
		if p.status != http.StatusConflict || !strings.Contains(p.body, "Søknaden ble endret etter at du åpnet den (svar rettet: Husleie fra «14\u00a0500\u00a0kr» til «15\u00a0200\u00a0kr», av kari@oslo.kommune.no") {
			t.Fatalf("Ola's return from a stale read: %d\n%s", p.status, p.body)
		}
		// Kari herself, from a second tab, is told it was she.
		if p := kari.post("/caseworker/applications/"+a.ID+"/return", url.Values{"version": {seen}, "message": {"Send kontrakten"}}); !strings.Contains(p.body, "av deg, i en annen fane") {
			t.Fatalf("Kari's return from her stale tab: %d\n%s", p.status, p.body)
		}
		got, _ := b.store.Application(context.Background(), a.ID)
		if got.Status != engine.StatusInReview || got.Message != "" {
			t.Fatalf("after the conflict: %s %q", got.Status, got.Message)
		}
		view := kari.do("GET", "/caseworker/applications/"+a.ID+"?done=corrected", nil)
		if !strings.Contains(html.UnescapeString(view.body), "Svar rettet: Husleie fra «14\u00a0500\u00a0kr» til «15\u00a0200\u00a0kr»") || !strings.Contains(view.body, "15\u00a0200") {
			t.Fatalf("the corrected view:\n%s", view.body)
		}
		// An invalid correction is refused with the form's own message.
		p = kari.post("/caseworker/applications/"+a.ID+"/correct", url.Values{"version": {version(got)}, "field": {"/applicant/fodselsnummer"},
			"value": {"12345678901"}, "reason": {"Skrivefeil"}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "Fødselsnummer") {
			t.Fatalf("an invalid correction: %d\n%s", p.status, p.body)
		}
	})
}

// TestReturnAndPaper: a return reaches the citizen's status with its
// fields; a paper application is registered with the caseworker as its
// registrar.
func TestReturnAndPaper(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t), caseworker.Config{Registers: nid.NewRegisters([]nid.Kommune{{Number: "0301", Name: "Oslo"}}, nil)})
	u := b.user(t, "kari@oslo.kommune.no", false, "0301")
	a, _ := b.flagged(t, "0301")
	kari := b.signedIn(t, "kari@oslo.kommune.no")
	if p := kari.do("GET", "/caseworker/", nil); !strings.Contains(p.body, "<td>0301 Oslo</td>") {
		t.Fatalf("the queue names no kommune:\n%s", p.body)
	}
	if p := kari.do("GET", "/caseworker/applications/"+a.ID, nil); !strings.Contains(p.body, `value="/attachments/lease"`) {
		t.Fatal("the return form offers no attachment to ask for")
	}
	p := kari.post("/caseworker/applications/"+a.ID+"/return", url.Values{"version": {version(a)}, "message": {"Husleien stemmer ikke med kontrakten."},
		"field": {"/housing/rent", "/attachments/lease"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("return: %d %s", p.status, p.body)
	}
	got, _ := b.store.Application(context.Background(), a.ID)
	if got.Status != engine.StatusAwaitingCitizen || strings.Join(got.Fields(), " ") != "/housing/rent /attachments/lease" {
		t.Fatalf("returned: %s %v", got.Status, got.Fields())
	}
	p = kari.do("GET", "/caseworker/applications/"+a.ID, nil)
	if !strings.Contains(p.body, "Felt som skal rettes: Husleie, Vedlegg: Husleiekontrakt") {
		t.Fatalf("the returned application does not say what was asked for:\n%s", p.body)
	}
	// The citizen is told, by a notice that waits for its job here.
	if !regexp.MustCompile(`<td>Kommunen trenger mer fra søkeren</td><td>Venter på å bli sendt</td>`).MatchString(p.body) {
		t.Fatalf("the case does not show the notice of the return:\n%s", p.body)
	}
	// The month it is for, and the last day of its § 9 correction window.
	month, _ := calendar.ParseMonth(got.ApplicationMonth)
	end := got.CompleteBy.In(calendar.Oslo).Add(-time.Nanosecond)
	if !regexp.MustCompile(`id="application-month">[a-z]+ `+strconv.Itoa(month.Year)+`<`).MatchString(p.body) ||
		!regexp.MustCompile(`id="complete-by">`+strconv.Itoa(end.Day())+`\. [a-z]+ `+strconv.Itoa(end.Year())).MatchString(p.body) {
		t.Fatalf("the returned application does not show its month (%s) and the day it must be complete by (%v):\n%s", got.ApplicationMonth, end, p.body)
	}

	// With more forms than one, she chooses the form first.
	if p := kari.do("GET", "/caseworker/paper", nil); p.status != 200 || !strings.Contains(p.body, `<option value="bostotte">Søknad om bostøtte</option>`) {
		t.Fatalf("the paper page's choice of form: %d\n%s", p.status, p.body)
	}
	if p := kari.do("GET", "/caseworker/paper?form=bostotte", nil); p.status != 200 || !strings.Contains(p.body, "<skjema-form") || !strings.Contains(p.header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Fatalf("the paper page: %d", p.status)
	}
	// submit-url puts the widget in paper mode, which never resumes a
	// draft from a link or storage (web/widget/skjema.js, TestPaperModeNeverResumes).
	if p := kari.do("GET", "/caseworker/paper?form=bostotte&kommune=0301", nil); !regexp.MustCompile(`<skjema-form [^>]*submit-url="/caseworker/paper/"`).MatchString(p.body) {
		t.Fatalf("the paper page's widget is not in paper mode:\n%s", p.body)
	}
	d, _ := b.store.CreateDraft(context.Background(), "bostotte", b.form.Version, "0301", nil)
	if p := kari.paper(d, b.body); p.status != http.StatusCreated || !strings.Contains(p.body, `"reference":"BOS-`) {
		t.Fatalf("paper submit: %d %s", p.status, p.body)
	}
	paper, _ := b.store.Application(context.Background(), d.ID)
	events, _ := b.store.Events(context.Background(), d.ID)
	if paper.Channel != "paper" || paper.Status != engine.StatusSubmitted || events[len(events)-1].Actor != u.Actor() || events[len(events)-1].Action != "paper" {
		t.Fatalf("the paper application: %s %s %+v", paper.Channel, paper.Status, events)
	}
}

// TestAdminsManageAccounts: only an admin sees the accounts; a new account
// gets a one-time password that signs in; a disabled one cannot.
func TestAdminsManageAccounts(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t), caseworker.Config{LoginPerAccount: 30 * time.Second, LoginAccountBurst: 10})
	adminUser := b.user(t, "admin@oslo.kommune.no", true, "0301", "3201") // two kommuner: an admin makes accounts only for hers
	b.user(t, "kari@oslo.kommune.no", false, "0301")
	if p := b.signedIn(t, "kari@oslo.kommune.no").do("GET", "/caseworker/users", nil); p.status != http.StatusNotFound {
		t.Fatalf("a caseworker opens the accounts: %d", p.status)
	}
	admin := b.signedIn(t, "admin@oslo.kommune.no")
	p := admin.post("/caseworker/users", url.Values{"name": {"Nils Ny"}, "email": {"nils@oslo.kommune.no"}, "kommuner": {"0301, 3201"}})
	m := regexp.MustCompile(`class="cw-secret">([^<]+)<`).FindStringSubmatch(p.body)
	if p.status != http.StatusCreated || m == nil {
		t.Fatalf("create: %d\n%s", p.status, p.body)
	}
	nils := b.browser(t)
	if p := nils.login("nils@oslo.kommune.no", m[1]); p.status != http.StatusSeeOther {
		t.Fatalf("the new account signs in: %d", p.status)
	}
	// He changes the start password; the old one stops working, his session does not.
	const mine = "mitt eget lange passord"
	nils.do("GET", "/caseworker/password", nil)
	for _, tt := range []struct {
		current, next string
		status        int
	}{
		{"feil", mine, http.StatusUnauthorized},
		{m[1], "for kort", http.StatusUnprocessableEntity},
		{m[1], mine, http.StatusOK},
	} {
		if p := nils.post("/caseworker/password", url.Values{"current": {tt.current}, "next": {tt.next}}); p.status != tt.status {
			t.Fatalf("change password (%q → %q): %d, want %d", tt.current, tt.next, p.status, tt.status)
		}
	}
	if p := b.browser(t).login("nils@oslo.kommune.no", m[1]); p.status != http.StatusUnauthorized {
		t.Fatalf("the start password still works: %d", p.status)
	}
	if p := nils.do("GET", "/caseworker/", nil); p.status != http.StatusOK {
		t.Fatalf("his own session ended with the change: %d", p.status)
	}
	accounts, _ := b.store.Accounts.Accounts(context.Background(), adminUser)
	var id string
	for _, a := range accounts {
		if a.Email == "nils@oslo.kommune.no" {
			id = a.ID
		}
	}
	if p := admin.post("/caseworker/users/"+id+"/disabled", url.Values{"disabled": {"true"}}); p.status != http.StatusSeeOther {
		t.Fatalf("disable: %d", p.status)
	}
	if p := nils.do("GET", "/caseworker/", nil); p.status != http.StatusSeeOther {
		t.Fatalf("a disabled account's session still works: %d", p.status)
	}
	if p := b.browser(t).login("nils@oslo.kommune.no", mine); p.status != http.StatusUnauthorized {
		t.Fatalf("a disabled account signs in: %d", p.status)
	}
}

// TestStartPasswordIsChangedFirst: with a start password an admin handed
// out, at a new account or a reset, every page sends the user to change it,
// and no action is done, until she has.
func TestStartPasswordIsChangedFirst(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn, caseworker.Config{})
		b.user(t, "admin@oslo.kommune.no", true, "0301")
		a, _ := b.flagged(t, "0301")
		admin := b.signedIn(t, "admin@oslo.kommune.no")
		startPassword := regexp.MustCompile(`class="cw-secret">([^<]+)<`)
		p := admin.post("/caseworker/users", url.Values{"name": {"Nils Ny"}, "email": {"nils@oslo.kommune.no"}, "kommuner": {"0301"}})
		m := startPassword.FindStringSubmatch(p.body)
		if p.status != http.StatusCreated || m == nil {
			t.Fatalf("create: %d", p.status)
		}
		nils := b.browser(t)
		if p := nils.login("nils@oslo.kommune.no", m[1]); p.status != http.StatusSeeOther {
			t.Fatalf("sign-in with the start password: %d", p.status)
		}
		mustChange := func(when string) {
			t.Helper()
			for _, path := range []string{"/caseworker/", "/caseworker/applications/" + a.ID, "/caseworker/paper"} {
				if p := nils.do("GET", path, nil); p.status != http.StatusSeeOther || p.header.Get("Location") != "/caseworker/password" {
					t.Errorf("%s: GET %s: %d to %q, want 303 to /caseworker/password", when, path, p.status, p.header.Get("Location"))
				}
			}
			p := nils.do("GET", "/caseworker/password", nil)
			if p.status != http.StatusOK || !strings.Contains(p.body, "Du må bytte startpassordet") {
				t.Fatalf("%s: the password page: %d", when, p.status)
			}
			if p := nils.post("/caseworker/applications/"+a.ID+"/approve", url.Values{"version": {version(a)}}); p.status != http.StatusSeeOther || p.header.Get("Location") != "/caseworker/password" {
				t.Errorf("%s: approve: %d to %q, want 303 to /caseworker/password", when, p.status, p.header.Get("Location"))
			}
			if got, _ := b.store.Application(context.Background(), a.ID); got.Status != engine.StatusInReview {
				t.Fatalf("%s: an action was done with a start password: %s", when, got.Status)
			}
		}
		mustChange("a new account")
		const mine = "mitt eget lange passord"
		if p := nils.post("/caseworker/password", url.Values{"current": {m[1]}, "next": {mine}}); p.status != http.StatusOK {
			t.Fatalf("change the start password: %d", p.status)
		}
		if p := nils.do("GET", "/caseworker/", nil); p.status != http.StatusOK {
			t.Fatalf("the queue after the change: %d", p.status)
		}

		// An admin's reset gives a new start password, shown once, and ends his sessions.
		accounts, _ := b.store.Accounts.Accounts(context.Background(), engine.User{Admin: true, Kommuner: []string{"0301"}})
		var id string
		for _, acc := range accounts {
			if acc.Email == "nils@oslo.kommune.no" {
				id = acc.ID
			}
		}
		p = admin.post("/caseworker/users/"+id+"/password", nil)
		m = startPassword.FindStringSubmatch(p.body)
		if p.status != http.StatusOK || m == nil {
			t.Fatalf("reset: %d", p.status)
		}
		if p := nils.do("GET", "/caseworker/", nil); p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/caseworker/login") {
			t.Fatalf("his session after the reset: %d to %q", p.status, p.header.Get("Location"))
		}
		if p := b.browser(t).login("nils@oslo.kommune.no", mine); p.status != http.StatusUnauthorized {
			t.Fatalf("his own password after the reset: %d", p.status)
		}
		nils = b.browser(t)
		if p := nils.login("nils@oslo.kommune.no", m[1]); p.status != http.StatusSeeOther {
			t.Fatalf("sign-in with the reset password: %d", p.status)
		}
		mustChange("after a reset")
	})
}

// TestRefusalsAreExplained: a post missing what it needs, or with an entry
// that is no amount, is shown again with the reason, in Norwegian.
func TestRefusalsAreExplained(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t), caseworker.Config{})
	b.user(t, "kari@oslo.kommune.no", false, "0301")
	a, _ := b.flagged(t, "0301")
	kari := b.signedIn(t, "kari@oslo.kommune.no")
	base := "/caseworker/applications/" + a.ID
	for _, tt := range []struct {
		path   string
		form   url.Values
		status int
		want   string
	}{
		{"/reject", url.Values{"reason": {"  "}}, http.StatusBadRequest, "Skriv hvorfor søknaden avvises."},
		{"/withdraw", url.Values{}, http.StatusBadRequest, "Skriv hvorfor søknaden er trukket."},
		{"/return", url.Values{"message": {""}}, http.StatusBadRequest, "Skriv meldingen søkeren skal få."},
		{"/correct", url.Values{"field": {"/housing/rent"}, "value": {"mye"}, "reason": {"x"}}, http.StatusUnprocessableEntity, "skriv et helt antall kroner"},
		{"/correct", url.Values{"field": {"/housing/rent"}, "value": {"15000"}}, http.StatusUnprocessableEntity, "Skriv hvorfor svaret rettes."},
		{"/correct", url.Values{"field": {"/household"}, "value": {"x"}, "reason": {"x"}}, http.StatusNotFound, "Fant ikke siden"},
	} {
		tt.form.Set("version", version(a))
		p := kari.post(base+tt.path, tt.form)
		if p.status != tt.status || !strings.Contains(html.UnescapeString(p.body), tt.want) {
			t.Errorf("%s %v: %d, want %d with %q", tt.path, tt.form, p.status, tt.status, tt.want)
		}
	}
	if got, _ := b.store.Application(context.Background(), a.ID); got.Version != a.Version {
		t.Fatalf("a refused post changed the application (version %d → %d)", a.Version, got.Version)
	}
}

// TestUnstorableFormFields: a form post whose fields hold text PostgreSQL
// cannot store (NUL, invalid UTF-8) is a 400 page on both databases, before
// anything is looked up or changed (security review V2).
func TestUnstorableFormFields(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn, caseworker.Config{})
		b.user(t, "kari@oslo.kommune.no", true, "0301")
		a, _ := b.flagged(t, "0301")
		d, _ := b.store.CreateDraft(context.Background(), "bostotte", b.form.Version, "0301", nil)
		anon := b.browser(t)
		anon.do("GET", "/caseworker/login", nil)
		if p := anon.post("/caseworker/login", url.Values{"email": {"a\x00b"}, "password": {"x"}}); p.status != http.StatusBadRequest {
			t.Errorf("sign-in with NUL in the e-mail address: %d", p.status)
		}
		kari := b.signedIn(t, "kari@oslo.kommune.no")
		for name, form := range map[string]url.Values{
			"return message": {"version": {version(a)}, "message": {"Hei\x00"}},
			"return field":   {"version": {version(a)}, "message": {"Hei"}, "field": {"/housing/\xff"}},
			"reject reason":  {"version": {version(a)}, "reason": {"\x1b[2J"}},
		} {
			path := "/caseworker/applications/" + a.ID + "/return"
			if strings.HasPrefix(name, "reject") {
				path = "/caseworker/applications/" + a.ID + "/reject"
			}
			if p := kari.post(path, form); p.status != http.StatusBadRequest || !strings.Contains(p.body, "kan ikke lagres") {
				t.Errorf("%s: %d", name, p.status)
			}
		}
		if p := kari.post("/caseworker/users", url.Values{"email": {"ny@oslo.kommune.no"}, "name": {"Ny\x00"}, "kommuner": {"0301"}}); p.status != http.StatusBadRequest {
			t.Errorf("a new account's name with NUL: %d", p.status)
		}
		if got, _ := b.store.Application(context.Background(), a.ID); got.Status != engine.StatusInReview || got.Version != a.Version {
			t.Fatalf("the application changed: %s v%d", got.Status, got.Version)
		}
		if p := kari.paper(d, bytes.Replace(b.body, []byte(`"Kari"`), []byte(`"Kari\u0000"`), 1)); p.status != http.StatusBadRequest {
			t.Errorf("a paper document with NUL: %d %s", p.status, p.body)
		}
		for _, path := range []string{"/caseworker/applications/%ff", "/caseworker/applications/" + a.ID + "/correct?field=%ff", "/caseworker/applications/" + a.ID + "/files/%ff"} {
			if p := kari.do("GET", path, nil); p.status != http.StatusBadRequest && p.status != http.StatusNotFound {
				t.Errorf("GET %s: %d", path, p.status)
			}
		}
	})
}

// TestAdminsAreScopedToTheirKommuner: Bergen's admin neither lists, makes,
// disables nor gives a new password to an account of Oslo, so no account
// she makes reaches an Oslo application; Oslo's admin still manages Oslo's
// accounts.
func TestAdminsAreScopedToTheirKommuner(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		b := setup(t, dsn, caseworker.Config{})
		b.user(t, "admin@oslo.kommune.no", true, "0301")
		b.user(t, "admin@bergen.kommune.no", true, "4601")
		kari := b.user(t, "kari@oslo.kommune.no", false, "0301")
		a, _ := b.flagged(t, "0301")

		bergen := b.signedIn(t, "admin@bergen.kommune.no")
		p := bergen.do("GET", "/caseworker/users", nil)
		if p.status != http.StatusOK || strings.Contains(p.body, "oslo.kommune.no") || !strings.Contains(p.body, "admin@bergen.kommune.no") {
			t.Fatalf("Bergen's admin lists the accounts: %d, Oslo's among them: %v", p.status, strings.Contains(p.body, "oslo.kommune.no"))
		}
		for _, form := range []url.Values{
			{"name": {"Spion"}, "email": {"spion@bergen.kommune.no"}, "kommuner": {"0301"}},
			{"name": {"Spion"}, "email": {"spion@bergen.kommune.no"}, "kommuner": {"4601 0301"}},
			{"name": {"Spion"}, "email": {"spion@bergen.kommune.no"}, "kommuner": {"0301"}, "admin": {"on"}},
			{"name": {"Spion"}, "email": {"spion@bergen.kommune.no"}, "kommuner": {""}, "admin": {"on"}}, // an admin of no kommune
		} {
			p := bergen.post("/caseworker/users", form)
			if p.status != http.StatusForbidden || !strings.Contains(html.UnescapeString(p.body), "Du kan bare opprette brukere for dine egne kommuner (4601).") {
				t.Errorf("Bergen's admin creates %v: %d, want 403 with the reason", form, p.status)
			}
		}
		if _, err := b.store.Accounts.UserByIdentity(ctx, engine.ProviderLocal, "spion@bergen.kommune.no"); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("a refused account exists: %v", err)
		}
		for _, id := range []string{kari.ID, "no-such-account"} {
			p := bergen.post("/caseworker/users/"+id+"/disabled", url.Values{"disabled": {"true"}})
			if p.status != http.StatusNotFound || !strings.Contains(p.body, "Fant ikke siden") {
				t.Errorf("Bergen's admin disables %s: %d, want the same 404 as for nothing", id, p.status)
			}
		}
		for _, id := range []string{kari.ID, "no-such-account"} {
			p := bergen.post("/caseworker/users/"+id+"/password", nil)
			if p.status != http.StatusNotFound || !strings.Contains(p.body, "Fant ikke siden") || strings.Contains(p.body, "cw-secret") {
				t.Errorf("Bergen's admin gives %s a new start password: %d, want the same 404 as for nothing", id, p.status)
			}
		}
		if p := b.browser(t).login("kari@oslo.kommune.no", password); p.status != http.StatusSeeOther {
			t.Fatalf("Oslo's caseworker after Bergen's attempts to disable her and reset her password: %d", p.status)
		}
		// What she may make: an account of her own kommune, which sees none of Oslo's.
		p = bergen.post("/caseworker/users", url.Values{"name": {"Berit"}, "email": {"berit@bergen.kommune.no"}, "kommuner": {"4601"}})
		m := regexp.MustCompile(`class="cw-secret">([^<]+)<`).FindStringSubmatch(p.body)
		if p.status != http.StatusCreated || m == nil {
			t.Fatalf("Bergen's admin creates a Bergen account: %d\n%s", p.status, p.body)
		}
		berit := b.browser(t)
		if p := berit.login("berit@bergen.kommune.no", m[1]); p.status != http.StatusSeeOther {
			t.Fatalf("Bergen's new account signs in: %d", p.status)
		}
		berit.do("GET", "/caseworker/password", nil)
		if p := berit.post("/caseworker/password", url.Values{"current": {m[1]}, "next": {"hennes eget lange passord"}}); p.status != http.StatusOK {
			t.Fatalf("Bergen's new account changes her start password: %d", p.status)
		}
		if p := berit.do("GET", "/caseworker/applications/"+a.ID, nil); p.status != http.StatusNotFound {
			t.Fatalf("Bergen's new account opens Oslo's application: %d", p.status)
		}

		oslo := b.signedIn(t, "admin@oslo.kommune.no")
		p = oslo.do("GET", "/caseworker/users", nil)
		if p.status != http.StatusOK || !strings.Contains(p.body, "kari@oslo.kommune.no") || strings.Contains(p.body, "bergen.kommune.no") {
			t.Fatalf("Oslo's admin lists the accounts: %d\n%s", p.status, p.body)
		}
		if p := oslo.post("/caseworker/users/"+kari.ID+"/disabled", url.Values{"disabled": {"true"}}); p.status != http.StatusSeeOther {
			t.Fatalf("Oslo's admin disables Oslo's caseworker: %d", p.status)
		}
		if p := b.browser(t).login("kari@oslo.kommune.no", password); p.status != http.StatusUnauthorized {
			t.Fatalf("a disabled account signs in: %d", p.status)
		}
		if p := oslo.post("/caseworker/users/"+kari.ID+"/disabled", url.Values{"disabled": {"false"}}); p.status != http.StatusSeeOther {
			t.Fatalf("Oslo's admin enables her again: %d", p.status)
		}
	})
}

// TestNewAccountsKommunerAreInTheRegister: with the kommune register
// loaded, an admin's new account for a kommunenummer that is not in it is
// refused, saying so (operator review: kommune 9999 was taken).
func TestNewAccountsKommunerAreInTheRegister(t *testing.T) {
	t.Parallel()
	reg := nid.NewRegisters([]nid.Kommune{{Number: "0301", Name: "Oslo"}}, nil)
	b := setup(t, enginetest.SQLite(t), caseworker.Config{Registers: reg}, queuetest.Engine(enginetest.Registers(reg)))
	b.user(t, "admin@oslo.kommune.no", true, "0301")
	admin := b.signedIn(t, "admin@oslo.kommune.no")
	for kommuner, want := range map[string]string{
		"0301 9999": "Kommunenummeret 9999 finnes ikke i kommuneregisteret.",
		"Oslo":      "«Oslo» er ikke et kommunenummer. Skriv fire sifre.",
	} {
		p := admin.post("/caseworker/users", url.Values{"name": {"Ny"}, "email": {"ny@oslo.kommune.no"}, "kommuner": {kommuner}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(p.body), want) {
			t.Errorf("kommuner %q: %d, want 422 with %q", kommuner, p.status, want)
		}
	}
	if p := admin.post("/caseworker/users", url.Values{"name": {"Ny"}, "email": {"ny@oslo.kommune.no"}, "kommuner": {"0301"}}); p.status != http.StatusCreated {
		t.Fatalf("a kommune in the register: %d", p.status)
	}
}

// TestNewRefusesACalendarTheQueueWouldRefuse: the UI shows the deadline the
// queue seals by, so it takes only a calendar that gives right deadlines
// (B10: a 30th would become the 2nd of March).
func TestNewRefusesACalendarTheQueueWouldRefuse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, err := engine.Open(ctx, engine.Config{Database: enginetest.SQLite(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	reg, err := forms.Load(forms.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []calendar.Calendar{{DeadlineDay: 30}, {Closed: []string{"25.12.2026"}}} {
		if _, err := caseworker.New(caseworker.Config{Store: store, Forms: reg, Calendar: c}); err == nil || !strings.Contains(err.Error(), "calendar") {
			t.Errorf("calendar %+v: %v, want it refused", c, err)
		}
	}
	if _, err := caseworker.New(caseworker.Config{Store: store, Forms: reg, Calendar: calendar.Calendar{DeadlineDay: 20}}); err != nil {
		t.Errorf("a 20th: %v", err)
	}
}

// TestDuplicateLinksToTheFirst: the page of a second application from the
// same applicant for the same month links to the first (issue #13 item 8;
// that it is routed as "duplicate" is engine/TestDuplicateGoesToTheCaseworker's).
func TestDuplicateLinksToTheFirst(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t), caseworker.Config{})
	b.user(t, "kari@oslo.kommune.no", false, "0301")
	first, _ := b.flagged(t, "0301")
	second, _ := b.flagged(t, "0301")
	if second.DuplicateOf == nil || *second.DuplicateOf != first.ID {
		t.Fatalf("the second application is not linked to the first: %v", second.DuplicateOf)
	}
	kari := b.signedIn(t, "kari@oslo.kommune.no")
	p := kari.do("GET", "/caseworker/applications/"+second.ID, nil)
	if !strings.Contains(p.body, `id="duplicate-of" href="/caseworker/applications/`+first.ID+`"`) {
		t.Fatalf("the duplicate does not link to the first:\n%s", p.body)
	}
	if p := kari.do("GET", "/caseworker/applications/"+first.ID, nil); strings.Contains(p.body, `id="duplicate-of"`) {
		t.Fatal("the first application is marked as a duplicate")
	}
}

// TestCeilingIsInformation: costs above Husbanken's ceiling are shown to
// the caseworker as information ([V-tak]: five in Oslo 10 832 + 2 075 kr a
// month), and are no reason for review.
func TestCeilingIsInformation(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t), caseworker.Config{})
	b.user(t, "kari@oslo.kommune.no", false, "0301")
	a, _ := b.flagged(t, "0301") // the example: five persons, 14 500 kr rent
	kari := b.signedIn(t, "kari@oslo.kommune.no")
	p := kari.do("GET", "/caseworker/applications/"+a.ID, nil)
	if !strings.Contains(p.body, `id="ceiling"`) || !strings.Contains(p.body, "14\u00a0500\u00a0kr i måneden") || !strings.Contains(p.body, "5 personer i Oslo er 12\u00a0907\u00a0kr") {
		t.Fatalf("the ceiling is not shown as information:\n%s", p.body)
	}
	var doc map[string]any
	json.Unmarshal([]byte(a.Data), &doc)
	if reasons := b.form.ReviewReasons(doc, time.Now()); len(reasons) != 0 {
		t.Fatalf("costs above the ceiling made reasons for review: %v", reasons)
	}
}

// TestCaseShowsWhatCameFromFolkeregisteret: the caseworker sees that the
// applicant signed in, which answers Folkeregisteret gave, and which she
// changed, with what the register said.
func TestCaseShowsWhatCameFromFolkeregisteret(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t), caseworker.Config{})
	b.user(t, "kari@oslo.kommune.no", false, "0301")
	ctx := context.Background()
	code, err := b.store.Citizens.Begin(ctx, citizens.SignIn{PID: "12038512356", Level: string(forms.Substantial), Binding: citizens.Binding("tab")})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := b.store.Citizens.Exchange(ctx, code, "tab")
	if err != nil {
		t.Fatal(err)
	}
	c, _ := b.store.Citizens.Citizen(ctx, sess.Token)
	d, err := b.store.CreateCitizenDraft(ctx, sess.Token, b.form.Layout.SignIn, "bostotte", b.form.Version, "0301", nil)
	if err != nil {
		t.Fatal(err)
	}
	reg := prefill.Household{Applicant: prefill.Person{PID: "12038512356", GivenName: "Kari", FamilyName: "Nordmann"}, Street: "Storgata 1", Postnummer: "0150"}
	if _, err := b.store.Citizens.Prefill(ctx, c, d.ID, b.form.Layout.Prefill, reg, "2026-12-01"); err != nil {
		t.Fatal(err)
	}
	// She corrects the street the register had wrong.
	body := bytes.Replace(b.body, []byte(`"street": "Storgata 1"`), []byte(`"street": "Storgata 1 B"`), 1)
	if _, err := b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: body, IdempotencyKey: d.ID, Token: sess.Token}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: d.ID, Agency: "husbanken", Reasons: []string{"registeredElsewhere"}}); err != nil {
		t.Fatal(err)
	}
	p := b.signedIn(t, "kari@oslo.kommune.no").do("GET", "/caseworker/applications/"+d.ID, nil)
	for _, want := range []string{
		`<dd id="identified">Logget inn med ID-porten (nivå betydelig)</dd>`,
		`Navn, adresse og husstand er hentet slik de var registrert 1. desember 2026`,
		`Kari <span class="cw-muted cw-fact">(Fra Folkeregisteret)</span>`,
		`Storgata 1 B <span class="cw-muted cw-fact">(Endret av søkeren. Folkeregisteret: Storgata 1)</span>`,
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the case page lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("%s", p.body)
	}
}
