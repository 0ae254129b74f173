package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/identity/idportentest"
	"github.com/skjema/skjema/letters"
	"github.com/skjema/skjema/letters/letterstest"
	"github.com/skjema/skjema/notify"
	"github.com/skjema/skjema/notify/smtptest"
	"github.com/skjema/skjema/queue"
	"github.com/skjema/skjema/queue/queuetest"
)

// TestStartlanFromSignInToDecisionLetter is #17's road end to end, on each
// database: a couple applies for startlån, signed in with ID-porten at
// level high (substantial is refused); the application goes to the
// kommune's caseworkers; one recommends a loan and is refused when she
// tries to decide it herself; a fullmaktshaver decides it; and the citizen
// is told by e-mail, finds the decision letter in Mine søknader, and reads
// in it the loan, both names and how to appeal. No one else reads it.
func TestStartlanFromSignInToDecisionLetter(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		relay := smtptest.Serve(t)
		email, err := notify.NewEmail(notify.SMTPConfig{Addr: relay.Addr, From: "Oslo kommune <ikke-svar@oslo.kommune.no>", TLS: notify.TLSNone})
		if err != nil {
			t.Fatal(err)
		}
		head := letters.Sender{Name: "Oslo kommune", Unit: "Boligkontoret", Address: []string{"Postboks 1", "0037 Oslo"}, AppealBody: "Klagenemnda for startlån"}
		b := setupSignIn(t, dsn, engine.AnonymousClosed,
			queuetest.Engine(enginetest.Letterheads(map[string]letters.Sender{"0301": head})),
			queuetest.Queue(func(c *queue.Config) { c.Notifier, c.ReadURL = email, kommunePage }))
		ctx := context.Background()
		kari := b.op.Persons()[2].PID
		f, _ := b.forms.Form("startlan")
		body, err := os.ReadFile("../examples/startlan/application.json")
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		json.Unmarshal(body, &doc)
		doc["applicant"].(map[string]any)["email"] = "kari@example.no"
		body, _ = json.Marshal(doc)
		apply := func(token string) response {
			res := b.do(t, "POST", "/api/v1/drafts", bearerOf(token), []byte(`{"form":"startlan","kommune":"0301"}`))
			if res.status != http.StatusCreated {
				return res
			}
			var draft struct{ ID string }
			json.Unmarshal([]byte(res.raw), &draft)
			return b.do(t, "POST", "/api/v1/forms/startlan/submissions", with(bearerOf(token), "Idempotency-Key", draft.ID), body)
		}

		// MinID is not enough for a loan: the form asks for level high, at
		// the sign-in, and again at the submit of one who signed in lower
		// for another form.
		if back := b.signInPage(t, browser(t), kari, "startlan", idportentest.Substantial); back.Fragment != "skjema-signin-error=level" {
			t.Fatalf("signed in for startlån at level substantial: back to %s", back)
		}
		if res := apply(b.signIn(t, kari)); res.status != http.StatusForbidden || !strings.Contains(res.raw, "sign-in-level") {
			t.Fatalf("submitted at level substantial: %d %s", res.status, res.raw)
		}
		token := b.signInAt(t, kari, "startlan", idportentest.High)
		res := apply(token)
		if res.status != http.StatusCreated {
			t.Fatalf("submit at level high: %d %s", res.status, res.raw)
		}
		id := res.body["id"].(string)
		relay.Wait(t, 1, 10*time.Second) // received
		waitFor(t, func() bool { a, _ := b.store.Application(ctx, id); return a.Status == engine.StatusInReview })
		a, _ := b.store.Application(ctx, id)
		if a.Identified != idportentest.High || !strings.Contains(a.ReviewReasons, engine.ReasonKommuneDecides) {
			t.Fatalf("routed: identified %q, reasons %q", a.Identified, a.ReviewReasons)
		}

		sara := caseworker(t, b.store, "sara@oslo.kommune.no", "Sara Saksbehandler")
		frida := caseworker(t, b.store, "frida@oslo.kommune.no", "Frida Fullmakt")
		if err := b.store.Casework.Recommend(ctx, casework.CaseAction{User: sara, ApplicationID: id, Version: a.Version, Form: f},
			casework.Recommendation{Outcome: casework.OutcomeGrant, Amount: 2_400_000, RatePercent: 4.5, TermYears: 30,
				Text: "Dere kan betjene lånet med god margin."}); err != nil {
			t.Fatal(err)
		}
		a, _ = b.store.Application(ctx, id)
		decide := func(u engine.User) error {
			return b.store.Casework.Decide(ctx, casework.Decision{User: u, ApplicationID: id, Version: a.Version, Form: f, Approve: true})
		}
		if err := decide(sara); !errors.Is(err, casework.ErrSameHands) {
			t.Fatalf("decided by the one who recommended it: %v", err)
		}
		if err := decide(frida); err != nil {
			t.Fatal(err)
		}

		mails := relay.Wait(t, 2, 10*time.Second)
		if m := mails[1]; m.To[0] != "kari@example.no" || !strings.Contains(m.Body, "Vedtaksbrevet") || !strings.Contains(m.Body, kommunePage) ||
			strings.Contains(m.Body, "2 400 000") || strings.Contains(m.Body, *a.Reference) {
			t.Fatalf("the decision's e-mail (to %v):\n%s", m.To, m.Body)
		}
		mine := b.do(t, "GET", "/api/v1/citizen/applications", bearerOf(token), nil)
		var list struct {
			Applications []struct {
				ID, Status string
				Letter     []struct{ ID, Kind, Name string } `json:"letters"`
				Messages   []struct{ Kind, Text string }
			}
		}
		json.Unmarshal([]byte(mine.raw), &list)
		if len(list.Applications) != 1 || list.Applications[0].Status != "granted" || len(list.Applications[0].Letter) != 1 ||
			list.Applications[0].Letter[0].Kind != "decision" {
			t.Fatalf("Mine søknader: %s", mine.raw)
		}
		l := list.Applications[0].Letter[0]
		path := "/api/v1/citizen/applications/" + id + "/letters/" + l.ID
		pdf := b.do(t, "GET", path, bearerOf(token), nil)
		if pdf.status != http.StatusOK || pdf.header.Get("Content-Type") != "application/pdf" || pdf.header.Get("Cache-Control") != "no-store" ||
			!strings.Contains(pdf.header.Get("Content-Disposition"), l.Name) {
			t.Fatalf("the letter: %d %v", pdf.status, pdf.header)
		}
		text := letterstest.Text(t, []byte(pdf.raw))
		for _, w := range []string{"Oslo kommune", "Postboks 1", "Vedtak om startlån", *a.Reference, "Kari Nordmann, Ola Nordmann",
			"Oslo kommune har innvilget søknaden din.", "Lån 2 400 000 kr", "Rente 4,5 %", "Nedbetalingstid 30 år", "forskrift om startlån",
			"Dere kan betjene lånet med god margin.", "innen tre uker", "Klagenemnda for startlån",
			"Vedtaket er gjort av Frida Fullmakt etter innstilling fra Sara Saksbehandler"} {
			if !strings.Contains(text, w) {
				t.Errorf("the letter lacks %q", w)
			}
		}
		if t.Failed() {
			t.Log(text)
		}
		// Her session still opens the copy of what they sent, decided as it
		// is; a resume token would not.
		if cp := b.do(t, "GET", "/api/v1/drafts/"+id+"/copy", bearerOf(token), nil); cp.status != http.StatusOK ||
			!strings.Contains(letterstest.Text(t, []byte(cp.raw)), "Søknad om startlån") {
			t.Fatalf("her copy after the decision: %d %s", cp.status, cp.raw[:min(len(cp.raw), 200)])
		}
		// No one else: another citizen, no session, or a letter of hers
		// under another application; nor she herself, signed in with MinID
		// (substantial) where a loan needs high.
		other := b.signInAt(t, b.op.Persons()[3].PID, "startlan", idportentest.High)
		low := b.signIn(t, kari)
		otherLow := b.signIn(t, b.op.Persons()[3].PID)
		for _, c := range []struct {
			path, token string
			want        int
		}{
			{path, other, http.StatusNotFound},
			{path, "", http.StatusUnauthorized},
			{"/api/v1/citizen/applications/nosuch/letters/" + l.ID, token, http.StatusNotFound},
			{path, low, http.StatusForbidden},
			{"/api/v1/drafts/" + id, low, http.StatusForbidden},
			{"/api/v1/drafts/" + id + "/copy", low, http.StatusForbidden},
			{"/api/v1/submissions/" + id, low, http.StatusForbidden},
			// Another's session, low too: not hers, so not found, never
			// "too low" (which would tell her it exists).
			{"/api/v1/submissions/" + id, otherLow, http.StatusNotFound},
		} {
			h := map[string]string{}
			if c.token != "" {
				h = bearerOf(c.token)
			}
			if got := b.do(t, "GET", c.path, h, nil); got.status != c.want || !strings.Contains(got.header.Get("Content-Type"), "problem+json") {
				t.Errorf("GET %s: %d %s, want %d problem", c.path, got.status, got.header.Get("Content-Type"), c.want)
			}
		}
		// Her list at that level says the application is there, and what
		// level reads the rest.
		// It names the form and the status in startlån's words, for a widget
		// of another form that lists it (bostøtte has no "granted").
		enList := b.do(t, "GET", "/api/v1/citizen/applications", with(bearerOf(token), "Accept-Language", "en"), nil)
		if !strings.Contains(enList.raw, `"formTitle":"`+f.Text(forms.English, "form.title")+`"`) ||
			!strings.Contains(enList.raw, `"statusText":"`+f.Text(forms.English, "ui.status.granted")+`"`) {
			t.Errorf("Mine søknader in English: %s", enList.raw)
		}
		lowList := b.do(t, "GET", "/api/v1/citizen/applications", bearerOf(low), nil)
		if !strings.Contains(lowList.raw, `"signInLevel":"idporten-loa-high"`) || strings.Contains(lowList.raw, l.ID) ||
			strings.Contains(lowList.raw, "god margin") {
			t.Errorf("Mine søknader at level substantial: %s", lowList.raw)
		}
	})
}

// caseworker makes a caseworker of Oslo with the decision role.
func caseworker(t *testing.T, s *engine.Store, email, name string) engine.User {
	t.Helper()
	u, err := s.Accounts.CreateUser(context.Background(), engine.NewUser{Email: email, Name: name, Kommuner: []string{"0301"},
		Password: "korrekt hest batteri stift", Decides: true})
	if err != nil {
		t.Fatal(err)
	}
	return u
}
