package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/engine/citizens"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/examples/agency-receiver/receiver"
	"github.com/skjema/skjema/forms/nid"
	"github.com/skjema/skjema/identity"
	"github.com/skjema/skjema/identity/freg"
	"github.com/skjema/skjema/identity/fregtest"
	"github.com/skjema/skjema/identity/idportentest"
	"github.com/skjema/skjema/notify"
	"github.com/skjema/skjema/notify/smtptest"
	"github.com/skjema/skjema/queue"
	"github.com/skjema/skjema/queue/queuetest"
	"github.com/skjema/skjema/web"
)

const kommunePage = "https://www.oslo.kommune.no/bostotte/"

// tabSecret is the widget's tab's secret, whose S256 binds the sign-in's
// code to it.
const tabSecret = "the-widget-tabs-own-secret-0123456789"

// signInBundle is a server with a local ID-porten.
type signInBundle struct {
	*testBundle
	op   *idportentest.Provider
	freg *fregtest.Server
}

func setupSignIn(t *testing.T, dsn string, anonymous engine.Anonymous, opts ...queuetest.Option) *signInBundle {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	public := "http://" + srv.Listener.Addr().String()
	op := idportentest.Serve(t, idportentest.Client{ID: "skjema", Secret: "s3cret",
		RedirectURIs:           []string{public + "/auth/idporten/callback"},
		PostLogoutRedirectURIs: []string{public + "/auth/idporten/signed-out"}})
	rp, err := identity.NewIDPorten(context.Background(), identity.Config{Issuer: op.Issuer(), ClientID: "skjema", ClientSecret: "s3cret",
		RedirectURL: public + "/auth/idporten/callback", Person: nid.PersonOptions{AllowSynthetic: true}})
	if err != nil {
		t.Fatal(err)
	}
	fregSrv, key := fregtest.Serve(t, "skjema")
	tokens, err := identity.Maskinporten(context.Background(), identity.MaskinportenConfig{Issuer: fregSrv.Issuer(), ClientID: "skjema",
		KeyID: "k1", PrivateKey: key, Scopes: []string{freg.Scope}})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	qb := queuetest.Open(t, dsn, append([]queuetest.Option{queuetest.Logger(log), queuetest.Started(),
		queuetest.Engine(enginetest.Anonymous(anonymous), enginetest.AllowSynthetic())}, opts...)...)
	s := newServer(t, web.Config{Store: qb.Store, Forms: qb.Forms, Logger: log, IDPorten: rp, PublicURL: public,
		Origins: []string{"https://www.oslo.kommune.no"}, Folkeregisteret: freg.New(fregSrv.Issuer(), tokens, 2*time.Second)})
	srv.Config.Handler = s.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	body, err := os.ReadFile("../examples/bostotte/application.json")
	if err != nil {
		t.Fatal(err)
	}
	return &signInBundle{testBundle: &testBundle{url: public, store: qb.Store, forms: qb.Forms, body: body}, op: op, freg: fregSrv}
}

// browser is a browser's cookies, following no redirect by itself.
func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// signInPage runs the sign-in as the browser does, from the widget's link to
// the kommune's page again, and answers where it came back to.
func (b *signInBundle) signInPage(t *testing.T, c *http.Client, pid, form, acr string) *url.URL {
	t.Helper()
	start := b.url + "/auth/idporten/login?form=" + form + "&lang=nn&binding=" + citizens.Binding(tabSecret) + "&return=" + url.QueryEscape(kommunePage+"?side=1")
	res, err := c.Get(start)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), b.op.Issuer()+"/authorize?") {
		t.Fatalf("login: %d to %s", res.StatusCode, res.Header.Get("Location"))
	}
	callback, err := idportentest.SignIn(c, res.Header.Get("Location"), pid, acr)
	if err != nil {
		t.Fatal(err)
	}
	res, err = c.Get(callback.String())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("callback: %d", res.StatusCode)
	}
	back, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return back
}

// signIn signs the person in and trades the code for the widget's token.
func (b *signInBundle) signIn(t *testing.T, pid string) string {
	t.Helper()
	return b.signInAt(t, pid, "bostotte", idportentest.Substantial)
}

// signInAt signs the person in from a form's widget at a level (acr).
func (b *signInBundle) signInAt(t *testing.T, pid, form, acr string) string {
	t.Helper()
	back := b.signInPage(t, browser(t), pid, form, acr)
	code, ok := strings.CutPrefix(back.Fragment, "skjema-signin=")
	if !ok || !strings.HasPrefix(back.String(), kommunePage+"?side=1#") {
		t.Fatalf("came back to %s, not the kommune's page with a code", back)
	}
	// A code without the tab's secret is refused before it reaches the
	// store; that a code is bound to its tab's secret, and spent once
	// exchanged, is engine/citizens_test.go's TestCitizenSessionLifetimes.
	if wrong := b.do(t, "POST", "/api/v1/citizen/session", jsonCT, []byte(`{"code":"`+code+`"}`)); wrong.status != http.StatusBadRequest {
		t.Fatalf("exchange without the tab's secret: %d, want 400", wrong.status)
	}
	res := b.do(t, "POST", "/api/v1/citizen/session", jsonCT, []byte(`{"code":"`+code+`","secret":"`+tabSecret+`"}`))
	if res.status != http.StatusCreated {
		t.Fatalf("exchange: %d %s", res.status, res.raw)
	}
	var sess struct{ Token, Level, Locale string }
	json.Unmarshal([]byte(res.raw), &sess)
	if sess.Level != acr || sess.Locale != "nn" || !strings.HasPrefix(sess.Token, "citizen:") {
		t.Fatalf("session %+v", sess)
	}
	if again := b.do(t, "POST", "/api/v1/citizen/session", jsonCT, []byte(`{"code":"`+code+`","secret":"`+tabSecret+`"}`)); again.status != http.StatusUnauthorized {
		t.Fatalf("the code a second time: %d, want 401", again.status)
	}
	return sess.Token
}

func bearerOf(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"}
}

// TestSignedInCitizenAppliesAsHerself: the whole road of #14's sign-in.
// She signs in at the local ID-porten, her draft is hers on any device,
// her submit names her as ID-porten does whatever the document says, and
// another signed-in citizen reads none of it by any route.
func TestSignedInCitizenAppliesAsHerself(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setupSignIn(t, dsn, engine.AnonymousClosed)
		kari, ola := b.op.Persons()[0].PID, b.op.Persons()[1].PID
		token := b.signIn(t, kari)

		me := b.do(t, "GET", "/api/v1/citizen", bearerOf(token), nil)
		if me.status != 200 || !bytes.Contains([]byte(me.raw), []byte(`"pid":"`+kari+`"`)) {
			t.Fatalf("GET /api/v1/citizen: %d %s", me.status, me.raw)
		}
		res := b.do(t, "POST", "/api/v1/drafts", bearerOf(token), []byte(`{"form":"bostotte","kommune":"0301"}`))
		if res.status != http.StatusCreated {
			t.Fatalf("draft: %d %s", res.status, res.raw)
		}
		var draft struct{ ID string }
		json.Unmarshal([]byte(res.raw), &draft)
		// The document names someone else as applicant: ID-porten's pid wins.
		if res := b.do(t, "PUT", "/api/v1/drafts/"+draft.ID, bearerOf(token), b.body); res.status != 200 {
			t.Fatalf("save: %d %s", res.status, res.raw)
		}
		res = b.do(t, "POST", "/api/v1/forms/bostotte/submissions", with(bearerOf(token), "Idempotency-Key", draft.ID), b.body)
		if res.status != http.StatusCreated {
			t.Fatalf("submit: %d %s", res.status, res.raw)
		}
		a, err := b.store.Application(context.Background(), draft.ID)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Applicant struct{ Fodselsnummer string }
		}
		json.Unmarshal([]byte(a.Data), &doc)
		if doc.Applicant.Fodselsnummer != kari || a.Identified != idportentest.Substantial {
			t.Fatalf("stored: identified %q, applicant not %s: %s", a.Identified, kari, a.Data)
		}
		if none := b.do(t, "GET", "/api/v1/citizen/applications", bearerOf(b.signIn(t, b.op.Persons()[6].PID)), nil); none.raw != "{\"applications\":[]}\n" {
			t.Fatalf("Mine søknader of someone with none: %q, want an empty list", none.raw)
		}
		mine := b.do(t, "GET", "/api/v1/citizen/applications", bearerOf(token), nil)
		if mine.status != 200 || !bytes.Contains([]byte(mine.raw), []byte(draft.ID)) {
			t.Fatalf("Mine søknader: %d %s", mine.status, mine.raw)
		}

		// Another citizen, signed in as well, reaches none of it.
		other := b.signIn(t, ola)
		for _, probe := range []struct{ method, path string }{
			{"GET", "/api/v1/drafts/" + draft.ID},
			{"PUT", "/api/v1/drafts/" + draft.ID},
			{"GET", "/api/v1/submissions/" + draft.ID},
			{"DELETE", "/api/v1/drafts/" + draft.ID + "/files/x"},
		} {
			if res := b.do(t, probe.method, probe.path, bearerOf(other), b.body); res.status != http.StatusNotFound {
				t.Errorf("%s %s as another citizen: %d, want 404", probe.method, probe.path, res.status)
			}
		}
		if res := b.do(t, "POST", "/api/v1/forms/bostotte/submissions", with(bearerOf(other), "Idempotency-Key", draft.ID), b.body); res.status != http.StatusNotFound {
			t.Errorf("submit her draft as another citizen: %d, want 404", res.status)
		}
		if mine := b.do(t, "GET", "/api/v1/citizen/applications", bearerOf(other), nil); bytes.Contains([]byte(mine.raw), []byte(draft.ID)) {
			t.Errorf("her application is in another citizen's list: %s", mine.raw)
		}

		// Without sign-in, the form is refused here: the route is closed.
		anon := b.do(t, "POST", "/api/v1/forms/bostotte/submissions", with(jsonCT, "Idempotency-Key", "anonymous-key-0123456789"), b.body)
		if anon.status != http.StatusUnauthorized || !strings.Contains(anon.raw, "problems/sign-in-required") {
			t.Fatalf("anonymous submit: %d %s, want 401 sign-in-required", anon.status, anon.raw)
		}

		// Sign-out ends the session here and sends her to ID-porten's.
		out := b.do(t, "POST", "/api/v1/citizen/sign-out", bearerOf(token), []byte(`{"return":"`+kommunePage+`"}`))
		var o struct{ EndSessionURL string }
		json.Unmarshal([]byte(out.raw), &o)
		if out.status != 200 || !strings.HasPrefix(o.EndSessionURL, b.op.Issuer()+"/logout?") {
			t.Fatalf("sign-out: %d %s", out.status, out.raw)
		}
		if res := b.do(t, "GET", "/api/v1/citizen", bearerOf(token), nil); res.status != http.StatusUnauthorized {
			t.Fatalf("after sign-out: %d, want 401", res.status)
		}
		if res := b.do(t, "GET", "/api/v1/drafts/"+draft.ID, bearerOf(token), nil); res.status != http.StatusNotFound {
			t.Fatalf("her draft after sign-out: %d, want 404", res.status)
		}
	})
}

// TestSignInFailuresComeBackToThePage: a sign-in that fails sends her back
// to her page with a word the widget explains; one this browser did not
// start gets a page of its own; a return address outside the kommune sites
// is refused.
func TestSignInFailuresComeBackToThePage(t *testing.T) {
	t.Parallel()
	b := setupSignIn(t, enginetest.SQLite(t), engine.AnonymousReview)
	c := browser(t)
	res, err := c.Get(b.url + "/auth/idporten/login?form=bostotte&binding=" + citizens.Binding(tabSecret) + "&return=" + url.QueryEscape(kommunePage))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	auth, _ := url.Parse(res.Header.Get("Location"))
	state := auth.Query().Get("state")

	for _, tt := range []struct {
		name, query string
		status      int
		fragment    string
	}{
		{"a state this browser did not start", "?code=x&state=forged", http.StatusBadRequest, ""},
		{"cancelled at ID-porten", "?error=access_denied&state=" + state, http.StatusFound, "skjema-signin-error=cancelled"},
	} {
		res, err := c.Get(b.url + "/auth/idporten/callback" + tt.query)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.status || (tt.fragment != "" && res.Header.Get("Location") != kommunePage+"#"+tt.fragment) {
			t.Errorf("%s: %d to %q", tt.name, res.StatusCode, res.Header.Get("Location"))
		}
	}
	if res, err := c.Get(b.url + "/auth/idporten/login?form=bostotte&return=" + url.QueryEscape(kommunePage)); err != nil || res.StatusCode != http.StatusBadRequest {
		t.Errorf("a sign-in without the tab's binding: %v %v, want 400", err, res.StatusCode)
	}
	for _, ret := range []string{"https://evil.example/", "javascript:alert(1)", "//www.oslo.kommune.no/"} {
		res, err := c.Get(b.url + "/auth/idporten/login?form=bostotte&binding=" + citizens.Binding(tabSecret) + "&return=" + url.QueryEscape(ret))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("return %s: %d, want 400", ret, res.StatusCode)
		}
	}
	// The anonymous route for review: taken, and to a caseworker.
	anon := b.do(t, "POST", "/api/v1/forms/bostotte/submissions", with(jsonCT, "Idempotency-Key", "anonymous-key-0123456789"), b.body)
	if anon.status != http.StatusCreated {
		t.Fatalf("anonymous submit: %d %s", anon.status, anon.raw)
	}
	var rc struct{ ID string }
	json.Unmarshal([]byte(anon.raw), &rc)
	deadline := time.Now().Add(10 * time.Second)
	for {
		a, _ := b.store.Application(context.Background(), rc.ID)
		if a.Status == engine.StatusInReview {
			if a.Identified != "" || a.ReviewReasons != engine.ReasonUnidentified {
				t.Fatalf("anonymous: identified %q, reasons %q", a.Identified, a.ReviewReasons)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("anonymous: %s, not routed to review", a.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	info := b.do(t, "GET", "/api/v1/sign-in", nil, nil)
	if !bytes.Contains([]byte(info.raw), []byte(`"anonymous":"review"`)) || !bytes.Contains([]byte(info.raw), []byte(`"idporten":true`)) {
		t.Fatalf("sign-in info: %s", info.raw)
	}
}

// TestPrefillFromFolkeregisteret: a signed-in citizen's draft is filled
// with her name, address and those registered in her flat, each marked as
// a fact from the register; another citizen cannot fill it; a register
// that is down answers 503 and leaves the draft as it was.
func TestPrefillFromFolkeregisteret(t *testing.T) {
	t.Parallel()
	b := setupSignIn(t, enginetest.SQLite(t), engine.AnonymousClosed)
	kari := b.signIn(t, "12838542067")
	res := b.do(t, "POST", "/api/v1/drafts", bearerOf(kari), []byte(`{"form":"bostotte","kommune":"0301"}`))
	var draft struct{ ID string }
	json.Unmarshal([]byte(res.raw), &draft)

	res = b.do(t, "POST", "/api/v1/drafts/"+draft.ID+"/prefill", bearerOf(kari), nil)
	if res.status != 200 {
		t.Fatalf("prefill: %d %s", res.status, res.raw)
	}
	var v struct {
		Draft struct {
			Data struct {
				Applicant struct{ GivenName, FamilyName string }
				Address   struct{ Street, Postnummer, Bruksenhetsnummer string }
				Household []struct {
					GivenName, Fodselsnummer string
					Registered               bool
				}
			}
		}
		Facts []string
	}
	json.Unmarshal([]byte(res.raw), &v)
	d := v.Draft.Data
	if d.Applicant.GivenName != "Kari" || d.Address.Street != "Storgata 1" || d.Address.Postnummer != "0150" || d.Address.Bruksenhetsnummer != "H0101" || len(d.Household) != 3 ||
		d.Household[0].GivenName != "Ola" || !d.Household[2].Registered {
		t.Fatalf("filled: %+v", d)
	}
	if !strings.Contains(strings.Join(v.Facts, " "), "/household/1/fodselsnummer") {
		t.Fatalf("facts %v", v.Facts)
	}
	a, _ := b.store.Application(context.Background(), draft.ID)
	if a.Facts().On == "" || a.Facts().Values["/applicant/familyName"] != "Nordmann" {
		t.Fatalf("the register's facts are not kept with the draft: %q", a.RegisterFacts)
	}

	other := b.signIn(t, "30917220081")
	if res := b.do(t, "POST", "/api/v1/drafts/"+draft.ID+"/prefill", bearerOf(other), nil); res.status != http.StatusNotFound {
		t.Fatalf("another citizen filling her draft: %d, want 404", res.status)
	}
	b.freg.SetDown(true)
	res = b.do(t, "POST", "/api/v1/drafts", bearerOf(other), []byte(`{"form":"bostotte","kommune":"0301"}`))
	json.Unmarshal([]byte(res.raw), &draft)
	if res := b.do(t, "POST", "/api/v1/drafts/"+draft.ID+"/prefill", bearerOf(other), nil); res.status != http.StatusServiceUnavailable ||
		!strings.Contains(res.raw, "register-unavailable") {
		t.Fatalf("the register down: %d %s, want 503 register-unavailable", res.status, res.raw)
	}
}

// TestCitizenHearsBackAndFixesHerApplication is #14's acceptance at the
// HTTP level: she signs in at the local ID-porten, her draft is filled from
// the local Folkeregisteret, she submits; the caseworker returns it and an
// e-mail arrives at the local SMTP server; she signs in again (another
// device: a new session), reads the kommune's message in Mine søknader,
// fixes and resubmits; it is approved, delivered, and taken by the agency,
// and she is told that too. (The browser's part of sign-in and prefill is
// cmd/skjema's TestSignInInBrowser.)
func TestCitizenHearsBackAndFixesHerApplication(t *testing.T) {
	t.Parallel()
	relay := smtptest.Serve(t)
	email, err := notify.NewEmail(notify.SMTPConfig{Addr: relay.Addr, From: "Oslo kommune <ikke-svar@oslo.kommune.no>", TLS: notify.TLSNone})
	if err != nil {
		t.Fatal(err)
	}
	rcv := &receiver.Receiver{Secret: "s"}
	agency := httptest.NewServer(rcv)
	t.Cleanup(agency.Close)
	b := setupSignIn(t, enginetest.SQLite(t), engine.AnonymousClosed, queuetest.Engine(enginetest.BatchSize(1)), queuetest.Queue(func(c *queue.Config) {
		c.Notifier, c.ReadURL = email, kommunePage
		c.Agencies = map[string]queue.Agency{"husbanken": {Transport: queue.TransportPush, URL: agency.URL, Secret: "s"}}
		c.BatchSize = 1
	}))
	ctx := context.Background()
	kari := "12838542067"
	token := b.signIn(t, kari)
	res := b.do(t, "POST", "/api/v1/drafts", bearerOf(token), []byte(`{"form":"bostotte","kommune":"0301"}`))
	var draft struct{ ID string }
	json.Unmarshal([]byte(res.raw), &draft)
	if res := b.do(t, "POST", "/api/v1/drafts/"+draft.ID+"/prefill", bearerOf(token), nil); res.status != 200 {
		t.Fatalf("prefill: %d %s", res.status, res.raw)
	}
	// The rest of her answers, on top of what the register filled in.
	got := b.do(t, "GET", "/api/v1/drafts/"+draft.ID, bearerOf(token), nil)
	doc := got.body["data"].(map[string]any)
	var example map[string]any
	json.Unmarshal(b.body, &example)
	for _, k := range []string{"eligibility", "housing", "income", "payment", "declaration"} {
		doc[k] = example[k]
	}
	doc["applicant"].(map[string]any)["email"] = "kari@example.no"
	doc["applicant"].(map[string]any)["phone"] = "+47 912 34 567"
	relations := []string{"spouse", "child", "child"}
	for i, m := range doc["household"].([]any) {
		m.(map[string]any)["relation"] = relations[i]
	}
	// Her son is registered here but lives with his father: she says so,
	// and a caseworker sees it ([P-slik][V-2.2.5]).
	jakob := doc["household"].([]any)[2].(map[string]any)
	jakob["notLivingHere"], jakob["notLivingExplanation"] = true, "Bor hos faren sin i Bergen fra november."
	body, _ := json.Marshal(doc)
	res = b.do(t, "POST", "/api/v1/forms/bostotte/submissions", with(bearerOf(token), "Idempotency-Key", draft.ID), body)
	if res.status != http.StatusCreated {
		t.Fatalf("submit: %d %s", res.status, res.raw)
	}
	relay.Wait(t, 1, 10*time.Second) // received

	// The kommune needs more from her.
	kommune := caseworkerFor(t, b.store)
	waitFor(t, func() bool { a, _ := b.store.Application(ctx, draft.ID); return a.Status != engine.StatusSubmitted })
	a, _ := b.store.Application(ctx, draft.ID)
	if a.Status != engine.StatusInReview || a.ReviewReasons != "registeredNotLiving" {
		t.Fatalf("routed: %s %q, want to the caseworker for the son who lives elsewhere", a.Status, a.ReviewReasons)
	}
	f, _ := b.forms.Form("bostotte")
	if err := b.store.Casework.ReturnToCitizen(ctx, casework.CaseAction{User: kommune, ApplicationID: a.ID, Version: a.Version, Form: f},
		"Vi trenger husleiekontrakten. Husleien skal være 14 600.", []string{"/housing/rent"}); err != nil {
		t.Fatal(err)
	}
	mails := relay.Wait(t, 2, 10*time.Second)
	if !strings.Contains(mails[1].Body, kommunePage) || strings.Contains(mails[1].Body, "14 600") || mails[1].To[0] != "kari@example.no" {
		t.Fatalf("the return's e-mail:\n%s", mails[1].Body)
	}

	// Another device: a new sign-in, and Mine søknader has the message.
	again := b.signIn(t, kari)
	mine := b.do(t, "GET", "/api/v1/citizen/applications", bearerOf(again), nil)
	if !strings.Contains(mine.raw, "Vi trenger husleiekontrakten") || !strings.Contains(mine.raw, `"status":"awaiting_citizen"`) {
		t.Fatalf("Mine søknader: %s", mine.raw)
	}
	doc["housing"].(map[string]any)["rent"] = 14600
	body, _ = json.Marshal(doc)
	res = b.do(t, "POST", "/api/v1/forms/bostotte/submissions", with(bearerOf(again), "Idempotency-Key", draft.ID), body)
	if res.status != http.StatusCreated || !strings.Contains(res.raw, `"status":"in_review"`) {
		t.Fatalf("resubmit: %d %s", res.status, res.raw)
	}
	a, _ = b.store.Application(ctx, draft.ID)
	if err := b.store.Casework.Approve(ctx, casework.CaseAction{User: kommune, ApplicationID: a.ID, Version: a.Version, Form: f}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { a, _ := b.store.Application(ctx, draft.ID); return a.Status == engine.StatusAccepted })
	relay.Wait(t, 3, 10*time.Second) // accepted
	if stored := rcv.Stored(); len(stored) != 1 {
		t.Fatalf("the agency got %v, want her application once", stored)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func caseworkerFor(t *testing.T, s *engine.Store) engine.User {
	t.Helper()
	u, err := s.Accounts.CreateUser(context.Background(), engine.NewUser{Email: "kari@oslo.kommune.no", Name: "Kari Saksbehandler", Kommuner: []string{"0301"},
		Password: "korrekt hest batteri stift"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}
